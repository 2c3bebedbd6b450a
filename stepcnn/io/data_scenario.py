"""``stepcnn new NAME --images … | --csv … | --npy …``: a scenario whose samples are yours.

The network is the template's (conv2d → relu → flatten → linear), sized to the samples. The
first seed and learning rate with which it teaches — the filters get a non-zero gradient in
iteration 0 and the loss falls — are written, so a first own scenario is never a dead one. The
numbers go into the TOML: the scenario stays pure data. The file appears whole or not at all.
"""

import json
import math
from pathlib import Path

import numpy as np

from stepcnn.engine.types import Array
from stepcnn.io.files import WriteRefused, refusal, write_file
from stepcnn.io.pictures import InputError, Samples
from stepcnn.scenario import ScenarioError
from stepcnn.scenario.limits import MAX_FILE_BYTES
from stepcnn.timeline.load import parse_scenario
from stepcnn.timeline.training import TrainingRun

FILTERS = 2
BATCH = 16
EPOCHS = 3
CHOICES = [(lr, seed) for lr in (0.05, 0.02, 0.1, 0.01) for seed in range(5)]
"""(learning rate, seed) pairs tried in order until the scenario teaches."""


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _matrix(channel: Array, indent: str) -> str:
    rows = (f"{indent}  [{', '.join(_number(v) for v in row)}]," for row in channel)
    return "[\n" + "\n".join(rows) + f"\n{indent}]"


def scenario_text(title: str, samples: Samples, learning_rate: float, seed: int) -> str:
    n, channels, height, width = samples.inputs.shape
    classes = max(2, max(samples.labels) + 1)
    batch = min(n, BATCH)
    iterations = EPOCHS * math.ceil(n / batch)
    kernel = min(3, height, width)
    head = f"""# Made by stepcnn new: {samples.origin}. Check it with:  stepcnn check FILE
title = {json.dumps(title, ensure_ascii=False)}
description = {json.dumps(f"Your own samples: {samples.origin}.", ensure_ascii=False)}
seed = {seed}                 # chosen so that the filters get a gradient and the loss falls
learning_rate = {learning_rate}
loss = "cross_entropy"
batch_size = {batch}
iterations = {iterations}
"""
    parts = [head]
    for sample, label in zip(samples.inputs, samples.labels, strict=True):
        channel_text = ",\n".join("  " + _matrix(c, "  ") for c in sample)
        parts.append(
            f"\n[[samples]]\ninput = [   # {channels}×{height}×{width}\n{channel_text},\n]"
        )
        parts.append(f"label = {label}\n")
    parts.append(
        f"""
[[layers]]
type = "conv2d"
out_channels = {FILTERS}
kernel_size = {kernel}

[[layers]]
type = "relu"

[[layers]]
type = "flatten"

[[layers]]
type = "linear"
out_features = {classes}
"""
    )
    return "\n".join(parts)


def teaches(text: str) -> bool:
    """Iteration 0 gives the first layer's filters a non-zero gradient, and the mean loss of
    the last epoch is below the first epoch's."""
    scenario = parse_scenario(text)
    run = TrainingRun(scenario)
    grads = run.record(0).layers[0].grads
    if grads is None or not np.any(grads.weight):
        return False
    losses = run.losses(len(run))
    epoch = max(1, len(run) // EPOCHS)
    return bool(np.isfinite(losses).all() and losses[-epoch:].mean() < losses[:epoch].mean())


def write_data_scenario(name: str, samples: Samples, force: bool = False) -> int:
    path = Path(name if name.endswith(".toml") else name + ".toml")
    why = refusal(path, force)
    if why is not None:  # before the work of choosing a seed
        raise InputError(f"{path}: {why}")
    title = path.stem
    text = ""
    try:
        for learning_rate, seed in CHOICES:
            text = scenario_text(title, samples, learning_rate, seed)
            if len(text.encode("utf-8")) > MAX_FILE_BYTES:
                raise InputError(
                    f"{path}: would be {len(text.encode('utf-8')):,} bytes, more than the "
                    f"{MAX_FILE_BYTES:,} a scenario may be: use fewer or smaller pictures (--size)"
                )
            if teaches(text):
                break
        else:
            learning_rate, seed = CHOICES[0]
            text = scenario_text(title, samples, learning_rate, seed)
            print(f"note: {path}: no seed tried made the loss fall; try other samples or labels")
    except ScenarioError as exc:
        raise InputError(f"{path}: {exc.problems[0].path}: {exc.problems[0].message}") from None
    try:
        write_file(path, text, force)
    except WriteRefused as exc:
        raise InputError(str(exc)) from None
    print(f"wrote {path}; check it with: stepcnn check {path}")
    return 0
