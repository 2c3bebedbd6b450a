"""The scenario loader: every validation rule, with the field path each problem names."""

import math
import os
import stat
import time
import tomllib
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from conftest import write_scenario

from stepcnn.scenario import ScenarioError
from stepcnn.timeline.load import load_file, load_scenario, parse_scenario

HUGE = "1" + "0" * 400  # 10**400 written out: a valid TOML integer, far beyond any float


def build(
    *,
    top: str = "",
    loss: str = "cross_entropy",
    samples: list[str] | None = None,
    layers: list[str] | None = None,
    tail: str = "",
) -> str:
    """A scenario's TOML: the top-level keys, the samples, the layers, then ``tail`` tables.

    Defaults: one 3×3 sample with label 1, and conv2d(2, 2×2) → relu → flatten → linear(3),
    i.e. 1×3×3 → 2×2×2 → 2×2×2 → 8 → 3.
    """
    if samples is None:
        samples = ["input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nlabel = 1"]
    if layers is None:
        layers = [
            'type = "conv2d"\nout_channels = 2\nkernel_size = 2',
            'type = "relu"',
            'type = "flatten"',
            'type = "linear"\nout_features = 3',
        ]
    head = f'title = "test"\nlearning_rate = 0.1\nloss = "{loss}"\n{top}\n'
    body = "".join(f"\n[[samples]]\n{s}\n" for s in samples)
    body += "".join(f"\n[[layers]]\n{layer}\n" for layer in layers)
    return head + body + "\n" + tail + "\n"


def problems(text: str) -> list[tuple[str, str]]:
    """The (field path, message) of every problem the loader reports for ``text``."""
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.toml")
    assert info.value.problems, "a ScenarioError must carry at least one problem"
    return [(p.path, p.message) for p in info.value.problems]


def only_problem(text: str) -> tuple[str, str]:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def file_problem(path: Path) -> tuple[str, str]:
    with pytest.raises(ScenarioError) as info:
        load_file(path, "f.toml")
    assert len(info.value.problems) == 1, info.value.problems
    p = info.value.problems[0]
    assert info.value.lines() == [f"f.toml: {p.message}"]  # file-level: no field path
    return p.path, p.message


# ---- a valid file, defaults --------------------------------------------------------------


def test_valid_scenario_loads_with_defaults() -> None:
    s = parse_scenario(build(), "s.toml")
    assert s.title == "test"
    assert (s.seed, s.batch_size, s.iterations, s.description, s.credit) == (0, 1, 1, "", "")
    assert s.learning_rate == 0.1 and s.loss == "cross_entropy"
    assert s.shapes == [(1, 3, 3), (2, 2, 2), (2, 2, 2), (8,), (3,)]
    # conv: 2·1·2·2 + 2 = 10; linear: 3·8 + 3 = 27.
    assert s.parameter_count == 37
    assert s.inputs.shape == (1, 1, 3, 3) and s.inputs.dtype == np.float64
    np.testing.assert_array_equal(s.y, [1])


def test_every_required_key_is_reported_at_once() -> None:
    assert problems("") == [
        ("title", "is required"),
        ("learning_rate", "is required"),
        ("loss", "is required"),
        ("samples", "is required"),
        ("layers", "is required"),
    ]


# ---- unknown keys ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "suggestion"),
    [
        (build(top="learning_rat = 0.1"), "learning_rat", "learning_rate"),
        (build(top="batchsize = 2"), "batchsize", "batch_size"),
        (
            build(samples=["input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nlable = 1\nlabel = 1"]),
            "samples[0].lable",
            "label",
        ),
        (
            build(
                layers=[
                    'type = "conv2d"\nout_channels = 2\nkernel_size = 2\nstrid = 1',
                    'type = "flatten"',
                    'type = "linear"\nout_features = 3',
                ]
            ),
            "layers[0].strid",
            "stride",
        ),
        (build(tail="[display]\nprecison = 2"), "display.precison", "precision"),
        (build(tail='[narration]\nintr = "hello"'), "narration.intr", "intro"),
        (build(tail='[narration.ops]\n"conv2d.fwd" = "x"'), "narration.ops.conv2d.fwd", None),
    ],
)
def test_unknown_key_is_reported_with_a_suggestion(
    text: str, path: str, suggestion: str | None
) -> None:
    where, message = only_problem(text)
    assert where == path
    assert message.startswith("unknown key")
    if suggestion is not None:
        assert f'did you mean "{suggestion}"?' in message
    else:
        assert "did you mean" in message


def test_unknown_key_with_nothing_close_has_no_suggestion() -> None:
    assert only_problem(build(top="zzzzzz = 1")) == ("zzzzzz", "unknown key")


def test_keys_of_a_layer_with_an_unknown_type_are_not_reported_twice() -> None:
    text = build(layers=['type = "conv"\nout_channels = 2\nkernel_size = 2'])
    where, message = only_problem(text)
    assert where == "layers[0].type"
    assert '"conv"' in message and 'did you mean "conv2d"?' in message


def test_relu_and_flatten_take_no_keys() -> None:
    text = build(
        layers=[
            'type = "relu"\nkernel_size = 2',
            'type = "flatten"',
            'type = "linear"\nout_features = 3',
        ]
    )
    assert only_problem(text) == ("layers[0].kernel_size", "unknown key")


