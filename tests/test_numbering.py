"""Step and iteration numbers as people count them: from 1."""

from stepcnn.timeline.numbering import counter, position, shown


def test_counters_read_as_people_count() -> None:
    assert counter("step", 16, 820) == "step 17 of 820"
    assert counter("iteration", 0, 5) == "iteration 1 of 5"
    assert counter("step", 51599, 51600) == "step 51,600 of 51,600"
    assert [shown(0), position(1)] == [1, 0]
