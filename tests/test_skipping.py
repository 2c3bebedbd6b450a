"""Skipping zero-gradient backward steps, checked against a scan of every step."""

import pytest

from stepcnn.timeline import Timeline
from stepcnn.timeline.load import load_scenario
from stepcnn.timeline.skipping import skip_zero_gradients
from stepcnn.timeline.training import TrainingRun


def scan(tl: Timeline, k: int, direction: int) -> int | None:
    """The first step after (before) k that does not propagate a gradient of exactly 0."""
    j = k + direction
    while 0 <= j < len(tl):
        step = tl[j]
        if not (step.phase == "backward" and step.value is not None and step.value == 0.0):
            return j
        j += direction
    return None


@pytest.mark.parametrize("name", ["tour", "dead-relu", "maxpool-routing"])
def test_skipping_equals_a_scan_of_every_step(name: str) -> None:
    tl = Timeline(TrainingRun(load_scenario(name), 2))
    zero = [k for k in range(len(tl)) if tl[k].phase == "backward" and tl[k].value == 0.0]
    assert len(zero) > 10  # the scenario has zero gradients to skip
    for k in range(0, len(tl), 3):
        for direction in (1, -1):
            assert skip_zero_gradients(tl, k, direction) == scan(tl, k, direction), (k, direction)


def test_a_nan_gradient_is_not_skipped() -> None:
    tl = Timeline(TrainingRun(load_scenario("diverging")))
    nan = [k for k in range(len(tl)) if tl[k].phase == "backward" and tl[k].value != tl[k].value]
    assert nan
    assert skip_zero_gradients(tl, nan[0] - 1, 1) == nan[0]
