"""Counted nouns: "1 layer", "2 layers" — in the messages a teacher reads."""

import pytest

from stepcnn.base.wording import count, one_of
from stepcnn.scenario import ScenarioError
from stepcnn.timeline.load import parse_scenario

ONE_PIXEL = """
title = "t"
learning_rate = 0.1
loss = "cross_entropy"
[[samples]]
input = [[1.0]]
label = {label}
[[layers]]
type = "flatten"
[[layers]]
type = "linear"
out_features = {outputs}
{extra}
"""


def messages(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "s.toml")
    return [p.message for p in info.value.problems]


def test_count_and_one_of() -> None:
    assert [count(n, "layer") for n in (0, 1, 2, 12000)] == [
        "0 layers",
        "1 layer",
        "2 layers",
        "12,000 layers",
    ]
    assert count(2, "batch") == "2 batches"
    assert one_of(1, "layer") == "the only layer (0)"
    assert one_of(3, "layer") == "one of the 3 layers (0–2)"


def test_one_output_one_feature_one_layer_are_singular() -> None:
    [label] = messages(ONE_PIXEL.format(label=1, outputs=1, extra=""))
    assert "(the network has 1 output)" in label
    [features] = messages(ONE_PIXEL.format(label=0, outputs=1, extra="in_features = 2"))
    assert "the input has 1 feature " in features
    rule = '[[narration.at]]\ntext = "x"\nlayer = 5'
    [layers] = messages(ONE_PIXEL.format(label=0, outputs=2, extra=rule))
    assert "must name one of the 2 layers (0–1)" in layers
    one_layer = (
        'title = "t"\nlearning_rate = 0.1\nloss = "mse"\n'
        "[[samples]]\ninput = [[1.0]]\ntarget = [[0.0]]\n"
        '[[layers]]\ntype = "conv2d"\nout_channels = 1\nkernel_size = 1\n' + rule
    )
    [layer] = messages(one_layer)
    assert "must name the only layer (0)" in layer


def test_one_input_channel_is_singular() -> None:
    text = ONE_PIXEL.format(label=0, outputs=2, extra="").replace(
        '[[layers]]\ntype = "flatten"\n',
        '[[layers]]\ntype = "conv2d"\nout_channels = 1\nkernel_size = 1\nin_channels = 3\n'
        '[[layers]]\ntype = "flatten"\n',
    )
    [channels] = messages(text)
    assert "the input has 1 channel " in channels
