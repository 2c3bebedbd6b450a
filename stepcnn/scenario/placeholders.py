"""Narration placeholders: ``{value:.3f}``-style fields, checked when the file is loaded.

Only plain names from :data:`PLACEHOLDERS` are allowed — no attribute access, no indexing,
no conversions — and text is filled by :func:`fill`, never by ``eval``.
"""

import re
import string
from collections.abc import Mapping

from stepcnn.scenario.fields import suggest

PLACEHOLDERS: dict[str, str] = {
    "step": "the step number k (counting from 0)",
    "steps": "how many steps the timeline has",
    "iteration": "the training iteration",
    "phase": "forward, backward or update",
    "layer": "the layer index into [[layers]] (empty for loss steps)",
    "layer_type": "conv2d, relu, maxpool2d, flatten, linear, cross_entropy or mse",
    "op": 'the operation, e.g. "conv2d.backward"',
    "index": "the element or slice the step works on, e.g. [0, 1, 2, 3]",
    "value": "the value computed (forward) or the gradient propagated (backward)",
    "lr": "the learning rate",
    "loss": "the loss of this iteration",
    "samples": "the sample numbers in this iteration's batch",
}

_NAME = re.compile(r"^[a-z_]+$")


def check_template(text: str) -> str:
    """Empty when ``text`` is a valid template, else what is wrong with it."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        return f"is not a valid template ({exc}); write {{{{ and }}}} for literal braces"
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not _NAME.match(name):
            return f'has an invalid placeholder "{{{name}}}": use a plain name such as {{value}}'
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + key + "}" for key in PLACEHOLDERS)
            hint = suggest(name, list(PLACEHOLDERS))
            return f'has an unknown placeholder "{{{name}}}"{hint}; known: {known}'
        if conversion:
            return f'placeholder "{{{name}}}" may not use a !{conversion} conversion'
        if spec:
            if "{" in spec:
                return f'placeholder "{{{name}}}" may not nest placeholders in its format'
            try:
                format(1.5, spec)
            except ValueError:
                return f'placeholder "{{{name}}}" has an invalid number format ":{spec}"'
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
            text = format(value, spec) if spec else str(value)
            out.append(text.replace("-", "\u2212"))  # a real minus sign
        else:
            out.append(str(value))
    return "".join(out)
