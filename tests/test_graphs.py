"""Graphs in scenarios, the timeline and the outputs: name/from, add, the fork's g₁ + g₂ steps.

Numbers are worked out by hand in scenarios/residual-gradients-add.toml's header; errors are
one line naming the field.
"""

import io
import json

import numpy as np
import pytest

from stepcnn.engine.graph import FORK_OP
from stepcnn.engine.kinds.add import (
    add_backward,
    add_backward_naive,
    add_forward,
    add_forward_naive,
)
from stepcnn.io.export import write_export
from stepcnn.io.trace import write_trace
from stepcnn.scenario.errors import ScenarioError
from stepcnn.timeline import Timeline
from stepcnn.timeline.load import load_scenario, parse_scenario
from stepcnn.timeline.step import TensorId
from stepcnn.timeline.training import TrainingRun

HEAD = """title = "t"
learning_rate = 0.1
loss = "mse"
[[samples]]
input = [[1.0, 2.0, 0.5], [3.0, -1.0, 0.0], [0.5, 0.5, 1.0]]
target = [[0.0, 1.0], [1.0, 0.0]]
"""


def problems(layers: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(HEAD + layers, "g.toml")
    return [f"{p.path}: {p.message}" for p in info.value.problems]


def test_the_residual_builtin_adds_the_gradients_worked_out_by_hand() -> None:
    timeline = Timeline(TrainingRun(load_scenario("residual-gradients-add"), 1))
    forks = [s for s in timeline.segments if s.op_name == FORK_OP]
    assert [(s.layer, s.count) for s in forks] == [(0, 4)]
    steps = [timeline[forks[0].start + q] for q in range(4)]
    assert [s.value for s in steps] == [0.75, -0.5, 0.375, -0.5]
    assert [list(s.operands["grads"]) for s in steps] == [
        [0.5, 0.25],
        [-0.5, 0.0],
        [0.25, 0.125],
        [-0.5, 0.0],
    ]
    assert steps[0].equation.startswith("dL/dout[0,0,0,0] = g₁ + g₂ = 0.5 + 0.25 = 0.75")
    assert {r.tensor for r in steps[0].reads} == {
        TensorId(3, "grad_input"),
        TensorId(1, "grad_input"),
    }
    # conv a's own backward reads the sum the fork steps wrote.
    conv_a = next(
        s
        for s in timeline.segments
        if s.phase == "backward" and s.op_name == "conv2d.backward" and s.layer == 0
    )
    step = timeline[conv_a.start]
    assert TensorId(0, "grad_output") in {r.tensor for r in step.reads}
    assert step.value == 0.75
    # The fork's sum is partial while its steps run, and whole after.
    partial = timeline.tensor_at(forks[0].start + 1, TensorId(0, "grad_output"))
    assert partial.known is not None and partial.known.ravel().tolist() == [
        True,
        True,
        False,
        False,
    ]


def test_per_layer_step_counts_of_the_layers_own_ops_are_output_sizes() -> None:
    scenario = load_scenario("residual-gradients-add")
    out = io.StringIO()
    write_trace(TrainingRun(scenario, 1), out, phase=None, fmt="jsonl")
    counts: dict[tuple[str, int, bool], int] = {}
    for line in out.getvalue().splitlines():
        row = json.loads(line)
        if row["layer"] is not None and row["phase"] != "update":
            key = (row["phase"], row["layer"], row["op"] == FORK_OP)
            counts[key] = counts.get(key, 0) + 1
    for i in range(4):
        size = int(np.prod(scenario.shapes[i + 1]))
        assert counts[("forward", i, False)] == size
        assert counts[("backward", i, False)] == size
    assert counts[("backward", 0, True)] == 4  # the fork: one step per element of a
    assert [k for k in counts if k[2]] == [("backward", 0, True)]


def test_export_names_what_each_layer_reads() -> None:
    out = io.StringIO()
    write_export(TrainingRun(load_scenario("residual-gradients-add"), 1), out)
    layers = json.loads(out.getvalue())["iterations"][0]["layers"]
    assert [(e["name"], e["from"]) for e in layers] == [
        ("a", ["input"]),
        ("b", ["a"]),
        ("f", ["b"]),
        (None, ["a", "f"]),
    ]
    assert layers[3]["inputs"] == [layers[0]["output"], layers[2]["output"]]
    assert layers[0]["grad_output"] == [[[[0.75, -0.5], [0.375, -0.5]]]]
    assert "input" not in layers[3]


def test_add_loop_form_equals_the_vectorised_one() -> None:
    rng = np.random.default_rng(3)
    xs = [rng.normal(size=(2, 3, 4, 4)) for _ in range(3)]
    assert np.array_equal(add_forward(xs)[0], add_forward_naive(xs)[0])
    assert np.array_equal(add_forward(xs)[0], (xs[0] + xs[1]) + xs[2])
    dout = rng.normal(size=(2, 3, 4, 4))
    cache = add_forward(xs)[1]
    assert np.array_equal(add_backward(dout, cache)[0], add_backward_naive(dout, cache)[0])


RES = """
[[layers]]
type = "conv2d"
name = "a"
out_channels = 2
kernel_size = 2
[[layers]]
type = "relu"
name = "r"
"""


@pytest.mark.parametrize(
    ("layers", "wanted"),
    [
        (
            RES + '[[layers]]\ntype = "add"\nfrom = ["a", "q"]\n',
            'layers[2].from[1]: no layer is named "q"',
        ),
        (
            RES + '[[layers]]\ntype = "add"\nfrom = ["a"]\n',
            "layers[2].from: add needs at least two inputs",
        ),
        (RES + '[[layers]]\ntype = "add"\n', "layers[2].from: add needs at least two inputs"),
        (
            RES + '[[layers]]\ntype = "add"\nfrom = ["a", "input"]\n',
            "layers[2].from: add needs inputs of one shape, got 2×2×2 (a) and 1×3×3 (input)",
        ),
        (
            RES + '[[layers]]\ntype = "tanh"\nfrom = ["a", "r"]\n',
            "layers[2].from: tanh reads one input, got 2",
        ),
        (
            RES.replace('name = "r"', 'name = "a"'),
            'layers[1].name: "a" is the name of layers[0] already',
        ),
        (RES.replace('name = "r"', 'name = "input"'), 'layers[1].name: may not be "input"'),
        (RES.replace('name = "r"', 'name = "2x"'), "layers[1].name: must be a name of letters"),
        (
            RES.replace('name = "a"', 'name = "a"\nfrom = ["r"]'),
            'layers[0].from[0]: makes a cycle: "a" (layers[0]) reads "r" (layers[1]), '
            '"r" (layers[1]) reads "a" (layers[0])',
        ),
        (
            RES.replace('name = "r"', 'name = "r"\nfrom = ["r"]'),
            'layers[1].from[0]: "r" (layers[1]) is this layer',
        ),
        (
            RES + '[[layers]]\ntype = "tanh"\nfrom = ["a"]\n',
            "layers[1]: its output is read by no layer",
        ),
        (
            RES.replace('name = "r"', 'form = ["a"]'),
            'layers[1].form: unknown key; did you mean "from"?',
        ),
        (
            RES.replace('name = "r"', 'from = "a"'),
            'layers[1].from: must be a list of names, e.g. from = ["a"]',
        ),
    ],
)
def test_a_wrong_graph_is_one_line_naming_the_field(layers: str, wanted: str) -> None:
    found = problems(layers)
    assert any(p.startswith(wanted) for p in found), found
    assert all("\n" not in p for p in found)


def test_a_layer_further_down_is_not_a_cycle_but_says_where_it_is() -> None:
    layers = (
        RES
        + '[[layers]]\ntype = "tanh"\nname = "t"\nfrom = ["z"]\n'
        + '[[layers]]\ntype = "relu"\nname = "z"\nfrom = ["a"]\n'
    )
    assert any(
        p.startswith('layers[2].from[0]: "z" (layers[3]) is further down') for p in problems(layers)
    )


def test_cli_check_of_a_cycle_is_one_line_exit_2(tmp_path, capsys) -> None:
    from stepcnn.cli.main import main

    path = tmp_path / "cycle.toml"
    path.write_text(HEAD + RES.replace('name = "a"', 'name = "a"\nfrom = ["r"]'), encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "layers[0].from[0]: makes a cycle" in err[0]
