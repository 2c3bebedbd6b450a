"""The one error a bad command line raises (a leaf module: the CLI and the commands both use it)."""

EXIT_USAGE = 2
"""The exit status of every usage or input problem."""


class UsageError(Exception):
    """A bad command line (unknown option, bad value): one line, exit 2."""
