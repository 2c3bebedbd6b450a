"""More about each key than its binding's description: the prose of the generated key table.

Keyed by the binding's action (``"step(1)"``; the two directions of one action share the first
one's row) and by ``click`` and ``ctrl+p``. ``tests/test_docs_generated.py`` fails when a row
has no note or a note names no row.
"""

KEY_NOTES: dict[str, str] = {
    "course": (
        "start [the course](../course.md) where you stopped (as `stepcnn learn` does); while it "
        "runs, the list of chapters, done or not, to open any of them"
    ),
    "course_step(1)": (
        "in the course: the chapter's next stop (at a checkpoint not yet answered, its question "
        "first; after the last stop, the chapter's end) / the stop before; in the footer only "
        "in the course"
    ),
    "step(1)": "one elementary operation forward / back",
    "page": (
        "the next page, when the step's panels do not all fit the terminal: its other panels, "
        "the next input channels, the next part of a long vector (the line below the panels "
        "says `page 1 of 12 · channel 0 of 6 · pages 7–12: …`; after the last, the first "
        "again); in the footer only then"
    ),
    "skip_zero(1)": (
        "next / previous step, skipping the backward steps whose gradient is exactly 0 (below a "
        "max-pool or a ReLU most are)"
    ),
    "move('row', 1)": "next / previous row of the map",
    "move('map', 1)": "next / previous map (channel, or sample)",
    "move('layer', 1)": "next / previous layer",
    "move('phase', 1)": "next / previous phase (forward, backward, update)",
    "move('iteration', 1)": "next / previous iteration",
    "edge(0)": "the first step of the run",
    "edge(1)": "the last step of the run",
    "goto": "go to step k, numbered as the status bar shows it (from 1)",
    "play": "play / pause",
    "speed(1)": "faster / slower playback, 1 … 1000 steps/s (`=` is `+` too)",
    "precision(1)": (
        "more / fewer decimals in every matrix, 0–6 (the status bar shows `3 dp`; the "
        "scenario's `precision` is where it starts)"
    ),
    "breakpoint": (
        "set / clear a breakpoint on the current layer and operation: `c` stops where that "
        "operation starts, in every iteration"
    ),
    "watch": "set / clear a watchpoint on the selected (clicked) cell: stop when it is written",
    "clear_breakpoints": "clear every breakpoint and watchpoint",
    "continue(1)": "run to the next breakpoint / back to the previous one",
    "nonfinite": "jump to the first step that produces a NaN or an infinity",
    "view('gradcheck')": (
        "centred finite differences for the current filter or weight row beside backprop's "
        "`dW`, every input channel (`t` turns the page when they do not all fit; on a short "
        "terminal the dialog scrolls)"
    ),
    "view('weights')": (
        "the selected weight's story: every input it multiplied, the gradient each was paired "
        "with, the running `dW` (`x·g` and the running `dW` in one number format, so each row "
        "adds up; `Home` / `End` or `g` / `G`: first / last row)"
    ),
    "cycle_view('m')": (
        "a conv2d step as the layer's fully connected matrix `M`, then as im2col, then the "
        "normal view again; the choice stays on while you step "
        "(see [the matrix views](../steps.md#a-conv-layer-is-a-fully-connected-layer))"
    ),
    "toggle_pane('source')": (
        "show / hide the engine source of the current operation: the whole function, scrolled "
        "to keep its working line (highlighted) in view; the mouse wheel scrolls it"
    ),
    "toggle_pane('narration')": "show / hide the narration",
    "pick": "open a built-in scenario (also in the command palette)",
    "about": (
        "this step's whole narration and equation (text that does not fit on the screen ends "
        "with `… (i)`), the description, the introduction, the credit"
    ),
    "reload": "reload the scenario file (`--watch` does it on every save)",
    "exercise": (
        "in the course's write-it-yourself chapter: write the exercise skeleton (`my_cnn.py`, or "
        "the file `stepcnn learn --exercise` names; never over an existing file)"
    ),
    "verify": (
        "in that chapter: grade your file as `stepcnn verify` does; the step of the first wrong "
        "value opens in the debugger, behind the report"
    ),
    "practice": (
        "predict mode: type each step's result before it is shown, scored per operation "
        "(`P` or `Esc` returns; see [Predict mode](../writing-it-yourself.md#predict-mode))"
    ),
    "help": "every binding",
    "quit": "quit",
    "click": (
        "on a map cell, jump to the step that computes it (forward) or that propagates its "
        "gradient (backward); on a weight or gradient cell, select it (`v` then tells its "
        "story, `w` watches it)"
    ),
    "ctrl+p": (
        'the command palette: every action above, "Open scenario: …", "Theme" (switch the '
        'theme live) and "Screenshot" (an SVG of the screen, saved in your Downloads folder, '
        "or the working directory when there is none)"
    ),
}
