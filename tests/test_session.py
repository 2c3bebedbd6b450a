"""The debugger's state without a screen: messages, breakpoints, budgets, gradient checks."""

import pytest

from stepcnn.session.session import Session
from stepcnn.timeline import TensorId
from stepcnn.timeline.load import load_scenario, parse_scenario

SMALL = """
title = "small"
learning_rate = 0.1
loss = "cross_entropy"
iterations = 2
[[samples]]
input = [[1, 2, 0], [0, 1, 2], [2, 0, 1]]
label = 1
[[layers]]
type = "conv2d"
out_channels = 2
kernel_size = 2
[[layers]]
type = "flatten"
[[layers]]
type = "linear"
out_features = 2
"""


def test_a_message_lasts_until_the_position_changes() -> None:
    session = Session(parse_scenario(SMALL))
    session.toggle_watch()  # nothing selected
    assert "click a cell first" in session.message
    session.step_by(1)
    assert session.message == ""
    session.toggle_breakpoint()
    assert session.continue_(1)
    assert session.message.startswith("stopped at breakpoint")  # set after the move


def test_a_layer_and_op_breakpoint_stops_where_the_operation_starts() -> None:
    session = Session(parse_scenario(SMALL))
    session.goto(3)  # inside conv2d.forward (8 steps in all)
    session.toggle_breakpoint()
    assert session.continue_(1)
    assert session.k == session.timeline.per_iteration  # the next iteration's first conv step
    assert session.continue_(-1)
    assert session.k == 0


def test_a_long_iterations_override_is_accepted_memory_being_per_iteration() -> None:
    # Training keeps checkpoints and a few recent iterations (issue 14): 100,000 iterations
    # of digits hold no more tensors than 10, so the override is no longer refused.
    digits = load_scenario("digits")
    session = Session(digits, iterations=100_000)
    assert session.total == session.timeline.per_iteration * 100_000
    assert len(session.run) == 100_000


def test_gradient_check_rows_and_verdict() -> None:
    session = Session(parse_scenario(SMALL))
    session.goto(0)
    check = session.gradient_check()
    assert check is not None and check.agrees
    rows = check.rows()
    assert len(rows) == check.analytic.size == 4  # filter 0: 1×2×2
    for cell, analytic, numeric, difference in rows:
        assert analytic == check.analytic[cell] and numeric == check.numeric[cell]
        assert difference == pytest.approx(analytic - numeric, abs=1e-15)


def test_clicking_a_parameter_selects_it_without_moving() -> None:
    session = Session(parse_scenario(SMALL))
    session.goto(5)
    assert not session.jump_to_cell(TensorId(0, "weight"), (1, 0, 0, 1))
    assert session.k == 5 and session.selected == (TensorId(0, "weight"), (1, 0, 0, 1))


def test_the_precision_starts_at_the_file_stays_in_range_and_survives_a_reload() -> None:
    session = Session(parse_scenario(SMALL + "[display]\nprecision = 3\n"))
    assert session.precision == 3
    session.change_precision(1)
    session.change_precision(1)
    assert session.precision == 5
    # a reload of the same file keeps the person's choice; a new precision in the file wins
    session.open(parse_scenario(SMALL + "[display]\nprecision = 3\n"), keep_position=True)
    assert session.precision == 5
    session.open(parse_scenario(SMALL + "[display]\nprecision = 1\n"), keep_position=True)
    assert session.precision == 1
    for _ in range(3):
        session.change_precision(-1)
    assert session.precision == 0 and "stays at 0" in session.message
    session.open(parse_scenario(SMALL))  # another scenario: its own (the default, 2)
    assert session.precision == 2


def test_a_selected_cell_is_named_as_the_screen_names_it() -> None:
    """The status bar said "selected weight[0, 0, 1, 2]" for the cell the filter panel labels
    W[0,0]: parameters by their symbols, indices as everywhere else."""
    session = Session(load_scenario("tour"))
    for tid, cell, name in (
        (TensorId(0, "weight"), (0, 0, 1, 2), "W[0,0,1,2]"),
        (TensorId(4, "grad_weight"), (1, 3), "dW[1,3]"),
        (TensorId(4, "bias"), (0,), "b[0]"),
    ):
        session.jump_to_cell(tid, cell)
        assert session.message.startswith(f"selected {name}"), session.message


def test_the_gradient_check_from_the_layers_input_equals_the_whole_forward_pass() -> None:
    """The fast path (nudged losses from the checked layer's own input) gives the losses of
    a forward pass over the whole network, bit for bit; a second check of the same slice is
    the kept one."""
    import numpy as np

    from stepcnn.engine.gradcheck import numeric_gradient
    from stepcnn.session.gradcheck import GRADCHECK_EPS
    from stepcnn.timeline import Condition, find

    session = Session(load_scenario("two-conv"))
    k = find(session.timeline, Condition(op="conv2d.backward", layer=2), 0)
    assert k is not None
    session.goto(k)
    check = session.gradient_check()
    assert check is not None
    record = session.run.record(session.step.iteration)
    o = session.step.index[1]
    whole = numeric_gradient(
        session.scenario.layers,
        tuple(r.params for r in record.layers),
        record.x,
        record.y,
        session.scenario.loss,
        2,
        "weight",
        (o,),
        GRADCHECK_EPS,
    )
    np.testing.assert_array_equal(check.numeric, whole)
    assert session.gradient_check() is check


WEIGHTS_BEFORE_DROPOUT = """
title = "weights before dropout"
seed = 3
learning_rate = 0.1
loss = "cross_entropy"
batch_size = 1
iterations = 2
[[samples]]
input = [[[0, 1, 1, 0], [1, 0, 0, 1], [1, 0, 0, 1], [0, 1, 1, 0]]]
label = 1
[[layers]]
type = "conv2d"
out_channels = 2
kernel_size = 3
[[layers]]
type = "dropout"
p = 0.5
[[layers]]
type = "flatten"
[[layers]]
type = "linear"
out_features = 2
"""


@pytest.mark.parametrize(
    "name", ["residual-gradients-add", "dropout", "batchnorm", "weights-before-dropout"]
)
def test_the_gradient_check_agrees_on_graphs_dropout_and_batchnorm(name: str) -> None:
    """Every layer with weights, checked at its first backward step: the nudged forward
    passes follow the graph (a fork's second reader) and draw the iteration's own dropout
    mask, so the numeric dW equals the engine's (a chain pass or a fresh mask gives another
    loss: the relative error was 2.0 on the residual block, 1.0 behind dropout)."""
    from stepcnn.timeline import Condition, find

    scenario = (
        parse_scenario(WEIGHTS_BEFORE_DROPOUT)
        if name == "weights-before-dropout"
        else load_scenario(name)
    )
    session = Session(scenario)
    layers = [i for i, layer in enumerate(session.scenario.layers) if layer.param_shapes()]
    assert layers
    for i in layers:
        k = find(session.timeline, Condition(phase="backward", layer=i), 0)
        assert k is not None
        session.goto(k)
        check = session.gradient_check()
        assert check is not None and check.agrees, (i, check and check.relative_error)
