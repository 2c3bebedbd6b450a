"""``stepcnn new NAME``: a commented template scenario that passes ``stepcnn check``."""

import json
import sys
from pathlib import Path

from stepcnn.io.files import WriteRefused, write_file

TEMPLATE = """# A stepcnn teaching scenario. Check it with:  stepcnn check {file}
# Open it with:  stepcnn {file}
title = {name}
description = "What this scenario shows, in a sentence or two."
seed = 0                 # initialises the weights you do not give
learning_rate = 0.02
loss = "cross_entropy"   # or "mse" (then give each sample a target instead of a label)
batch_size = 1
iterations = 3          # the loss falls: 3.61, 1.39, 0.44

[[samples]]
input = [                # [H][W] is one channel; [C][H][W] for several
  [0, 1, 2, 1],
  [1, 2, 3, 2],
  [0, 1, 2, 1],
  [0, 0, 1, 0],
]
label = 1

[[layers]]
type = "conv2d"
out_channels = 1
kernel_size = 3          # or [kh, kw]
stride = 1
padding = 0
# [out][in][kh][kw]; leave out to draw from seed. This filter finds the rising edge of the
# picture: its outputs 6 and 5 pass the ReLU, so the gradient reaches the filter.
weight = [[[[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]]]
bias = [0]

[[layers]]
type = "relu"

[[layers]]
type = "flatten"

[[layers]]
type = "linear"
out_features = 2

[narration.ops]
"conv2d.forward" = "The filter reads one patch: out{{index}} = {{value:.3f}}."
"""


def write_template(name: str, force: bool = False) -> int:
    stem = Path(name).name.removesuffix(".toml")
    if not stem or stem.startswith(".") or not name.isprintable():
        print(
            f"stepcnn new: NAME must be a plain file name such as lesson, got {name!r}",
            file=sys.stderr,
        )
        return 2
    path = Path(name if name.endswith(".toml") else name + ".toml")
    # A JSON string is a valid TOML basic string: quotes and backslashes are escaped.
    title = json.dumps(path.stem, ensure_ascii=False)
    try:
        write_file(path, TEMPLATE.format(file=path, name=title), force)
    except WriteRefused as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"wrote {path}; check it with: stepcnn check {path}")
    return 0
