"""Narration placeholders: ``{value:.3f}``-style fields, checked when the file is loaded.

Only plain names from :data:`PLACEHOLDERS` are allowed — no attribute access, no indexing,
no conversions — and text is filled by :func:`fill`, never by ``eval``.
"""

import re
import string
from collections.abc import Mapping

from stepcnn.scenario.fields import control_problem, printable, suggest

PLACEHOLDERS: dict[str, str] = {
    "step": "the step number k (counting from 0)",
    "steps": "how many steps the timeline has",
    "iteration": "the training iteration",
    "phase": "forward, backward or update",
    "layer": "the layer index into [[layers]] (— for loss steps)",
    "layer_type": 'the layer type (e.g. "conv2d") or the loss name',
    "op": 'the operation, e.g. "conv2d.backward"',
    "index": "the element or slice the step works on, e.g. [0, 1, 2, 3]",
    "value": "the value computed (forward) or the gradient propagated (backward)",
    "lr": "the learning rate",
    "momentum": "the SGD momentum (0: plain SGD)",
    "weight_decay": "the SGD weight decay",
    "loss": "the loss of this iteration",
    "samples": "the sample numbers in this iteration's batch",
}

_NAME = re.compile(r"^[a-z_]+$")
MAX_WIDTH = 100
"""Largest width or precision a format may ask for: ``{value:999999999}`` would fill memory."""


def check_template(text: str) -> str:
    """Empty when ``text`` is a valid template, else what is wrong with it."""
    problem = control_problem(text)
    if problem:
        return problem
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        return f"is not a valid template ({exc}); write {{{{ and }}}} for literal braces"
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not _NAME.match(name):
            shown = printable(name if len(name) <= 40 else name[:37] + "...")
            return f'has an invalid placeholder "{{{shown}}}": use a plain name such as {{value}}'
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + key + "}" for key in PLACEHOLDERS)
            hint = suggest(name, list(PLACEHOLDERS))
            return f'has an unknown placeholder "{{{name}}}"{hint}; known: {known}'
        if conversion:
            return f'placeholder "{{{name}}}" may not use a !{printable(conversion)} conversion'
        if spec:
            shown = printable(spec if len(spec) <= 40 else spec[:37] + "...")
            if "{" in spec:
                return f'placeholder "{{{name}}}" may not nest placeholders in its format'
            numbers = re.findall(r"[0-9]+", spec)
            if any(len(n) > 9 or int(n) > MAX_WIDTH for n in numbers):
                return (
                    f'placeholder "{{{name}}}" has a width or precision over {MAX_WIDTH} '
                    f'in ":{shown}"'
                )
            try:
                format(1.5, spec)
            except ValueError:
                return f'placeholder "{{{name}}}" has an invalid number format ":{shown}"'
    return ""


def fill(text: str, values: Mapping[str, object]) -> str:
    """Replace each placeholder by its value; a format spec applies to numbers only."""
    out = []
    for literal, name, spec, _ in string.Formatter().parse(text):
        out.append(literal)
        if name is None:
            continue
        value = values.get(name)
        if value is None:
            out.append("—")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out.append(_number(value, spec).replace("-", "\u2212"))  # a real minus sign
        else:
            out.append(str(value))
    return "".join(out)


def _number(value: int | float, spec: str | None) -> str:
    """``format(value, spec)``; an int takes a float-only spec (``.3``) as a float would."""
    if not spec:
        return str(value)
    try:
        return format(value, spec)
    except ValueError:  # e.g. "Precision not allowed in integer format specifier"
        try:
            return format(float(value), spec)
        except (ValueError, OverflowError):
            return str(value)