# ---- numbers, booleans, huge integers ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (build().replace("learning_rate = 0.1", "learning_rate = true"), "learning_rate"),
        (build(top="seed = true"), "seed"),
        (build(top="batch_size = false"), "batch_size"),
        (build(top="iterations = true"), "iterations"),
        (
            build(samples=["input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nlabel = true"]),
            "samples[0].label",
        ),
        (
            build(samples=["input = [[1, 2, 3], [4, true, 6], [7, 8, 9]]\nlabel = 1"]),
            "samples[0].input[1][1]",
        ),
        (
            build(layers=['type = "conv2d"\nout_channels = true\nkernel_size = 2']),
            "layers[0].out_channels",
        ),
        (
            build(layers=['type = "conv2d"\nout_channels = 2\nkernel_size = true']),
            "layers[0].kernel_size",
        ),
        (
            build(layers=['type = "conv2d"\nout_channels = 2\nkernel_size = [2, false]']),
            "layers[0].kernel_size[1]",
        ),
        (build(tail="[display]\nprecision = true"), "display.precision"),
    ],
)
def test_booleans_are_not_numbers(text: str, path: str) -> None:
    where, message = only_problem(text)
    assert where == path
    assert message.endswith(("got true", "got false"))


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        (build().replace("learning_rate = 0.1", "learning_rate = 0"), "learning_rate", "than 0"),
        (build().replace("learning_rate = 0.1", "learning_rate = -1"), "learning_rate", "than 0"),
        (build().replace("learning_rate = 0.1", "learning_rate = nan"), "learning_rate", "finite"),
        (build().replace("learning_rate = 0.1", "learning_rate = inf"), "learning_rate", "finite"),
        (
            build().replace("learning_rate = 0.1", 'learning_rate = "0.1"'),
            "learning_rate",
            "number",
        ),
        (build(top="seed = -1"), "seed", "non-negative"),
        (build(top="seed = 1.5"), "seed", "non-negative integer"),
        (build(top="batch_size = 0"), "batch_size", "positive"),
        (build(top="iterations = 0"), "iterations", "positive"),
        (build(top="iterations = 100001"), "iterations", "100,000"),
        (build().replace('loss = "cross_entropy"', 'loss = "mae"'), "loss", 'did you mean "mse"'),
        (build().replace('title = "test"', "title = 3"), "title", "string"),
    ],
)
def test_top_level_values_are_checked(text: str, path: str, words: str) -> None:
    where, message = only_problem(text)
    assert where == path
    assert words in message


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (build().replace("learning_rate = 0.1", f"learning_rate = {HUGE}"), "learning_rate"),
        (build(top=f"iterations = {HUGE}"), "iterations"),
        (build(top=f"batch_size = {HUGE}"), "batch_size"),
        (
            build(samples=[f"input = [[1, 2, 3], [4, {HUGE}, 6], [7, 8, 9]]\nlabel = 1"]),
            "samples[0].input[1][1]",
        ),
        (
            build(samples=[f"input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nlabel = {HUGE}"]),
            "samples[0].label",
        ),
        (
            build(layers=[f'type = "conv2d"\nout_channels = {HUGE}\nkernel_size = 2']),
            "layers[0].out_channels",
        ),
        (
            build(layers=[f'type = "conv2d"\nout_channels = 1\nkernel_size = {HUGE}']),
            "layers[0].kernel_size",
        ),
        (
            build(
                layers=[
                    f'type = "conv2d"\nout_channels = 1\nkernel_size = 1\nin_channels = {HUGE}',
                    'type = "flatten"',
                    'type = "linear"\nout_features = 2',
                ]
            ),
            "layers[0].in_channels",
        ),
        (
            build(layers=['type = "flatten"', f'type = "linear"\nout_features = {HUGE}']),
            "layers[1].out_features",
        ),
        (build(tail=f"[display]\nstart_layer = {HUGE}"), "display.start_layer"),
    ],
)
def test_huge_integers_are_refused_with_a_short_message(text: str, path: str) -> None:
    where, message = only_problem(text)
    assert where == path
    assert len(message) < 200, message  # the 401 digits are not echoed back


def test_huge_seed_is_a_valid_seed() -> None:
    a = parse_scenario(build(top=f"seed = {HUGE}"), "s.toml")
    b = parse_scenario(build(top=f"seed = {HUGE}"), "s.toml")
    assert a.seed == 10**400
    np.testing.assert_array_equal(a.initial_params[0].weight, b.initial_params[0].weight)


def test_integer_too_long_for_python_is_invalid_toml_not_a_crash() -> None:
    where, message = only_problem(build(top="seed = " + "9" * 5000))
    assert where == "" and message.startswith("invalid TOML")


# ---- sample inputs -----------------------------------------------------------------------


def _with_input(value: str) -> str:
    return build(samples=[f"input = {value}\nlabel = 1"])


@pytest.mark.parametrize(
    ("value", "path", "words"),
    [
        ("[[1, 2, 3], [4, 5], [7, 8, 9]]", "samples[0].input[1]", "same length"),
        ("[[1, 2, 3], [4, 5, 6, 7], [7, 8, 9]]", "samples[0].input[1]", "same length"),
        ("[[[1, 2], [3, 4]], [[1, 2], [3]]]", "samples[0].input[1][1]", "same length"),
        ('[[1, 2, 3], [4, "5", 6], [7, 8, 9]]', "samples[0].input[1][1]", "must be a number"),
        ("[[1, 2, 3], [4, 5, 6], [7, 8, inf]]", "samples[0].input[2][2]", "finite"),
        ("[[1, 2, 3], [4, 5, 6], [7, 8, -inf]]", "samples[0].input[2][2]", "finite"),
        ("[[1, 2, 3], [4, nan, 6], [7, 8, 9]]", "samples[0].input[1][1]", "finite"),
        ("[]", "samples[0].input", "empty"),
        ("[[]]", "samples[0].input[0]", "empty"),
        ("[[[]]]", "samples[0].input[0][0]", "empty"),
        ("5", "samples[0].input", "nested list"),
        ('"pixels"', "samples[0].input", "nested list"),
        ("[1, 2, 3]", "samples[0].input", "[C][H][W] or [H][W]"),
        ("[[[[1]]]]", "samples[0].input", "[C][H][W] or [H][W]"),
        ("[[1, 2, 3], [4, [5], 6], [7, 8, 9]]", "samples[0].input[1][1]", "deeper"),
        ("[[1, 2, 3], 4, [7, 8, 9]]", "samples[0].input[1]", "like its neighbours"),
        ("[[1, 2, 3], [4, {a = 1}, 6], [7, 8, 9]]", "samples[0].input[1][1]", "number"),
    ],
)
def test_bad_inputs_name_the_element(value: str, path: str, words: str) -> None:
    where, message = only_problem(_with_input(value))
    assert where == path
    assert words in message


