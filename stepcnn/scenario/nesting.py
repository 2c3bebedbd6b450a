"""How deep a TOML text nests its brackets, found before the TOML parser sees it.

Python's ``tomllib`` recurses once per nested array or inline table and fails with a
``RecursionError`` a few hundred levels down; a scan of the text finds the first line that
goes deeper than a limit instead. Strings and comments are skipped (a ``[`` inside a string
does not count); the scan jumps from one bracket, quote or ``#`` to the next, so a 16 MiB
file of numbers takes a fraction of a second.
"""

import re

_NEXT = re.compile(r"\"\"\"|'''|[\"'#\[\]{}]")
_ENDS = {
    '"""': re.compile(r'(?:[^\\]|\\.)*?"""', re.S),
    "'''": re.compile(r".*?'''", re.S),
    '"': re.compile(r'(?:[^"\\\n]|\\.)*"'),
    "'": re.compile(r"[^'\n]*'"),
}


def too_deep(text: str, limit: int) -> int | None:
    """The line (from 1) where brackets and braces first nest more than ``limit`` deep, or
    None. Text the scan cannot follow (an unterminated string) is left to the parser."""
    depth = 0
    pos = 0
    while (found := _NEXT.search(text, pos)) is not None:
        token, pos = found.group(), found.end()
        if token in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, found.start()) + 1
        elif token in "]}":
            depth = max(depth - 1, 0)
        elif token == "#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
        else:
            closed = _ENDS[token].match(text, pos)
            if closed is None:
                return None
            pos = closed.end()
    return None
