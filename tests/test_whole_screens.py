"""Every built-in scenario is whole at 80×24 and at 160×50: nothing hidden, nothing cut.

For every scenario in ``scenarios/*.toml`` (whatever the folder holds), at each distinct
(layer, phase, op) — its first step and a step in the middle — in the normal view and, at
conv2d steps, in the two matrix views ``m`` shows (fc, im2col), every page ``t`` turns to is
read off the operation view's rendered lines. "Whole" means:

- no "hidden:" notice, and no panel said to be too big for the terminal;
- every panel of the step is placed on some page;
- every number of the cells the step reads or writes (marked READ, WINNER or WRITE) is on the
  rendered lines of some page, where its cell is, exactly as its grid formats it: right-aligned
  in its cell, never cut mid-token; and so is every number of an operand panel that marks no
  cell (a filter, ``patch ⊙ W``, a vector of products: the step's operand as a whole; in a row
  of a conv layer's ``M``, its connections, the structural zeros ``·`` being no numbers);
- when there are several pages the notice line says which page this is ("page 2 of 3").

A big map may still be a viewport: its marked cells are in sight, the rest scrolls with the
step. A grid that shows names instead of numbers (``M`` whole, every entry the weight it is) is
context, not an operand: its numbers are the row of ``M`` drawn beside it.

Expected texts are the grids' own formatting of their values; the values themselves are the
engine's (checked against it by tests/test_layout.py and tests/test_present.py).
"""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from stepcnn.present.cells import Mark
from stepcnn.present.grid import Panel
from stepcnn.session.session import NORMAL_VIEW, Session
from stepcnn.timeline import Timeline
from stepcnn.timeline.load import load_scenario
from stepcnn.tui.app import StepCNNApp
from stepcnn.tui.main_screen import MainScreen
from stepcnn.tui.operation import OperationView

SIZES = [(80, 24), (160, 50)]
SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.toml"))
MATRIX_VIEWS = ("fc", "im2col")

Cell = tuple[int, int, int, int]  # panel, grid, row, column


def steps(timeline: Timeline) -> Iterator[tuple[str, int]]:
    """The first step and a middle step of each distinct (layer, phase, op), with its kind."""
    seen = set()
    for seg in timeline.segments:
        key = (seg.layer, seg.phase, seg.op_name)
        if key in seen:
            continue
        seen.add(key)
        yield seg.kind, seg.start
        if seg.count > 2:
            yield seg.kind, seg.start + seg.count // 2


def required(panels: list[Panel]) -> set[Cell]:
    """The numbers the step is about: its marked cells, and an unmarked operand whole."""
    need = set()
    for p, panel in enumerate(panels):
        operand = all(g.focus is None for g in panel.grids)
        for g, grid in enumerate(panel.grids):
            if grid.tie_names is not None:
                continue  # names, not numbers
            hot = grid.mark >= Mark.READ
            if operand and not hot.any():
                hot = np.ones(grid.shape, dtype=bool) if grid.ties is None else grid.ties >= 0
            need |= {(p, g, int(r), int(c)) for r, c in zip(*np.nonzero(hot), strict=True)}
    return need


def read_page(view: OperationView, lines: list[str]) -> tuple[set[int], set[Cell], list[str]]:
    """The panels placed, the cells drawn right, and the cells drawn wrong on this page."""
    placed, drawn, wrong = set(), set(), []
    for one in view.placed:
        p = next(i for i, panel in enumerate(view.panels) if panel is one.panel)
        placed.add(p)
        cw = one.panel.cell_width
        for win in one.windows:
            grid = one.panel.grids[win.grid]
            if grid.tie_names is not None:
                continue
            rows, cols = slice(win.row0, win.row0 + win.rows), slice(win.col0, win.col0 + win.cols)
            texts = grid.text_block(rows, cols)
            for r in range(win.rows):
                y = one.y + 2 + win.y + r
                for c in range(win.cols):
                    x = one.x + 2 + win.x + c * cw
                    want, got = str(texts[r, c]).rjust(cw), lines[y][x : x + cw]
                    if got == want:
                        drawn.add((p, win.grid, win.row0 + r, win.col0 + c))
                    else:
                        wrong.append(
                            f"{grid.label}[{win.row0 + r},{win.col0 + c}] {got!r}≠{want!r}"
                        )
    return placed, drawn, wrong


def check_whole(screen: MainScreen, view: OperationView, where: str) -> None:
    """Every page of the step: nothing hidden, every panel placed, every number in sight."""
    screen.session.page = 0
    screen.redraw()
    pages = view.arrangement.pages if view.arrangement else 1
    placed: set[int] = set()
    drawn: set[Cell] = set()
    for page in range(pages):
        lines = [view.render_line(y).text for y in range(view.size.height)]
        text = "\n".join(lines)
        assert "hidden:" not in text and "too big" not in text, (where, text)
        if pages > 1:
            assert f"page {page + 1} of {pages}" in text, (where, text)
        on_page, right, wrong = read_page(view, lines)
        assert not wrong, (where, page, wrong[:5])
        placed |= on_page
        drawn |= right
        screen.action_page()
    assert view.arrangement is not None and view.arrangement.page == 0, where  # round again
    missing = [view.panels[p].title for p in range(len(view.panels)) if p not in placed]
    assert not missing, (where, missing)
    unseen = sorted(required(view.panels) - drawn)
    assert not unseen, (where, len(unseen), [(view.panels[c[0]].key, *c[1:]) for c in unseen[:5]])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
async def test_every_step_kind_is_whole_on_the_screen(path: Path, size: tuple[int, int]) -> None:
    session = Session(load_scenario(str(path)), iterations=1)
    app = StepCNNApp(session)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        view = screen.query_one(OperationView)
        checked = 0
        for kind, k in steps(session.timeline):
            views = (NORMAL_VIEW, *MATRIX_VIEWS) if kind == "conv2d" else (NORMAL_VIEW,)
            for name in views:
                session.view = name
                session.goto(k)
                screen.redraw()
                if name != NORMAL_VIEW:
                    assert screen.view_shown == name, (path.stem, k, name)
                check_whole(screen, view, f"{path.stem} {size} step {k + 1} {name}")
                checked += 1
        assert checked >= 4


def test_the_scenarios_folder_is_what_the_library_lists() -> None:
    from stepcnn.scenario.builtin import paths

    assert SCENARIOS and {p.name for p in SCENARIOS} == {p.name for p in paths()}