def test_missing_input_is_required() -> None:
    text = build(samples=["label = 1"])
    assert ("samples[0].input", "is required") in problems(text)


def test_hw_input_means_one_channel() -> None:
    flat = parse_scenario(_with_input("[[1, 2, 3], [4, 5, 6], [7, 8, 9]]"), "s.toml")
    nested = parse_scenario(_with_input("[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]"), "s.toml")
    assert flat.sample_shape == nested.sample_shape == (1, 3, 3)
    np.testing.assert_array_equal(flat.inputs, nested.inputs)
    np.testing.assert_array_equal(flat.inputs[0, 0, 1], [4, 5, 6])


def test_chw_input_keeps_its_channels() -> None:
    two = "[[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[0, 0, 0], [0, 0, 0], [0, 0, 0]]]"
    s = parse_scenario(_with_input(two), "s.toml")
    assert s.sample_shape == (2, 3, 3)
    # conv2d infers in_channels = 2: weight 2·2·2·2 + 2 = 18, linear 3·8 + 3 = 27.
    assert s.parameter_count == 45


def test_samples_must_all_have_one_shape() -> None:
    text = build(
        samples=[
            "input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nlabel = 1",
            "input = [[1, 2], [3, 4]]\nlabel = 0",
        ]
    )
    where, message = only_problem(text)
    assert where == "samples[1].input"
    assert "[1][2][2]" in message and "[1][3][3]" in message


@pytest.mark.parametrize(
    ("samples_toml", "loss", "words"),
    [
        ("samples = []", "mse", "at least one sample"),
        ("samples = []", "cross_entropy", "at least one sample"),
        ("samples = [1]", "mse", "must be a table"),
        ('samples = "x"', "mse", "[[samples]]"),
    ],
)
def test_samples_must_be_a_non_empty_array_of_tables(
    samples_toml: str, loss: str, words: str
) -> None:
    text = f'title = "t"\nlearning_rate = 0.1\nloss = "{loss}"\n{samples_toml}\n'
    text += '[[layers]]\ntype = "relu"\n'
    found = problems(text)
    assert any(path.startswith("samples") and words in msg for path, msg in found), found


# ---- labels and targets ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("3", "from 0 to 2 (the network has 3 outputs), got 3"),
        ("-1", "non-negative integer"),
        ("1.0", "non-negative integer"),
        ('"1"', "non-negative integer"),
    ],
)
def test_labels_must_be_classes_of_the_network(label: str, words: str) -> None:
    text = build(samples=[f"input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nlabel = {label}"])
    where, message = only_problem(text)
    assert where == "samples[0].label"
    assert words in message


def test_label_is_required_for_cross_entropy() -> None:
    text = build(samples=["input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]"])
    assert only_problem(text) == ("samples[0].label", "is required")


MSE_LAYERS = ['type = "conv2d"\nout_channels = 1\nkernel_size = 2']  # 1×3×3 → 1×2×2


def test_mse_target_of_the_output_shape_is_accepted_as_hw_or_chw() -> None:
    text = build(
        loss="mse",
        samples=[
            "input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\ntarget = [[1, 0], [0, 1]]",
            "input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\ntarget = [[[1, 0], [0, 2]]]",
        ],
        layers=MSE_LAYERS,
    )
    s = parse_scenario(text, "s.toml")
    assert s.y.shape == (2, 1, 2, 2)
    np.testing.assert_array_equal(s.y[1, 0], [[1, 0], [0, 2]])


@pytest.mark.parametrize(
    "target", ["[[1, 0, 0], [0, 1, 0]]", "[1, 2, 3, 4]", "[[[1, 0]], [[0, 1]]]"]
)
def test_mse_target_shape_mismatch(target: str) -> None:
    text = build(
        loss="mse",
        samples=[f"input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\ntarget = {target}"],
        layers=MSE_LAYERS,
    )
    where, message = only_problem(text)
    assert where == "samples[0].target"
    assert "[1][2][2]" in message


def test_label_with_mse_is_refused() -> None:
    text = build(
        loss="mse",
        samples=["input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\ntarget = [[1, 0], [0, 1]]\nlabel = 0"],
        layers=MSE_LAYERS,
    )
    where, message = only_problem(text)
    assert where == "samples[0].label"
    assert "cross_entropy" in message


def test_target_with_cross_entropy_is_refused() -> None:
    text = build(
        samples=["input = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nlabel = 0\ntarget = [0, 1, 0]"]
    )
    where, message = only_problem(text)
    assert where == "samples[0].target"
    assert "mse" in message


def test_a_wrong_loss_is_the_only_problem_reported() -> None:
    # With no valid loss, a sample's label or target cannot be judged: no "unknown key" noise.
    assert [p for p, _ in problems(build().replace('loss = "cross_entropy"', 'loss = "l1"'))] == [
        "loss"
    ]
    assert problems(build().replace('loss = "cross_entropy"\n', "")) == [("loss", "is required")]


def test_cross_entropy_needs_a_vector_output() -> None:
    text = build(layers=MSE_LAYERS)
    where, message = only_problem(text)
    assert where == "loss"
    assert "1×2×2" in message and "flatten" in message


# ---- layers ------------------------------------------------------------------------------


def test_conv_kernel_that_does_not_fit() -> None:
    text = build(
        layers=['type = "conv2d"\nout_channels = 1\nkernel_size = [4, 1]', 'type = "flatten"']
    )
    where, message = only_problem(text)
    assert where == "layers[0].kernel_size"
    assert "4×1" in message and "3×3" in message


def test_conv_kernel_fits_thanks_to_padding() -> None:
    text = build(
        layers=[
            'type = "conv2d"\nout_channels = 1\nkernel_size = [4, 2]\n'
            "padding = [1, 0]\nstride = [2, 1]",
            'type = "flatten"',
        ]
    )
    # H: (3 + 2 − 4)/2 + 1 = 1;  W: (3 − 2)/1 + 1 = 2.
    assert parse_scenario(text, "s.toml").shapes[1] == (1, 1, 2)


