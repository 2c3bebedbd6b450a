"""The weight view (``v``): everything the selected weight took part in during the iteration.

Every input cell it multiplied (one per output position for a conv weight: shared weights),
the output gradient each position paired with, and the running sum that makes its ``dW``.
"""

import numpy as np

from stepcnn.present.grid import Panel, make_grid
from stepcnn.present.numformat import choose, shared
from stepcnn.present.views import View, ViewContent
from stepcnn.present.weight_story import WeightStory, weight_story
from stepcnn.session.session import Session
from stepcnn.timeline.numbering import shown
from stepcnn.timeline.numbers import num, paren

NOTHING = "weight view: click a weight (a filter or W cell) first"
MOST_ROWS = 2000


def _table(
    story: WeightStory, precision: int
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """One row per use of the weight; each column of numbers in one format (x·g and the
    running dW share theirs, so each row reads running before + x·g = running after)."""
    columns = ("step", "position", "input cell", "x", "g (dL/dout)", "x·g", "running dW")
    shown_rows = story.contributions[:MOST_ROWS]
    x = np.array([c.x for c in shown_rows])
    g = np.array([c.g for c in shown_rows])
    terms = np.array([c.product for c in shown_rows])
    running = np.array([c.running for c in shown_rows])
    fx, fg, fsum = choose(x, precision), choose(g, precision), shared([terms, running], precision)
    rows = tuple(
        (
            str(shown(c.step)),  # numbered as the status bar numbers steps
            str(list(c.position)),
            "padding" if c.input_cell is None else str(list(c.input_cell)),
            fx.text(c.x),
            fg.text(c.g),
            fsum.text(c.product),
            fsum.text(c.running),
        )
        for c in shown_rows
    )
    return columns, rows


def build(session: Session) -> ViewContent | str:
    selected = session.selected
    if (
        selected is None
        or selected[0].layer is None
        or selected[0].name not in ("weight", "grad_weight")
    ):
        return NOTHING
    story = weight_story(session.timeline, session.step.iteration, selected[0].layer, selected[1])
    if story is None:
        return NOTHING
    s = story
    end = s.contributions[-1].running if s.contributions else 0.0
    update = (
        f"{num(s.weight)} − {num(s.learning_rate)}·{paren(s.grad)} = {num(s.weight_after)}"
        if s.plain_sgd
        else f"{num(s.weight)} → {num(s.weight_after)} (SGD with momentum / weight "
        "decay: the update step shows v)"
    )
    products = np.array([c.product for c in s.contributions])
    panels = (
        Panel(
            "terms",
            "x·g, one term per use of the weight (their sum is dW)",
            (
                make_grid(
                    "x·g",
                    products.reshape(1, -1) if products.size else np.zeros((1, 1)),
                    precision=session.precision,
                ),
            ),
        ),
    )
    return ViewContent(
        s.title,
        panels,
        notes=(
            f"forward: w = {num(s.weight)} multiplied each input cell below; "
            "backward: each term x·g is added into dW",
            f"dW = Σ x·g = {num(end)}  (engine: {num(s.grad)});  update: {update}",
        ),
        table=_table(s, session.precision),
        data=s,
    )


VIEW = View("weights", "v", "weight view (selected weight)", build, inline=False)
