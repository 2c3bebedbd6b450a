"""``docs/reference/keys.md``: every key of the debugger, from its own binding table.

The rows are :func:`stepcnn.tui.bindings.describe_bindings`'s — what the help screen (`?`)
shows — with a longer note from :mod:`docs.gen.key_notes` and whether the footer offers it.
"""

from textual.binding import Binding

from docs.gen.key_notes import KEY_NOTES
from docs.gen.scenario_page import GENERATED
from stepcnn.tui.bindings import BINDINGS, describe_bindings, shown_keys


def rows() -> list[tuple[str, str, Binding | None]]:
    """(keys as shown, description, the row's first binding; None for click and ctrl+p)."""
    by_keys = {shown_keys(b): b for b in BINDINGS}
    return [(keys, text, by_keys.get(keys.split(" ")[0])) for keys, text in describe_bindings()]


def note_key(keys: str, binding: Binding | None) -> str:
    return binding.action if binding is not None else keys


def keys_cell(keys: str) -> str:
    """``→/l ←/h`` as `` `→` `l` / `←` `h` ``: a direction's keys, then the other's."""
    return " / ".join(" ".join(f"`{k}`" for k in side.split("/")) for side in keys.split(" "))


def page() -> str:
    out = [
        GENERATED,
        "",
        "# Keys",
        "",
        "Every key of the debugger, from its binding table (what `?` shows). The footer shows "
        "the keys marked *footer* that fit the terminal's width, each whole, and always "
        "`? Help`.",
        "",
        "| keys | action | footer | more |",
        "|---|---|---|---|",
    ]
    for keys, text, binding in rows():
        note = KEY_NOTES.get(note_key(keys, binding))
        if note is None:
            raise ValueError(f"{keys}: no note in docs/gen/key_notes.py")
        footer = "footer" if binding is not None and binding.show else ""
        out.append(f"| {keys_cell(keys)} | {text} | {footer} | {note} |")
    return "\n".join(out) + "\n"
