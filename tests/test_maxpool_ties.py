"""A max-pool gradient routed by a tie says so: another library may route it elsewhere."""

import pytest

from stepcnn.timeline import Condition, Timeline, find
from stepcnn.timeline.load import parse_scenario
from stepcnn.timeline.training import TrainingRun

SCENARIO = """
title = "ties"
learning_rate = 0.1
loss = "mse"
[[samples]]
input = [[{a}, {b}], [0.5, 0.25]]
target = [[[1.0]]]
[[layers]]
type = "maxpool2d"
kernel_size = 2
"""


def pool_steps(a: str, b: str) -> tuple[str, str]:
    timeline = Timeline(TrainingRun(parse_scenario(SCENARIO.format(a=a, b=b))))
    forward = find(timeline, Condition(op="maxpool2d.forward"), -1)
    backward = find(timeline, Condition(op="maxpool2d.backward"), -1)
    assert forward is not None and backward is not None
    return timeline[forward].equation, timeline[backward].equation


@pytest.mark.parametrize(
    ("a", "b", "note"),
    [
        ("1.0", "1.0", "exact tie with x[0,0,0,1]"),
        ("1.0", "0.9999999999999", "near tie with x[0,0,0,1]"),
        ("0.9999999999999", "1.0", "near tie with x[0,0,0,0]"),
    ],
)
def test_a_tie_or_near_tie_is_named_at_both_steps(a: str, b: str, note: str) -> None:
    forward, backward = pool_steps(a, b)
    assert note in forward
    assert note in backward
    assert "another library" in backward


def test_a_clear_winner_has_no_tie_note() -> None:
    forward, backward = pool_steps("1.0", "0.999999")
    assert "tie" not in forward and "tie" not in backward