def test_maxpool_window_that_does_not_fit() -> None:
    text = build(
        layers=[
            'type = "conv2d"\nout_channels = 1\nkernel_size = 2',
            'type = "maxpool2d"\nkernel_size = 3',
            'type = "flatten"',
        ]
    )
    where, message = only_problem(text)
    assert where == "layers[1].kernel_size"
    assert "3×3" in message and "2×2" in message


def test_maxpool_stride_defaults_to_its_kernel_and_floors() -> None:
    five = "[" + ", ".join(["[1, 2, 3, 4, 5]"] * 5) + "]"
    text = build(
        samples=[f"input = {five}\nlabel = 0"],
        layers=['type = "maxpool2d"\nkernel_size = 2', 'type = "flatten"'],
    )
    # 5×5 with 2×2 windows every 2: floor((5 − 2)/2) + 1 = 2.
    assert parse_scenario(text, "s.toml").shapes[1] == (1, 2, 2)


def test_maxpool_without_kernel_reports_only_the_kernel() -> None:
    text = build(layers=['type = "maxpool2d"', 'type = "flatten"'])
    assert only_problem(text) == ("layers[0].kernel_size", "is required")
    text = build(layers=['type = "maxpool2d"\nkernel_size = 0', 'type = "flatten"'])
    assert only_problem(text)[0] == "layers[0].kernel_size"


@pytest.mark.parametrize(
    ("kernel", "words"),
    [
        ("0", "positive"),
        ("[1, 2, 3]", "list of two"),
        ('"2"', "positive"),
        ("2000000", "1,000,000"),
    ],
)
def test_kernel_size_values(kernel: str, words: str) -> None:
    text = build(layers=[f'type = "conv2d"\nout_channels = 1\nkernel_size = {kernel}'])
    where, message = only_problem(text)
    assert where == "layers[0].kernel_size"
    assert words in message


def test_negative_padding_and_zero_stride() -> None:
    text = build(
        layers=[
            'type = "conv2d"\nout_channels = 1\nkernel_size = 2\npadding = -1\nstride = 0',
            'type = "flatten"',
        ]
    )
    assert sorted(p for p, _ in problems(text)) == ["layers[0].padding", "layers[0].stride"]


def test_linear_without_flatten() -> None:
    text = build(layers=['type = "linear"\nout_features = 3'])
    where, message = only_problem(text)
    assert where == "layers[0].type"
    assert "flatten" in message and "1×3×3" in message


@pytest.mark.parametrize(
    "kind",
    ['type = "conv2d"\nout_channels = 1\nkernel_size = 1', 'type = "maxpool2d"\nkernel_size = 1'],
)
def test_map_layer_after_flatten(kind: str) -> None:
    text = build(layers=['type = "flatten"', kind, 'type = "linear"\nout_features = 3'])
    where, message = only_problem(text)
    assert where == "layers[1].type"
    assert "flat vector of 9" in message


def test_in_channels_and_in_features_must_match_when_given() -> None:
    text = build(
        layers=[
            'type = "conv2d"\nout_channels = 2\nkernel_size = 2\nin_channels = 3',
            'type = "flatten"',
        ]
    )
    assert only_problem(text)[0] == "layers[0].in_channels"
    text = build(layers=['type = "flatten"', 'type = "linear"\nout_features = 3\nin_features = 8'])
    where, message = only_problem(text)
    assert where == "layers[1].in_features" and "9 features" in message
    ok = build(layers=['type = "flatten"', 'type = "linear"\nout_features = 3\nin_features = 9'])
    assert parse_scenario(ok, "s.toml").shapes[-1] == (3,)


@pytest.mark.parametrize(
    ("layer", "path", "expected"),
    [
        (
            'type = "conv2d"\nout_channels = 2\nkernel_size = 2\nweight = [[[[1, 2], [3, 4]]]]',
            "layers[0].weight",
            "[2][1][2][2]",
        ),
        (
            'type = "conv2d"\nout_channels = 2\nkernel_size = 2\nbias = [1, 2, 3]',
            "layers[0].bias",
            "[2]",
        ),
        (
            'type = "conv2d"\nout_channels = 2\nkernel_size = 2\nweight = [[[1, 2], [3, 4]]]',
            "layers[0].weight",
            "[2][1][2][2]",
        ),
    ],
)
def test_given_conv_parameters_of_the_wrong_shape(layer: str, path: str, expected: str) -> None:
    text = build(layers=[layer, 'type = "flatten"'])
    where, message = only_problem(text)
    assert where == path
    assert f"must have shape {expected}" in message


def test_given_linear_weight_of_the_wrong_shape() -> None:
    # 9 inputs, 3 outputs: the weight is [out][in] = [3][9], not [9][3].
    weight = "[" + ", ".join(["[1, 2, 3]"] * 9) + "]"
    text = build(
        layers=['type = "flatten"', f'type = "linear"\nout_features = 3\nweight = {weight}']
    )
    where, message = only_problem(text)
    assert where == "layers[1].weight"
    assert "[3][9]" in message and "got [9][3]" in message


def test_given_parameters_with_bad_numbers_name_the_element() -> None:
    text = build(
        layers=[
            'type = "conv2d"\nout_channels = 1\nkernel_size = 2\nweight = [[[[1, 2], [3, nan]]]]',
            'type = "flatten"',
        ]
    )
    assert only_problem(text)[0] == "layers[0].weight[0][0][1][1]"


def test_empty_layer_list() -> None:
    text = build(layers=[]).replace("loss =", "layers = []\nloss =")
    assert only_problem(text) == ("layers", "must list at least one layer")


# ---- absurd sizes, refused before anything is allocated ------------------------------------


def _refused_quickly(text: str) -> list[tuple[str, str]]:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        found = problems(text)
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    assert peak < 20 * 2**20, f"allocated {peak / 2**20:.1f} MiB"
    return found


