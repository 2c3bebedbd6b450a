"""The ``stepcnn`` command line: one module per command, parsing and checking its options.

The top layer: may import every package; nothing imports it but ``__main__``.
"""

from stepcnn.cli.main import main

__all__ = ["main"]
