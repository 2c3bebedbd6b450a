"""What each scenario field means: the prose of the generated field reference.

Keyed by the field's path as the reference shows it: ``title`` at the top, ``samples[].input``,
``layers[].type`` (every kind), ``layers[conv2d].weight`` (one kind; a kind's field without a
note of its own takes ``layers[].<key>``), ``narration.at[].steps``, ``display.precision``.
Type, default and limits come from the loader's own reads; a note gives them only where the
loader reads a raw value and checks it itself (``type``, ``default``, ``limits``).
``tests/test_docs_generated.py`` fails when a field the loader reads has no note, or a note
names no field.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    meaning: str
    type: str | None = None  # for a raw read: what the loader accepts
    default: str | None = None  # when the getter's default is not the whole story
    limits: str | None = None  # checks the loader makes itself, after the getter


NESTED = "nested list of finite numbers"

NOTES: dict[str, Note] = {
    # The top level
    "title": Note("shown in the title bar and by `stepcnn list`"),
    "description": Note("shown by `i` (about)"),
    "credit": Note("the source of the data; shown by `i` and by `stepcnn check`"),
    "seed": Note(
        "initialises the parameters the file does not give "
        "(see [Initial weights](../scenarios.md#initial-weights))"
    ),
    "learning_rate": Note("SGD's step size η"),
    "momentum": Note(
        "SGD momentum μ, exactly `torch.optim.SGD`'s (dampening 0, no Nesterov): "
        "`v ← μ·v + g` (`v = g` at the first iteration), `W ← W − η·v`",
        limits="0 ≤ μ < 1",
    ),
    "weight_decay": Note(
        "L2 weight decay λ, as `torch.optim.SGD`: `g = dW + λ·W` (biases too)", limits="≥ 0"
    ),
    "optimizer": Note(
        "the optimizer; anything else is refused with a pointer to `momentum` and `weight_decay`",
        type='`"sgd"`',
        default='`"sgd"`',
    ),
    "loss": Note(
        "`cross_entropy`: softmax and the negative log-likelihood of an integer label, mean over "
        "the batch; `mse`: the mean of the squared errors over all elements"
    ),
    "batch_size": Note(
        "iteration `i` (from 0) trains on samples `(i·batch_size + j) mod S`, `j < batch_size`"
    ),
    "iterations": Note("training iterations (`--iterations N` overrides it)"),
    "samples": Note("the data: at least one sample, all of one shape"),
    "layers": Note("the network, in order: at least one layer"),
    "narration": Note("text for the narration panel (below)"),
    "display": Note("what the screen shows when the scenario opens (below)"),
    # [[samples]]
    "samples[].input": Note(
        "one sample: `[C][H][W]`, or `[H][W]` meaning one channel", type=NESTED
    ),
    "samples[].label": Note("`cross_entropy` only: the sample's class, from 0 to classes − 1"),
    "samples[].target": Note(
        "`mse` only: shaped like one sample's network output (`[H][W]` for one channel)",
        type=NESTED,
    ),
    # [[layers]]: every kind
    "layers[].type": Note(
        "the layer kind (a section below each); a near miss gets a suggestion "
        '(`"fc"` → `linear`, `"ReLU"` → `relu`)',
        type="string: a layer kind",
    ),
    "layers[].name": Note(
        "the layer's name, for a later layer's `from` ([graphs](../graphs.md))",
        type="string: letters, digits and `_`, not starting with a digit",
        limits='unique; not `"input"`; at most 40 characters',
    ),
    "layers[].from": Note(
        'what the layer reads: names of layers above it, or `"input"` ([graphs](../graphs.md))',
        type="list of names",
        default="the layer before (the first layer: the input); required for `add`",
        limits="one name, except `add`: two or more, of one shape",
    ),
    "layers[].kernel_size": Note("the window, `kh × kw`: an int `k` means `[k, k]`"),
    "layers[].stride": Note("the window's step, rows and columns"),
    "layers[].padding": Note("zeros added around the input, rows and columns"),
    "layers[].weight": Note("the initial weight; drawn from the seed when not given"),
    "layers[].bias": Note("the initial bias; zeros when not given"),
    # one kind
    "layers[conv2d].out_channels": Note("the number of filters"),
    "layers[conv2d].in_channels": Note(
        "the input's channels: optional, checked against the input when given"
    ),
    "layers[conv2d].weight": Note(
        "the initial filters, `[out_channels][in_channels][kh][kw]`; drawn from the seed when "
        "not given",
        type=NESTED,
    ),
    "layers[conv2d].bias": Note(
        "the initial bias, `[out_channels]`; zeros when not given", type=NESTED
    ),
    "layers[maxpool2d].stride": Note(
        "the window's step (floor mode, no padding)", default="`kernel_size`"
    ),
    "layers[avgpool2d].stride": Note(
        "the window's step (`torch.nn.AvgPool2d(k, s)`: floor mode, no padding)",
        default="`kernel_size`",
    ),
    "layers[leaky_relu].negative_slope": Note("`x` where `x > 0`, else `slope·x`"),
    "layers[linear].out_features": Note("the number of outputs"),
    "layers[linear].in_features": Note(
        "the input's length: optional, checked against the input when given"
    ),
    "layers[linear].weight": Note(
        "the initial weight, `[out_features][in_features]`; drawn from the seed when not given",
        type=NESTED,
    ),
    "layers[linear].bias": Note(
        "the initial bias, `[out_features]`; zeros when not given", type=NESTED
    ),
    # [narration]
    "narration.intro": Note("shown when the scenario opens", type="string (a template)"),
    "narration.ops": Note("text by operation or layer type (below)"),
    "narration.at": Note("text for specific steps; the first rule that matches a step wins"),
    "narration.at[].text": Note("the text (a template)", type="string (a template)"),
    "narration.at[].iteration": Note("matches one iteration (the first is 1)"),
    "narration.at[].phase": Note("matches one phase"),
    "narration.at[].layer": Note("matches one layer: an index into `[[layers]]`, from 0"),
    "narration.at[].op": Note(
        "matches one operation, as `stepcnn trace` names it (the list below)",
        type="string: an operation",
    ),
    "narration.at[].index": Note(
        "matches the step's index, as `stepcnn trace` prints it", type="list of integers ≥ 0"
    ),
    "narration.at[].steps": Note(
        "`[a, b]`: matches steps a…b of each iteration, its first step being 1",
        type="`[first, last]`",
        limits="1 ≤ first ≤ last",
    ),
    # [display]
    "display.hidden": Note(
        "panels hidden at the start (the panels are listed below)",
        type="list of panel names",
        default='`["source"]`',
    ),
    "display.start_iteration": Note("the iteration the session opens at (the first is 1)"),
    "display.start_phase": Note("the phase the session opens at"),
    "display.start_layer": Note("the layer the session opens at (an index, from 0)"),
    "display.precision": Note("decimals shown in matrices at the start (`.` and `,` change it)"),
}