def test_billion_output_channels_is_refused_fast() -> None:
    text = build(layers=['type = "conv2d"\nout_channels = 1000000000\nkernel_size = 1'])
    (where, message), *_ = _refused_quickly(text)
    assert where == "layers[0].out_channels" and "10,000,000" in message


def test_billion_output_features_is_refused_fast() -> None:
    text = build(layers=['type = "flatten"', 'type = "linear"\nout_features = 1000000000'])
    (where, message), *_ = _refused_quickly(text)
    assert where == "layers[1].out_features" and "10,000,000" in message


def test_more_than_ten_million_parameters_is_refused_fast() -> None:
    # Three 1×1 convolutions of 2500 channels: 2,500 + 6,250,000 + 6,250,000 weights > 10M,
    # each layer's weight alone under the limit.
    conv = 'type = "conv2d"\nout_channels = 2500\nkernel_size = 1'
    head = ['type = "flatten"', 'type = "linear"\nout_features = 3']
    text = build(samples=["input = [[1]]\nlabel = 0"], layers=[conv, conv, conv, *head])
    found = _refused_quickly(text)
    assert any(p == "layers" and "10,000,000" in m for p, m in found), found


def test_more_than_ten_million_numbers_in_a_tensor_is_refused_fast() -> None:
    # A batch of 10,000 through 200 maps of 3×3: 18,000,000 numbers in layer 0's output.
    text = build(
        top="batch_size = 10000",
        layers=[
            'type = "conv2d"\nout_channels = 200\nkernel_size = 1',
            'type = "flatten"',
            'type = "linear"\nout_features = 3',
        ],
    )
    found = _refused_quickly(text)
    assert any(p == "layers[0]" and "18,000,000" in m for p, m in found), found


def test_padding_that_makes_a_huge_map_is_refused_fast() -> None:
    text = build(
        loss="mse",
        samples=["input = [[1]]\ntarget = [[1]]"],
        layers=['type = "conv2d"\nout_channels = 1\nkernel_size = 1\npadding = 1000000'],
    )
    found = _refused_quickly(text)
    assert found and all(len(m) < 300 for _, m in found)


def test_memory_is_limited_per_iteration_not_per_run() -> None:
    layers = [
        'type = "conv2d"\nout_channels = 64\nkernel_size = 1',
        'type = "flatten"',
        'type = "linear"\nout_features = 3',
    ]
    # Once refused as ~100 GiB of history: a long run's memory no longer grows with its length.
    long_run = build(top="iterations = 100000\nbatch_size = 50", layers=layers)
    assert parse_scenario(long_run, "s.toml").iterations == 100000
    # (One iteration over the limit: test_hostile.py, naming batch_size.)


# ---- nesting, TOML, files ----------------------------------------------------------------


def test_lists_nested_deeper_than_the_limit() -> None:
    deep = "[" * 9 + "1" + "]" * 9
    where, message = only_problem(_with_input(deep))
    assert where == "samples[0].input" and "nested more than 8" in message


def test_absurdly_deep_nesting_names_the_line_and_the_limit_not_a_crash() -> None:
    deep = "[" * 100_000 + "1" + "]" * 100_000
    text = _with_input(deep)
    started = time.perf_counter()
    where, message = only_problem(text)
    assert time.perf_counter() - started < 2.0
    line = text[: text.index("[" * 101)].count("\n") + 1
    assert where == "" and message == (
        f"line {line}: lists and inline tables nested more than 100 deep; the limit is 100 "
        "(a tensor's lists nest at most 8)"
    )


@pytest.mark.parametrize("text", ["title = ", "title = 'a'\ntitle = 'b'", "[[layers]\n", "= 1"])
def test_invalid_toml(text: str) -> None:
    where, message = only_problem(text)
    assert where == "" and message.startswith("invalid TOML: ")
    assert "\n" not in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b'title = "caf\xe9"\n')
    _, message = file_problem(path)
    assert "not UTF-8" in message and "0xe9" in message


def test_missing_file(tmp_path: Path) -> None:
    assert file_problem(tmp_path / "nowhere.toml") == ("", "file not found")
    with pytest.raises(ScenarioError) as info:
        load_scenario(str(tmp_path / "nowhere.toml"))
    assert info.value.lines() == [f"{tmp_path / 'nowhere.toml'}: file not found"]


def test_directory(tmp_path: Path) -> None:
    assert "is a directory" in file_problem(tmp_path)[1]


