"""A strict reader for TOML tables: typed getters that record problems with field paths.

Every getter records a :class:`Problem` instead of raising, so one pass over a file reports
everything that is wrong. ``finish()`` reports keys that no getter asked for, with the closest
known key as a suggestion. New schema keys are one more getter call: the reader grows without
rewrites.
"""

import difflib
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any, TypeVar

from stepcnn.scenario.errors import Problem

T = TypeVar("T")

MISSING: Any = object()


def describe(value: object) -> str:
    """A short, user-facing rendering of a TOML value for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return '"' + text.encode("unicode_escape").decode("ascii") + '"'
    if isinstance(value, int) and abs(value) >= 10**15:
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return str(value)


def printable(text: str) -> str:
    """``text`` with every unprintable character (newline, escape, ...) written as an escape."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_PLAIN_KEY = re.compile(r"[\w.-]+")


def key_text(key: str) -> str:
    """A key as a field path shows it: as is when plain, else quoted, escaped and shortened.

    Keeps every problem on one line whatever the key (a TOML key may hold any character).
    """
    if _PLAIN_KEY.fullmatch(key) and len(key) <= 40:
        return key
    text = key if len(key) <= 40 else key[:37] + "..."
    return '"' + printable(text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def control_problem(text: str) -> str:
    """Why ``text`` may not be shown on a terminal (a control character), or nothing.

    Tabs and newlines are fine; an escape character could restyle or retitle the terminal.
    """
    for position, char in enumerate(text):
        if char not in "\t\n" and unicodedata.category(char) == "Cc":
            shown = printable(char)
            return f"may not contain control characters, got {shown} at character {position}"
    return ""


def is_number(value: object) -> bool:
    """Ints and floats are numbers; booleans are not."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_index_list(value: object, *, empty: bool = True) -> bool:
    """A list of non-negative integers (booleans are not integers); ``[]`` only if ``empty``."""
    return (
        isinstance(value, list)
        and (empty or bool(value))
        and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in value)
    )


def as_finite_float(value: object) -> tuple[float, str]:
    """``(number, "")`` for a finite int or float, else ``(nan, what is wrong)``."""
    if not is_number(value):
        return math.nan, f"must be a number, got {describe(value)}"
    try:
        number = float(value)  # type: ignore[arg-type]
    except OverflowError:
        return math.nan, f"is too large to be a number, got {describe(value)}"
    if not math.isfinite(number):
        return math.nan, f"must be a finite number, got {describe(value)}"
    return number, ""


def suggest(key: str, known: Sequence[str]) -> str:
    """``; did you mean "x"?`` for the closest known key, or nothing."""
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


class Table:
    """Typed, path-aware access to one TOML table."""

    def __init__(self, data: dict[str, Any], path: str, problems: list[Problem]) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        self.known: list[str] = []

    def where(self, key: str) -> str:
        return f"{self.path}.{key_text(key)}" if self.path else key_text(key)

    def error(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.where(key) if key else self.path, message))

    def raw(self, key: str, *, required: bool = False) -> Any:
        """The value under ``key`` (MISSING when absent; an error too when required)."""
        self.known.append(key)
        if key in self.data:
            return self.data[key]
        if required:
            self.error(key, "is required")
        return MISSING

    def string(self, key: str, default: str | None = None, *, required: bool = False) -> Any:
        value = self.raw(key, required=required)
        if value is MISSING:
            return default
        if not isinstance(value, str):
            self.error(key, f"must be a string, got {describe(value)}")
            return default
        problem = control_problem(value)
        if problem:
            self.error(key, problem)
            return default
        return value

    def integer(
        self,
        key: str,
        default: int | None = None,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = False,
        what: str = "an integer",
    ) -> Any:
        value = self.raw(key, required=required)
        if value is MISSING:
            return default
        return self.check_integer(key, value, default, minimum, maximum, what)

    def check_integer(
        self,
        key: str,
        value: Any,
        default: int | None,
        minimum: int | None = None,
        maximum: int | None = None,
        what: str = "an integer",
    ) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(key, f"must be {what}, got {describe(value)}")
            return default
        if minimum is not None and value < minimum:
            self.error(key, f"must be {what}, got {describe(value)}")
            return default
        if maximum is not None and value > maximum:
            self.error(key, f"must be at most {maximum:,}, got {describe(value)}")
            return default
        return value

    def number(
        self,
        key: str,
        default: float | None = None,
        *,
        positive: bool = False,
        maximum: float | None = None,
        required: bool = False,
    ) -> Any:
        value = self.raw(key, required=required)
        if value is MISSING:
            return default
        number, problem = as_finite_float(value)
        if problem:
            self.error(key, problem)
            return default
        if positive and number <= 0:
            self.error(key, f"must be a number greater than 0, got {describe(value)}")
            return default
        if maximum is not None and number > maximum:
            self.error(key, f"must be at most {maximum:g}, got {describe(value)}")
            return default
        return number

    def choice(
        self,
        key: str,
        options: Sequence[str],
        default: str | None = None,
        *,
        required: bool = False,
    ) -> Any:
        value = self.raw(key, required=required)
        if value is MISSING:
            return default
        if not isinstance(value, str) or value not in options:
            listed = ", ".join(f'"{o}"' for o in options)
            hint = suggest(value, options) if isinstance(value, str) else ""
            self.error(key, f"must be one of {listed}, got {describe(value)}{hint}")
            return default
        return value

    def index(self, key: str, *, empty: bool = True) -> tuple[int, ...] | None:
        """An index into a tensor: a list of non-negative integers (None when absent)."""
        value = self.raw(key)
        if value is MISSING:
            return None
        if is_index_list(value, empty=empty):
            return tuple(value)
        self.error(key, f"must be a list of non-negative integers, got {describe(value)}")
        return None

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is MISSING:
            return default
        if not isinstance(value, bool):
            self.error(key, f"must be true or false, got {describe(value)}")
            return default
        return value

    def table(self, key: str) -> "Table | None":
        value = self.raw(key)
        if value is MISSING:
            return None
        if not isinstance(value, dict):
            self.error(key, f"must be a table, got {describe(value)}")
            return None
        return Table(value, self.where(key), self.problems)

    def tables(self, key: str, *, required: bool = False) -> list["Table"]:
        """An array of tables (``[[key]]``); one :class:`Table` per entry."""
        value = self.raw(key, required=required)
        if value is MISSING:
            return []
        if not isinstance(value, list):
            self.error(key, f"must be an array of tables ([[{key}]]), got {describe(value)}")
            return []
        result = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                self.problems.append(
                    Problem(f"{self.where(key)}[{i}]", f"must be a table, got {describe(item)}")
                )
                continue
            result.append(Table(item, f"{self.where(key)}[{i}]", self.problems))
        return result

    def finish(self) -> None:
        """Report every key that no getter asked for."""
        for key in self.data:
            if key not in self.known:  # (by its path: the key may be "")
                self.problems.append(
                    Problem(self.where(key), f"unknown key{suggest(key, self.known)}")
                )
