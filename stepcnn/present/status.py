"""The status bar in words and roles: iteration, phase, where, step, loss, and what is on.

Each piece is ``(text, role)``; the widget maps a role to a colour of the theme (``"bold"``,
``"plain"``, ``"dim"``, ``"key"``, ``"warn"``). :func:`status_variants` gives three forms,
widest first; the widget draws the first that fits.
"""

from stepcnn.base.wording import count
from stepcnn.present.scene import Scene, Status
from stepcnn.present.strip import Piece
from stepcnn.timeline.numbering import counter, shown


def loss_text(loss: float | None, previous: float | None, short: bool) -> str:
    """The loss once this iteration has computed it; before that (the forward phase) the
    previous iteration's, labelled so; in the first forward phase, when it will come."""
    if loss is not None:
        return f"loss {loss:.4g}"
    if previous is not None:
        return f"prev. loss {previous:.4g}" if short else f"previous loss {previous:.4g}"
    return "loss …" if short else "loss not yet known"


def _iteration(s: Status, short: bool) -> Piece:
    """``iteration 1 of 5``, or ``it 1/5``."""
    short_form = f"it {shown(s.iteration)}/{s.iterations}"
    return (short_form if short else counter("iteration", s.iteration, s.iterations), "bold")


def _step(s: Status, short: bool) -> Piece:
    """``step 17 of 820``, or ``17/820``."""
    return (f"{shown(s.k):,}/{s.total:,}" if short else counter("step", s.k, s.total), "bold")


def status_pieces(
    scene: Scene,
    short: bool,
    tight: bool = False,
    playing: int | None = None,
    precision: bool = True,
    where: bool = True,
) -> list[Piece]:
    """One form of the status bar; ``playing`` is the playback speed (steps per second) while
    playback runs, else None; ``precision``: say how many decimals the matrices show;
    ``where``: name the layer (the network strip highlights it too)."""
    s = scene.status
    sep: Piece = (" │ " if tight else "  │  ", "dim")
    pieces: list[Piece] = [
        _iteration(s, short),
        sep,
        (f"{s.phase} {scene.direction}", "bold"),
        *([sep, (s.where, "plain")] if where else []),
        sep,
        _step(s, short),
        sep,
        (loss_text(s.loss, s.previous_loss, short), "plain"),
    ]
    if precision:
        pieces += [sep, (s.precision, "plain")]
    if s.breakpoints:
        text = f"● {s.breakpoints}" if short else f"● {count(s.breakpoints, 'breakpoint')}"
        pieces += [sep, (text, "key")]
    if playing is not None:
        pieces += [sep, (f"▶ {playing}/s", "key")]
    if s.warning:
        pieces += [sep, ("⚠ NaN/inf" if short else s.warning, "warn")]
    if s.view:
        pieces += [sep, (s.view_short if short else s.view, "key")]
    if s.message:
        pieces += [sep, (s.message, "dim")]
    return pieces


def status_variants(scene: Scene, playing: int | None = None) -> list[list[Piece]]:
    """The status bar, widest first: in full, with tight separators, without the precision
    (a long message: it gives way first), abbreviated, abbreviated without the precision,
    then without the layer's name;
    with a message (what a key answers), last the counters and the message alone."""
    variants = [
        status_pieces(scene, short, tight, playing, precision, where)
        for short, tight, precision, where in (
            (False, False, True, True),
            (False, True, True, True),
            (False, True, False, True),
            (True, True, True, True),
            (True, True, False, True),  # 80 columns, a long layer name: the "3 dp" goes, whole
            (True, True, False, False),  # 60 columns: the layer's name goes, whole
        )
    ]
    s = scene.status
    if s.message:
        sep: Piece = (" │ ", "dim")
        it, step, said = _iteration(s, True), _step(s, True), (s.message, "dim")
        variants += [[it, sep, step, sep, said], [step, sep, said], [said]]
    return variants