def test_read_refused_by_the_system_is_one_line(tmp_path: Path, monkeypatch) -> None:
    # Whatever the user (root reads mode-000 files), an EACCES from the OS is one problem.
    path = write_scenario(tmp_path, build())
    real_open = Path.open

    def refuse(self: Path, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    monkeypatch.setattr(Path, "read_bytes", lambda self: refuse(self, "rb").read())
    assert file_problem(path) == ("", "cannot be read: permission denied")


def test_file_larger_than_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    with path.open("wb") as f:
        f.truncate(17 * 2**20)  # sparse: costs nothing on disk
    started = time.perf_counter()
    assert "at most 16 MiB" in file_problem(path)[1]
    assert time.perf_counter() - started < 1.0


@pytest.mark.skipif(
    not (os.path.exists("/dev/zero") and stat.S_ISCHR(os.stat("/dev/zero").st_mode)),
    reason="no /dev/zero character device here",
)
def test_endless_device_is_not_read_forever() -> None:
    started = time.perf_counter()
    assert "16 MiB" in file_problem(Path("/dev/zero"))[1]
    assert time.perf_counter() - started < 2.0


def test_unknown_builtin_name_suggests_one() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario("tuor")
    (line,) = info.value.lines()
    assert line.startswith("tuor: ") and 'did you mean "tour"?' in line


def test_builtin_tour_loads_by_name() -> None:
    s = load_scenario("tour")
    assert s.name == "tour" and s.source == "tour.toml"
    assert s.path is not None and s.path.name == "tour.toml"
    assert s.title == tomllib.loads(s.path.read_text(encoding="utf-8"))["title"]


def test_many_problems_are_reported_together(tmp_path: Path) -> None:
    text = build(
        top="seed = -3\nbatch_sise = 1",
        samples=["input = [[1, 2, 3], [4, 5, 6], [7, 8, inf]]\nlabel = 1"],
        layers=['type = "conv2d"\nout_channels = 2\nkernel_size = 0', 'type = "relu"'],
        tail='[display]\nstart_phase = "sideways"\n[narration]\nintro = "{nope}"',
    )
    path = write_scenario(tmp_path, text, "edge.toml")
    with pytest.raises(ScenarioError) as info:
        load_file(path, "edge.toml")
    paths = [p.path for p in info.value.problems]
    for expected in (
        "seed",
        "batch_sise",
        "samples[0].input[2][2]",
        "layers[0].kernel_size",
        "display.start_phase",
        "narration.intro",
    ):
        assert expected in paths, paths
    lines = info.value.lines()
    assert len(lines) == len(paths)
    for line, problem in zip(lines, info.value.problems, strict=True):
        assert line == f"edge.toml: {problem.path}: {problem.message}"
        assert "\n" not in line


# ---- initial parameters ------------------------------------------------------------------


def test_initialisation_is_deterministic_and_follows_the_seed() -> None:
    a = parse_scenario(build(top="seed = 5"), "s.toml").initial_params
    b = parse_scenario(build(top="seed = 5"), "s.toml").initial_params
    c = parse_scenario(build(top="seed = 6"), "s.toml").initial_params
    for i in (0, 3):
        np.testing.assert_array_equal(a[i].weight, b[i].weight)
        assert not np.array_equal(a[i].weight, c[i].weight)
        np.testing.assert_array_equal(a[i].bias, np.zeros_like(a[i].bias))
    assert a[1] is None and a[2] is None


def test_initial_weights_are_bounded_by_one_over_sqrt_fan_in() -> None:
    s = parse_scenario(build(), "s.toml")
    conv, linear = s.initial_params[0], s.initial_params[3]
    assert conv.weight.shape == (2, 1, 2, 2) and linear.weight.shape == (3, 8)
    assert np.all(np.abs(conv.weight) <= 1 / math.sqrt(1 * 2 * 2))  # fan_in = C_in·kh·kw = 4
    assert np.all(np.abs(linear.weight) <= 1 / math.sqrt(8))
    assert len(np.unique(conv.weight)) == conv.weight.size  # drawn, not constant


def test_initialisation_follows_the_documented_scheme() -> None:
    # Layer i's weight: U(−1/√fan_in, 1/√fan_in) from numpy.random.default_rng([seed, i]),
    # so a file gives the same numbers on every machine and in every version.
    s = parse_scenario(build(top="seed = 3"), "s.toml")
    for i, fan_in in ((0, 4), (3, 8)):
        weight = s.initial_params[i].weight
        bound = 1 / math.sqrt(fan_in)
        expected = np.random.default_rng([3, i]).uniform(-bound, bound, size=weight.shape)
        np.testing.assert_array_equal(weight, expected)


def test_giving_one_layers_weight_leaves_the_others_alone() -> None:
    drawn = parse_scenario(build(top="seed = 9"), "s.toml").initial_params
    given = build(
        top="seed = 9",
        layers=[
            'type = "conv2d"\nout_channels = 2\nkernel_size = 2\n'
            "weight = [[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]]]]\nbias = [0.5, -0.5]",
            'type = "relu"',
            'type = "flatten"',
            'type = "linear"\nout_features = 3',
        ],
    )
    mixed = parse_scenario(given, "s.toml").initial_params
    np.testing.assert_array_equal(mixed[0].weight[1, 0], [[5, 6], [7, 8]])
    np.testing.assert_array_equal(mixed[0].bias, [0.5, -0.5])
    np.testing.assert_array_equal(mixed[3].weight, drawn[3].weight)


# ---- narration -----------------------------------------------------------------------------


def test_narration_templates_that_are_fine() -> None:
    tail = (
        '[narration]\nintro = "Loss {loss:.3f} at step {step} of {steps}; literal {{braces}}"\n'
        '[narration.ops]\n"conv2d.forward" = "out{index} = {value:.3f}"\nrelu = "{value:+.2e}"\n'
        '[[narration.at]]\nop = "conv2d.backward"\nindex = [0, 0, 1, 1]\nsteps = [31, 61]\n'
        'phase = "backward"\nlayer = 0\niteration = 1\ntext = "{layer_type} at {index}"\n'
    )
    s = parse_scenario(build(tail=tail), "s.toml")
    assert s.narration.ops["relu"] == "{value:+.2e}"
    assert len(s.narration.rules) == 1


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("{nope}", 'unknown placeholder "{nope}"'),
        ("{valeu:.3f}", 'did you mean "value"?'),
        ("{value.__class__}", "invalid placeholder"),
        ("{value.__class__.__mro__}", "invalid placeholder"),
        ("{value[0]}", "invalid placeholder"),
        ("{0}", "invalid placeholder"),
        ("{}", "invalid placeholder"),
        ("{value!r}", "conversion"),
        ("{value:zz}", "invalid number format"),
        ("{value:{step}}", "nest"),
        ("an { alone", "not a valid template"),
    ],
)
def test_bad_narration_placeholders_are_refused_at_load(template: str, words: str) -> None:
    for tail, path in (
        (f'[narration]\nintro = "{template}"', "narration.intro"),
        (f'[narration.ops]\nrelu = "{template}"', "narration.ops.relu"),
        (f'[[narration.at]]\ntext = "{template}"', "narration.at[0].text"),
    ):
        where, message = only_problem(build(tail=tail))
        assert where == path
        assert words in message


def test_unknown_placeholder_lists_the_known_ones() -> None:
    _, message = only_problem(build(tail='[narration]\nintro = "{nope}"'))
    assert "{value}" in message and "{loss}" in message


