"""The loss sparkline's bars, marker and scale, on hand-computed cases."""

import math

from stepcnn.present.sparkline import loss_line


def test_one_column_per_iteration_on_a_linear_scale() -> None:
    # 2 → 1.5 → 1: levels 7, 3.5 (rounds to 4: "▅"), 0.
    line = loss_line([2.0, 1.5, 1.0], 24, 1)
    assert line.bars == "█▅▁"
    assert line.current == 1
    assert not line.log


def test_a_loss_spanning_decades_gets_a_log_scale() -> None:
    # log10: 0, −1, −2, −3 → levels 7, 4.67 → 5, 2.33 → 2, 0.
    line = loss_line([1.0, 0.1, 0.01, 0.001], 24, 3)
    assert line.log
    assert line.bars == "█▆▃▁"
    assert line.current == 3
    assert loss_line([1.0, 0.5, 0.02], 24, 0).bars == "█▄▁"  # 50×: still linear
    assert not loss_line([1.0, 0.5, 0.02], 24, 0).log


def test_many_iterations_share_columns_and_the_marker_finds_its_column() -> None:
    losses = [float(100 - i) for i in range(100)]  # 100 … 1: 100×, a log scale
    line = loss_line(losses, 10, 57)
    assert len(line.bars) == 10
    assert line.current == 5  # column 5 averages iterations 50 … 59
    assert line.bars[0] == "█" and line.bars[-1] == "▁"
    assert list(line.bars) == sorted(line.bars, reverse=True)  # falls monotonically


def test_a_non_finite_loss_is_marked_not_dropped() -> None:
    line = loss_line([1.0, 3.0, math.inf, math.nan], 24, 2)
    assert line.bars == "▁█××"
    assert line.current == 2


def test_flat_and_empty() -> None:
    assert loss_line([0.5, 0.5], 24, 0).bars == "▄▄"
    assert loss_line([], 24, None).bars == ""
    assert loss_line([1.0, 2.0], 24, None).current is None
