"""Training in bounded memory: checkpoints, a small cache of records, recomputation."""

import numpy as np
import pytest

from stepcnn.engine.network import IterationRecord
from stepcnn.scenario.model import Scenario
from stepcnn.timeline import Timeline
from stepcnn.timeline.load import parse_scenario
from stepcnn.timeline.training import TrainingRun


def scenario(iterations: int = 12) -> Scenario:
    rng = np.random.default_rng(3)
    samples = "".join(
        f"[[samples]]\ninput = {np.round(rng.random((6, 6)), 3).tolist()!r}\nlabel = {s % 3}\n"
        for s in range(5)
    )
    return parse_scenario(
        'title = "long"\nseed = 2\nlearning_rate = 0.1\nmomentum = 0.9\nweight_decay = 0.01\n'
        f'loss = "cross_entropy"\nbatch_size = 2\niterations = {iterations}\n{samples}'
        '[[layers]]\ntype = "conv2d"\nout_channels = 2\nkernel_size = 3\npadding = 1\n'
        '[[layers]]\ntype = "tanh"\n[[layers]]\ntype = "avgpool2d"\nkernel_size = 2\n'
        '[[layers]]\ntype = "flatten"\n[[layers]]\ntype = "linear"\nout_features = 3\n'
    )


def arrays(record: IterationRecord) -> list[np.ndarray]:
    """Every tensor of a record, in a fixed order."""
    found = [record.x, record.y, record.grad_scores, np.array(record.loss)]
    for lr in record.layers:
        found += [lr.input, lr.output, lr.grad_output, lr.grad_input]
        for params in (lr.params, lr.grads, lr.params_after, lr.velocity, lr.velocity_after):
            if params is not None:
                found += [params.weight, params.bias]
    return found


def copied(record: IterationRecord) -> list[np.ndarray]:
    return [a.copy() for a in arrays(record)]


def test_recomputed_records_are_bit_identical_to_the_first_computation() -> None:
    run = TrainingRun(scenario(), checkpoint_every=4, cached_records=2)
    first = [copied(run.record(i)) for i in range(len(run))]
    assert len(run._records) == 2  # only the two most recent are kept
    for i in (5, 0, 11, 7, 3, 4, 10, 1):  # evicted: recomputed from a checkpoint
        again = arrays(run.record(i))
        assert len(again) == len(first[i])
        for a, b in zip(again, first[i], strict=True):
            np.testing.assert_array_equal(a, b)
            assert a.tobytes() == b.tobytes()  # the same bits, signs of zeros included


def test_a_bounded_run_equals_one_that_keeps_everything() -> None:
    kept = TrainingRun(scenario(), checkpoint_every=1, cached_records=100)
    bounded = TrainingRun(scenario(), checkpoint_every=5, cached_records=2)
    for i in reversed(range(len(kept))):  # backwards: each one a recomputation
        for a, b in zip(arrays(bounded.record(i)), arrays(kept.record(i)), strict=True):
            assert a.tobytes() == b.tobytes()
    np.testing.assert_array_equal(bounded.losses(), kept.losses())


def test_memory_does_not_grow_with_the_iteration_count() -> None:
    run = TrainingRun(scenario(iterations=200), checkpoint_every=16, cached_records=3)
    run.record(199)
    assert len(run._records) == 3
    assert sorted(run._checkpoints) == list(range(0, 200, 16))
    assert run.computed == 200 and run.losses().shape == (200,)


def test_the_default_checkpoint_interval_keeps_checkpoints_small() -> None:
    run = TrainingRun(scenario(iterations=100_000))
    # 2 velocity-carrying parameter sets of 2·1·3·3 + 2 + 3·18 + 3 floats: about 1 KiB a state.
    assert run.checkpoint_every >= 1
    assert len(run) / run.checkpoint_every * 2 * 77 * 8 <= 160 * 2**20


def test_every_step_of_an_evicted_iteration_is_the_same_step() -> None:
    bounded = Timeline(TrainingRun(scenario(iterations=6), checkpoint_every=2, cached_records=2))
    kept = Timeline(TrainingRun(scenario(iterations=6), checkpoint_every=1, cached_records=10))
    for k in [*range(0, len(kept), 7), len(kept) - 1]:
        a, b = bounded[k], kept[k]
        assert (a.value, a.equation) == (b.value, b.equation)


def test_out_of_range_iterations_are_refused() -> None:
    run = TrainingRun(scenario(iterations=3))
    with pytest.raises(IndexError):
        run.record(3)