def test_narration_rules_are_checked() -> None:
    tail = (
        '[[narration.at]]\ntext = "x"\nlayer = 4\nsteps = [3, 1]\nphase = "fwd"\n'
        'op = "conv2d.fwd"\nindex = [0, -1]\niteration = 0\n'
        '[[narration.at]]\ntext = "y"\nsteps = [0, 1]\n'
    )
    found = dict(problems(build(tail=tail)))
    assert set(found) == {
        "narration.at[0].iteration",
        "narration.at[1].steps",
        "narration.at[0].layer",
        "narration.at[0].steps",
        "narration.at[0].phase",
        "narration.at[0].op",
        "narration.at[0].index",
    }
    assert "0–3" in found["narration.at[0].layer"]
    assert "the first is 1" in found["narration.at[0].iteration"]  # counted as on the screen
    assert "from 1" in found["narration.at[1].steps"]
    assert 'did you mean "forward"?' in found["narration.at[0].phase"]


def test_narration_must_be_a_table() -> None:
    text = build().replace("loss =", "narration = 3\nloss =")
    assert only_problem(text) == ("narration", "must be a table, got 3")


# ---- display -------------------------------------------------------------------------------


def test_display_keys_are_read() -> None:
    tail = (
        '[display]\nhidden = ["source", "sparkline"]\nstart_iteration = 1\n'
        'start_phase = "backward"\nstart_layer = 3\nprecision = 4\n'
    )
    d = parse_scenario(build(top="iterations = 2", tail=tail), "s.toml").display
    assert d.hidden == ("source", "sparkline")
    assert (d.start_iteration, d.start_phase, d.start_layer, d.precision) == (1, "backward", 3, 4)


@pytest.mark.parametrize(
    ("line", "path", "words"),
    [
        ('hidden = ["sorce"]', "display.hidden", 'did you mean "source"?'),
        ('hidden = "source"', "display.hidden", "list of panel names"),
        ("start_iteration = 2", "display.start_iteration", "at most iterations (1)"),
        ("start_iteration = 0", "display.start_iteration", "the first is 1"),
        ("start_iteration = -1", "display.start_iteration", "the first is 1"),
        ('start_phase = "back"', "display.start_phase", 'did you mean "backward"?'),
        ("start_layer = 4", "display.start_layer", "0–3"),
        ("precision = 7", "display.precision", "at most 6"),
        ("precision = -1", "display.precision", "0 to 6"),
        ("zoom = 2", "display.zoom", "unknown key"),
    ],
)
def test_display_values_are_checked(line: str, path: str, words: str) -> None:
    where, message = only_problem(build(tail=f"[display]\n{line}"))
    assert where == path
    assert words in message


# ---- issue 9: errors a teacher will hit ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("avgpool", 'did you mean "avgpool2d"?'),
        ("maxpool", 'did you mean "maxpool2d"?'),
        ("fc", 'did you mean "linear"?'),
        ("dense", 'did you mean "linear"?'),
        ("ReLU", 'did you mean "relu"? (types are lower case)'),
        ("Tanh", 'did you mean "tanh"? (types are lower case)'),
        ("Sigmoid", 'did you mean "sigmoid"? (types are lower case)'),
        ("softmax", "cross_entropy already contains the softmax"),
    ],
)
def test_layer_types_a_teacher_writes_get_the_kind_they_mean(kind: str, words: str) -> None:
    layers = [
        'type = "conv2d"\nout_channels = 2\nkernel_size = 2',
        f'type = "{kind}"',
        'type = "flatten"',
        'type = "linear"\nout_features = 3',
    ]
    found = problems(build(layers=layers))
    assert found[0][0] == "layers[1].type"
    assert words in found[0][1]


def test_every_layer_kind_is_accepted_with_its_keys() -> None:
    layers = [
        'type = "conv2d"\nout_channels = 2\nkernel_size = 2\npadding = 1',
        'type = "leaky_relu"\nnegative_slope = 0.2',
        'type = "avgpool2d"\nkernel_size = 2\nstride = 1',
        'type = "tanh"',
        'type = "maxpool2d"\nkernel_size = 2',
        'type = "sigmoid"',
        'type = "relu"',
        'type = "flatten"',
        'type = "linear"\nout_features = 3',
    ]
    s = parse_scenario(build(layers=layers, top="momentum = 0.5\nweight_decay = 0.01"), "s.toml")
    assert [layer.type for layer in s.layers] == [
        "conv2d", "leaky_relu", "avgpool2d", "tanh", "maxpool2d", "sigmoid", "relu", "flatten",
        "linear",
    ]  # fmt: skip
    assert s.layers[1].negative_slope == 0.2  # type: ignore[attr-defined]
    assert s.shapes[3] == (2, 3, 3)  # 4×4 padded output, 2×2 average with stride 1
    assert (s.momentum, s.weight_decay) == (0.5, 0.01)


@pytest.mark.parametrize(
    ("top", "path", "words"),
    [
        ('optimizer = "adagrad"', "optimizer", '"sgd", "adam" or "rmsprop"'),
        ('optimizer = "adam"\nmomentum = 0.9', "momentum", "SGD’s setting, not Adam’s"),
        ("betas = [0.9, 0.99]", "betas", "Adam’s setting, not SGD’s"),
        ('optimizer = "rmsprop"\nbetas = [0.9, 0.99]', "betas", 'set optimizer = "adam"'),
        ('optimizer = "adam"\nalpha = 0.9', "alpha", "RMSprop’s setting"),
        ("eps = 1e-8", "eps", "Adam’s and RMSprop’s setting"),
        ('optimizer = "adam"\nbetas = [0.9, 1.0]', "betas[1]", "below 1"),
        ('optimizer = "adam"\nbetas = 0.9', "betas", "a list of two numbers"),
        ('optimizer = "adam"\neps = 0', "eps", "greater than 0"),
        ('optimizer = "rmsprop"\nalpha = -0.5', "alpha", "at least 0"),
        ("momentum = 1.0", "momentum", "below 1"),
        ("momentum = -0.1", "momentum", "at least 0"),
        ("weight_decay = -1", "weight_decay", "0 or more"),
    ],
)
def test_optimizer_settings_are_checked(top: str, path: str, words: str) -> None:
    where, message = only_problem(build(top=top))
    assert where == path
    assert words in message


