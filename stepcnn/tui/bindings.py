"""The key table: one line per binding; the help screen and the command palette read it."""

from textual.binding import Binding

BINDINGS: list[Binding] = [
    Binding("L", "course", "Course: start it, or the chapters", show=False),
    Binding("enter", "course_step(1)", "Next stop", key_display="⏎"),
    Binding("backspace", "course_step(-1)", "Previous stop", show=False, key_display="⌫"),
    Binding("right,l", "step(1)", "Next step", key_display="→/l"),
    Binding("left,h", "step(-1)", "Back", key_display="←/h"),
    Binding("t", "page", "Next page"),
    Binding("z", "skip_zero(1)", "Next step, skipping zero gradients", show=False),
    Binding("Z", "skip_zero(-1)", "Previous step, skipping zero gradients", show=False),
    Binding("down,j", "move('row', 1)", "Next row", show=False, key_display="↓/j"),
    Binding("up,k", "move('row', -1)", "Previous row", show=False, key_display="↑/k"),
    Binding("right_square_bracket", "move('map', 1)", "Next map", show=False, key_display="]"),
    Binding("left_square_bracket", "move('map', -1)", "Previous map", show=False, key_display="["),
    Binding("greater_than_sign", "move('layer', 1)", "Next layer", key_display=">"),
    Binding("less_than_sign", "move('layer', -1)", "Previous layer", show=False, key_display="<"),
    Binding("right_curly_bracket", "move('phase', 1)", "Next phase", show=False, key_display="}"),
    Binding(
        "left_curly_bracket", "move('phase', -1)", "Previous phase", show=False, key_display="{"
    ),
    Binding("n", "move('iteration', 1)", "Next iteration", show=False),
    Binding("p", "move('iteration', -1)", "Previous iteration", show=False),
    Binding("home,g", "edge(0)", "First step", show=False, key_display="Home/g"),
    Binding("end,G", "edge(1)", "Last step", show=False, key_display="End/G"),
    Binding("colon", "goto", "Go to step", show=False, key_display=":"),
    Binding("space", "play", "Play/pause", key_display="space"),
    Binding("plus,equals_sign", "speed(1)", "Faster playback", show=False, key_display="+"),
    Binding("minus", "speed(-1)", "Slower playback", show=False, key_display="-"),
    Binding("full_stop", "precision(1)", "More digits", key_display="."),
    Binding("comma", "precision(-1)", "Fewer digits", show=False, key_display=","),
    Binding("b", "breakpoint", "Breakpoint (layer+op)"),
    Binding("w", "watch", "Watch selected cell", show=False),
    Binding("x", "clear_breakpoints", "Clear breakpoints", show=False),
    Binding("c", "continue(1)", "Continue"),
    Binding("C", "continue(-1)", "Reverse-continue", show=False),
    Binding("f", "nonfinite", "First NaN/inf", show=False),
    Binding("d", "view('gradcheck')", "Gradient check", show=False),
    Binding("v", "view('weights')", "Weight view (selected weight)", show=False),
    Binding(
        "m", "cycle_view('m')", "Matrix views: as fully connected → im2col → normal", show=False
    ),
    Binding("s", "toggle_pane('source')", "Source pane", show=False),
    Binding("e", "toggle_pane('narration')", "Narration pane", show=False),
    Binding("o", "pick", "Open scenario", show=False),
    Binding("i", "about", "About this scenario", show=False),
    Binding("r", "reload", "Reload file", show=False),
    Binding("X", "exercise", "Course: write the exercise's skeleton file", show=False),
    Binding("V", "verify", "Course: grade my file (stepcnn verify)", show=False),
    Binding("P", "practice", "Predict mode: type each result before it is shown", show=False),
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("q", "quit", "Quit"),
]


def opposite(a: Binding, b: Binding) -> bool:
    """Are ``a`` and ``b`` one action in two directions (``step(1)`` and ``step(-1)``)?"""
    name_a, _, args_a = a.action.partition("(")
    name_b, _, args_b = b.action.partition("(")
    if name_a != name_b or not args_a or not args_b:
        return False
    head_a, _, last_a = args_a.rstrip(")").rpartition(",")
    head_b, _, last_b = args_b.rstrip(")").rpartition(",")
    return head_a == head_b and last_a.strip() == f"-{last_b.strip()}".replace("--", "")


def shown_keys(b: Binding) -> str:
    return b.key_display or "/".join(b.key.split(","))


def describe_bindings() -> list[tuple[str, str]]:
    """(keys as shown, description) for every binding, in table order; the two directions
    of one action share a row (``→/l ←/h``, ``Next step / Back``)."""
    rows = []
    i = 0
    while i < len(BINDINGS):
        b = BINDINGS[i]
        if i + 1 < len(BINDINGS) and opposite(b, BINDINGS[i + 1]):
            other = BINDINGS[i + 1]
            rows.append(
                (f"{shown_keys(b)} {shown_keys(other)}", f"{b.description} / {other.description}")
            )
            i += 2
            continue
        rows.append((shown_keys(b), b.description))
        i += 1
    rows.append(
        ("click", "Jump to the step that computes a cell (forward) or propagates its gradient")
    )
    rows.append(("ctrl+p", "Command palette: every action, and opening scenarios"))
    return rows
