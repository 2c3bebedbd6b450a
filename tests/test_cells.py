"""Cells of a matrix panel: colour tones, and one number format shared by a panel's grids."""

import numpy as np

from stepcnn.present.cells import NONFINITE_TONE, scale_of, tones
from stepcnn.present.grid import Panel, make_grid, wrapped_grid


def test_tones_are_diverging_bins_with_zero_neutral_and_nonfinite_apart() -> None:
    values = np.array([-2.0, -1.0, 0.0, 0.25, 2.0, np.nan, np.inf])
    assert scale_of(values) == 2.0
    assert tones(values, 2.0).tolist() == [-4, -2, 0, 0, 4, NONFINITE_TONE, NONFINITE_TONE]
    assert scale_of(np.array([0.0, np.nan])) == 1.0


def test_a_panel_writes_all_its_channels_in_one_format() -> None:
    # Channel 0 alone would be fixed (0.50 0.25); channel 1 has 0.001, which 2 decimals
    # would show as 0.00: the whole map goes scientific.
    a = make_grid("x[0]", np.array([[0.5, 0.25]]), precision=2)
    b = make_grid("x[1]", np.array([[0.001, -1.0]]), precision=2)
    assert a.text.tolist() == [["0.50", "0.25"]]  # a grid alone: its own format
    panel = Panel("input", "input", (a, b)).with_cell_width()
    assert [g.text.tolist() for g in panel.grids] == [
        [["5.00e-01", "2.50e-01"]],
        [["1.00e-03", "-1.00e+00"]],
    ]
    assert panel.cell_width == len("-1.00e+00") + 1


def test_cells_not_computed_yet_do_not_choose_the_format() -> None:
    values = np.array([[0.5, 1e-9], [2.0, 0.0]])  # 1e-9: a stale value, not yet known
    known = np.array([[True, False], [True, False]])
    panel = Panel("out", "out", (make_grid("out", values, precision=2, known=known),))
    grid = panel.with_cell_width().grids[0]
    assert grid.text.tolist() == [["0.50", "·"], ["2.00", "·"]]


def test_negative_zero_is_written_as_a_zero_and_a_wrapped_vector_pads_with_blanks() -> None:
    grid = wrapped_grid("db", np.array([-0.0, 1.5, -0.25]), 2, precision=1)
    panel = Panel("db", "db", (grid,)).with_cell_width()
    assert panel.grids[0].text.tolist() == [["0.0", "1.5"], ["-0.2", ""]]
    assert panel.cell_width == len("-0.2") + 1