def test_adam_and_rmsprop_take_their_fields_and_pytorchs_defaults() -> None:
    from stepcnn.engine.optim import Adam, RMSprop

    adam = parse_scenario(build(top='optimizer = "Adam"\nweight_decay = 0.01'))
    assert adam.optimizer == Adam(0.1, (0.9, 0.999), 1e-8, 0.01)
    assert (
        adam.optimizer.describe()
        == "Adam (η = 0.1, β = (0.9, 0.999), ε = 1e-08, weight decay 0.01)"
    )
    rms = parse_scenario(build(top='optimizer = "rmsprop"\nalpha = 0.9\neps = 1e-6'))
    assert rms.optimizer == RMSprop(0.1, 0.9, 1e-6, 0.0)
    assert parse_scenario(build(top='optimizer = "sgd"')).optimizer.name == "sgd"


def test_compare_names_a_second_optimizer_checked_like_the_first() -> None:
    from stepcnn.engine.optim import SGD, Adam
    from stepcnn.scenario.model import compared

    s = parse_scenario(
        build(top='optimizer = "adam"\n[compare]\noptimizer = "sgd"\nmomentum = 0.5')
    )
    assert s.compare == SGD(0.1, 0.5, 0.0)  # the learning rate defaults to the scenario's
    other = compared(s)
    assert other is not None and other.optimizer == SGD(0.1, 0.5, 0.0)
    assert other.layers == s.layers and other.initial_params == s.initial_params
    assert compared(other) is None
    bad = build(top='[compare]\noptimizer = "adam"\nmomentum = 0.5\nspeed = 2')
    found = problems(bad)
    assert (
        "compare.momentum",
        'is SGD’s setting, not Adam’s: leave it out or set optimizer = "sgd"',
    ) in found
    assert any(where == "compare.speed" and "unknown key" in m for where, m in found)
    assert parse_scenario(build()).compare is None
    assert isinstance(parse_scenario(build(top='[compare]\noptimizer = "adam"')).compare, Adam)


def test_batchnorm_with_one_value_per_channel_is_refused_in_one_line() -> None:
    layers = ['type = "conv2d"\nout_channels = 2\nkernel_size = 3', 'type = "batchnorm2d"']
    where, message = only_problem(build(layers=[*layers, 'type = "flatten"']))
    assert where == "layers[1]" and "more than one value per channel" in message


@pytest.mark.parametrize(
    ("layer", "path", "words"),
    [
        ('type = "batchnorm2d"\nnum_features = 3', "layers[0].num_features", "has 1 channel"),
        ('type = "batchnorm2d"\nmomentum = 2', "layers[0].momentum", "between 0 and 1"),
        ('type = "batchnorm2d"\nweight = [1, 2]', "layers[0].weight", "[num_features]"),
        ('type = "dropout"\np = 1.5', "layers[0].p", "between 0 and 1"),
        ('type = "adaptive_avgpool2d"', "layers[0].output_size", "is required"),
        ('type = "adaptive_avgpool2d"\noutput_size = 0', "layers[0].output_size", "positive"),
    ],
)
def test_the_new_kinds_fields_are_checked(layer: str, path: str, words: str) -> None:
    found = problems(build(layers=[layer, 'type = "flatten"']))
    assert any(where == path and words in message for where, message in found), found


def test_an_element_of_a_pair_is_named() -> None:
    layers = ['type = "conv2d"\nout_channels = 2\nkernel_size = 2\npadding = [0, -1]']
    where, message = problems(build(layers=layers))[0]
    assert (where, message) == ("layers[0].padding[1]", "must be ≥ 0, got -1")


@pytest.mark.parametrize(
    ("rule", "path", "words"),
    [
        ('op = "conv2d.forward"\nindex = [0, 5, 0, 0]', "narration.at[0].index", "outside"),
        ('op = "conv2d.forward"\nindex = [0, 0]', "narration.at[0].index", "outside"),
        ('op = "maxpool2d.forward"', "narration.at[0].op", "no step has"),
        ('layer = 2\nphase = "update"', "narration.at[0].layer", "no step has"),
        ("iteration = 7", "narration.at[0].iteration", "has 1 iteration, got 7"),
        ("iteration = 2", "narration.at[0].iteration", "has 1 iteration, got 2"),
        ('phase = "forward"\nsteps = [500, 600]', "narration.at[0].steps", "can never match"),
    ],
)
def test_a_narration_rule_that_can_never_match_is_an_error(
    rule: str, path: str, words: str
) -> None:
    where, message = only_problem(build(tail=f'[[narration.at]]\n{rule}\ntext = "t"'))
    assert where == path
    assert words in message


def test_independent_problems_of_one_file_are_reported_in_one_pass() -> None:
    layers = [
        'type = "conv2d"\nout_channels = 2\nkernel_size = 2\nstride = [1, 0]',
        'type = "relu"',
        'type = "flatten"',
        'type = "linear"\nout_features = 3',
    ]
    found = problems(build(top="momentum = 2", layers=layers, tail='[display]\nprecision = "x"'))
    paths = {p for p, _ in found}
    assert {"momentum", "layers[0].stride[1]", "display.precision"} <= paths


def test_a_wrong_linear_weight_is_reported_beside_earlier_layer_errors() -> None:
    layers = [
        'type = "conv2d"\nout_channels = 2\nkernel_size = 2\nin_channels = 3',
        'type = "Relu"',
        'type = "flatten"',
        'type = "linear"\nout_features = 3\nweight = [[1, 2], [3, 4]]',
    ]
    paths = [p for p, _ in problems(build(layers=layers))]
    assert paths == ["layers[0].in_channels", "layers[1].type", "layers[3].weight"]
