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
    "learning_rate": Note("the optimizer's step size η"),
    "momentum": Note(
        "SGD only: momentum μ, exactly `torch.optim.SGD`'s (dampening 0, no Nesterov): "
        "`v ← μ·v + g` (`v = g` at the first iteration), `W ← W − η·v`",
        limits="0 ≤ μ < 1",
    ),
    "weight_decay": Note(
        "L2 weight decay λ, for every optimizer as `torch.optim` has it: `g = dW + λ·W` "
        "(biases too; Adam's is L2, not AdamW)",
        limits="≥ 0",
    ),
    "optimizer": Note(
        "`torch.optim.SGD`, `Adam` or `RMSprop`; a field of another optimizer is refused "
        "([optimizers](../optimizers.md))",
        type='`"sgd"`, `"adam"` or `"rmsprop"`',
        default='`"sgd"`',
    ),
    "betas": Note(
        "Adam only: `[β₁, β₂]`, the decay of the averages m (of the gradient) and v (of its "
        "square)",
        type="`[β₁, β₂]`",
        default="`[0.9, 0.999]`",
        limits="each 0 ≤ β < 1",
    ),
    "eps": Note("Adam and RMSprop only: ε, added to the root of the average in the divisor"),
    "alpha": Note(
        "RMSprop only: α, the decay of s, the average of the squared gradient",
        type="number",
        default="`0.99`",
        limits="0 ≤ α < 1",
    ),
    "compare": Note(
        "a second optimizer training the same network from the same parameters; the loss "
        "strip draws both curves on one scale "
        "([comparing](../optimizers.md#comparing-two-optimizers-compare))"
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
    "layers[batchnorm2d].eps": Note(
        "ε in `x̂ = (x − μ)/√(σ² + ε)` ([kinds](../kinds.md#batchnorm2d))"
    ),
    "layers[batchnorm2d].momentum": Note(
        "of the running statistics: `r ← (1 − momentum)·r + momentum·stat` (unbiased variance)",
        limits="0 ≤ momentum ≤ 1",
    ),
    "layers[batchnorm2d].num_features": Note(
        "the input's channels: optional, checked against the input when given"
    ),
    "layers[batchnorm2d].weight": Note(
        "the initial γ, `[num_features]`; ones when not given", type=NESTED
    ),
    "layers[batchnorm2d].bias": Note(
        "the initial β, `[num_features]`; zeros when not given", type=NESTED
    ),
    "layers[dropout].p": Note(
        "the probability that a unit is dropped; the kept are scaled by `1/(1 − p)`; the mask "
        "is a fixed function of seed, layer and iteration ([kinds](../kinds.md#dropout))",
        limits="0 ≤ p ≤ 1",
    ),
    "layers[adaptive_avgpool2d].output_size": Note(
        "the output's `Ho × Wo`: an int `k` means `[k, k]`; `1` is global average pooling; "
        "PyTorch's windows ([kinds](../kinds.md#adaptive_avgpool2d))"
    ),
    # [compare]: the top level's optimizer fields
    "compare.optimizer": Note(
        "the optimizer trained beside the scenario's",
        type='`"sgd"`, `"adam"` or `"rmsprop"`',
        default='`"sgd"`',
    ),
    "compare.learning_rate": Note("its step size η (default: the scenario's)"),
    "compare.momentum": Note("SGD only: its momentum μ", limits="0 ≤ μ < 1"),
    "compare.weight_decay": Note("its L2 weight decay λ", limits="≥ 0"),
    "compare.betas": Note(
        "Adam only: its `[β₁, β₂]`",
        type="`[β₁, β₂]`",
        default="`[0.9, 0.999]`",
        limits="each 0 ≤ β < 1",
    ),
    "compare.eps": Note("Adam and RMSprop only: its ε"),
    "compare.alpha": Note(
        "RMSprop only: its α", type="number", default="`0.99`", limits="0 ≤ α < 1"
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
