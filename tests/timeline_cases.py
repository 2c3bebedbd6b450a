"""Small architectures for the timeline tests, written as scenario TOML, plus independent oracles.

Nothing here uses the timeline: the expected step counts come from the layer shapes worked out
below, and :func:`reference_run` trains each scenario with plain loops written from the spec
(one statement per elementary step), so the tests can compare the timeline with numbers it
never produced.
"""

import math
import re
from dataclasses import dataclass, field

import numpy as np

from stepcnn.engine.network import IterationRecord
from stepcnn.scenario import Scenario
from stepcnn.timeline import Region, Step, TensorId, Timeline
from stepcnn.timeline.load import parse_scenario
from stepcnn.timeline.training import TrainingRun

# ---- scenarios ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A scenario described as data; :attr:`toml` renders it as a scenario file."""

    name: str
    input_shape: tuple[int, int, int]
    layers: tuple[dict[str, object], ...]
    loss: str
    batch_size: int
    iterations: int
    learning_rate: float
    samples: int
    data_seed: int
    input_scale: float = 1.0
    binary: bool = False  # 0/1 inputs: many ties in max pooling
    momentum: float = 0.0
    weight_decay: float = 0.0
    diverges: bool = False  # overflows to inf, then NaN: no reference run

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        """Per-sample shapes through the layers, by the PyTorch size formula."""
        shapes: list[tuple[int, ...]] = [self.input_shape]
        for spec in self.layers:
            shape = shapes[-1]
            kind = spec["type"]
            if kind == "conv2d":
                (kh, kw), (sh, sw), (ph, pw) = conv_geometry(spec)
                _, h, w = shape
                out_c = int(spec["out_channels"])  # type: ignore[call-overload]
                shapes.append((out_c, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1))
            elif kind in ("maxpool2d", "avgpool2d"):
                (kh, kw), (sh, sw) = pool_geometry(spec)
                c, h, w = shape
                shapes.append((c, (h - kh) // sh + 1, (w - kw) // sw + 1))
            elif kind == "flatten":
                shapes.append((math.prod(shape),))
            elif kind == "linear":
                shapes.append((int(spec["out_features"]),))  # type: ignore[call-overload]
            else:
                shapes.append(shape)
        return shapes

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Sample inputs and labels/targets, from the case's own seed."""
        rng = np.random.default_rng(self.data_seed)
        shape = (self.samples, *self.input_shape)
        if self.binary:
            inputs = rng.integers(0, 2, size=shape).astype(float)
        else:
            inputs = np.round(rng.normal(size=shape) * self.input_scale, 3)
        out = self.shapes[-1]
        if self.loss == "cross_entropy":
            ys = np.arange(self.samples) % out[0]
        else:
            ys = np.round(rng.normal(size=(self.samples, *out)) * self.input_scale, 3)
        return inputs, ys

    @property
    def toml(self) -> str:
        inputs, ys = self.data()
        lines = [
            f'title = "{self.name}"',
            "seed = 3",
            f"learning_rate = {self.learning_rate!r}",
            f'loss = "{self.loss}"',
            f"batch_size = {self.batch_size}",
            f"iterations = {self.iterations}",
        ]
        if self.momentum:
            lines.append(f"momentum = {self.momentum!r}")
        if self.weight_decay:
            lines.append(f"weight_decay = {self.weight_decay!r}")
        for x, y in zip(inputs, ys, strict=True):
            lines.append("[[samples]]")
            lines.append(f"input = {x.tolist()!r}")
            if self.loss == "cross_entropy":
                lines.append(f"label = {int(y)}")
            else:
                lines.append(f"target = {y.tolist()!r}")
        for spec in self.layers:
            lines.append("[[layers]]")
            for key, value in spec.items():
                lines.append(f'{key} = "{value}"' if isinstance(value, str) else f"{key} = {value}")
        return "\n".join(lines) + "\n"


def _pair(value: object) -> tuple[int, int]:
    if isinstance(value, list):
        return int(value[0]), int(value[1])
    assert isinstance(value, int)
    return value, value


def conv_geometry(spec: dict[str, object]) -> tuple[tuple[int, int], ...]:
    return (
        _pair(spec["kernel_size"]),
        _pair(spec.get("stride", 1)),
        _pair(spec.get("padding", 0)),
    )


def pool_geometry(spec: dict[str, object]) -> tuple[tuple[int, int], ...]:
    kernel = _pair(spec["kernel_size"])
    return kernel, _pair(spec.get("stride", list(kernel)))


CASES: dict[str, Case] = {
    # Binary 6×6 images: the pooling windows are full of ties.
    "tour": Case(
        "tour",
        (1, 6, 6),
        (
            {"type": "conv2d", "out_channels": 2, "kernel_size": 3},
            {"type": "relu"},
            {"type": "maxpool2d", "kernel_size": 2},
            {"type": "flatten"},
            {"type": "linear", "out_features": 2},
        ),
        "cross_entropy",
        batch_size=1,
        iterations=3,
        learning_rate=0.5,
        samples=2,
        data_seed=11,
        binary=True,
    ),
    # Stride, padding, rectangular kernels, overlapping pool windows, a batch of 2 over 3
    # samples (the batches wrap around).
    "strided": Case(
        "strided",
        (2, 6, 5),
        (
            {
                "type": "conv2d",
                "out_channels": 2,
                "kernel_size": [2, 3],
                "stride": [2, 1],
                "padding": [1, 2],
            },
            {"type": "relu"},
            {"type": "maxpool2d", "kernel_size": [2, 3], "stride": [1, 2]},
            {"type": "flatten"},
            {"type": "linear", "out_features": 3},
        ),
        "cross_entropy",
        batch_size=2,
        iterations=2,
        learning_rate=0.3,
        samples=3,
        data_seed=12,
    ),
    # mse on a conv map; the second conv's stride leaves the last row and column of its input
    # uncovered (their gradient is never written).
    "mse_map": Case(
        "mse_map",
        (1, 5, 5),
        (
            {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "padding": 1},
            {"type": "relu"},
            {"type": "conv2d", "out_channels": 1, "kernel_size": [2, 2], "stride": 2},
        ),
        "mse",
        batch_size=2,
        iterations=3,
        learning_rate=0.1,
        samples=3,
        data_seed=13,
    ),
    # A 1×1 strided conv, then a small MLP ending in mse on a vector.
    "dense": Case(
        "dense",
        (1, 3, 3),
        (
            {"type": "conv2d", "out_channels": 2, "kernel_size": 1, "stride": 2},
            {"type": "flatten"},
            {"type": "linear", "out_features": 3},
            {"type": "relu"},
            {"type": "linear", "out_features": 2},
        ),
        "mse",
        batch_size=2,
        iterations=2,
        learning_rate=0.2,
        samples=3,
        data_seed=14,
    ),
    # Every kind of issue 9 — tanh, avgpool2d (3×3 windows every 1×2: overlapping, and the
    # last column dropped), sigmoid, leaky_relu — and SGD with momentum and weight decay over
    # two iterations (the velocity of the first carries into the second). Two conv layers: the
    # gradient reaches the first filters through the second conv layer's dx.
    "lenet_like": Case(
        "lenet_like",
        (1, 5, 6),
        (
            {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "padding": 1},
            {"type": "tanh"},
            {"type": "avgpool2d", "kernel_size": 3, "stride": [1, 2]},
            {"type": "conv2d", "out_channels": 2, "kernel_size": 2},
            {"type": "sigmoid"},
            {"type": "flatten"},
            {"type": "linear", "out_features": 3},
            {"type": "leaky_relu", "negative_slope": 0.2},
            {"type": "linear", "out_features": 2},
        ),
        "cross_entropy",
        batch_size=2,
        iterations=2,
        learning_rate=0.5,
        samples=3,
        data_seed=15,
        momentum=0.9,
        weight_decay=0.05,
    ),
    # mse on a map; avgpool windows 2×1 every 3×1 (rows nobody reads); leaky_relu with its
    # default slope; weight decay without momentum (plain SGD on dW + λ·W).
    "avg_mse": Case(
        "avg_mse",
        (2, 5, 4),
        (
            {"type": "conv2d", "out_channels": 2, "kernel_size": [2, 2], "padding": [1, 0]},
            {"type": "leaky_relu"},
            {"type": "avgpool2d", "kernel_size": [2, 1], "stride": [3, 1]},
            {"type": "tanh"},
        ),
        "mse",
        batch_size=2,
        iterations=2,
        learning_rate=0.3,
        samples=2,
        data_seed=16,
        weight_decay=0.2,
    ),
    # Momentum without weight decay; sigmoid right before the loss.
    "momentum_only": Case(
        "momentum_only",
        (1, 4, 4),
        (
            {"type": "conv2d", "out_channels": 2, "kernel_size": 2, "stride": 2},
            {"type": "sigmoid"},
            {"type": "flatten"},
            {"type": "linear", "out_features": 2},
            {"type": "sigmoid"},
        ),
        "mse",
        batch_size=1,
        iterations=3,
        learning_rate=2.0,
        samples=2,
        data_seed=17,
        momentum=0.5,
    ),
}

DIVERGING = Case(
    "diverging",
    (1, 5, 5),
    (
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "padding": 1},
        {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2, "stride": 1},
        {"type": "flatten"},
        {"type": "linear", "out_features": 2},
    ),
    "mse",
    batch_size=2,
    iterations=6,
    learning_rate=50.0,
    samples=2,
    data_seed=0,
    input_scale=100.0,
    diverges=True,
)
"""Explodes: finite for two iterations, then overflow to inf, then NaN."""

DIVERGING_KINDS = Case(
    "diverging_kinds",
    (1, 5, 5),
    (
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "padding": 1},
        {"type": "tanh"},
        {"type": "avgpool2d", "kernel_size": 2, "stride": 1},
        {"type": "conv2d", "out_channels": 2, "kernel_size": 2},
        {"type": "leaky_relu", "negative_slope": 0.5},
        {"type": "flatten"},
        {"type": "linear", "out_features": 2},
    ),
    "mse",
    batch_size=1,
    iterations=6,
    learning_rate=50.0,
    samples=2,
    data_seed=0,
    input_scale=100.0,
    momentum=0.9,
    weight_decay=0.5,
    diverges=True,
)
"""tanh, avgpool2d, leaky_relu, momentum and weight decay: finite for three iterations, then
overflow to inf, then NaN."""


_SCENARIOS: dict[str, Scenario] = {}


def scenario(case: Case) -> Scenario:
    """The parsed scenario (parsed once per case)."""
    if case.name not in _SCENARIOS:
        _SCENARIOS[case.name] = parse_scenario(case.toml, case.name)
    return _SCENARIOS[case.name]


def timeline(case: Case) -> Timeline:
    """A fresh timeline (its own TrainingRun) for ``case``."""
    return Timeline(TrainingRun(scenario(case)))


# ---- an independent training loop ---------------------------------------------------------


@dataclass
class LayerRef:
    input: np.ndarray
    output: np.ndarray = field(default_factory=lambda: np.zeros(0))
    grad_output: np.ndarray = field(default_factory=lambda: np.zeros(0))
    grad_input: np.ndarray = field(default_factory=lambda: np.zeros(0))
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    grad_weight: np.ndarray | None = None
    grad_bias: np.ndarray | None = None
    weight_after: np.ndarray | None = None
    bias_after: np.ndarray | None = None
    velocity_before: tuple[np.ndarray, np.ndarray] | None = None  # momentum: (v_W, v_b)
    velocity_after: tuple[np.ndarray, np.ndarray] | None = None
    winners: np.ndarray | None = None  # maxpool: (N, C, Ho, Wo, 2) input row/col of the max
    padded: np.ndarray | None = None  # conv: the zero-padded input


@dataclass
class IterationRef:
    x: np.ndarray
    y: np.ndarray
    layers: list[LayerRef]
    scores: np.ndarray
    loss: float
    per_sample: np.ndarray  # cross_entropy: −log p[label]; mse: squared errors
    probs: np.ndarray | None
    grad_scores: np.ndarray


def _conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, spec: dict[str, object]) -> tuple:
    (kh, kw), (sh, sw), (ph, pw) = conv_geometry(spec)
    n_b, c, h, wd = x.shape
    xp = np.zeros((n_b, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph : ph + h, pw : pw + wd] = x
    ho, wo = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    out = np.zeros((n_b, w.shape[0], ho, wo))
    for n in range(n_b):
        for f in range(w.shape[0]):
            for r in range(ho):
                for s in range(wo):
                    total = 0.0
                    for ch in range(c):
                        for i in range(kh):
                            for j in range(kw):
                                total += xp[n, ch, r * sh + i, s * sw + j] * w[f, ch, i, j]
                    out[n, f, r, s] = total + b[f]
    return out, xp


def _pool_forward(x: np.ndarray, spec: dict[str, object]) -> tuple[np.ndarray, np.ndarray]:
    (kh, kw), (sh, sw) = pool_geometry(spec)
    n_b, c, h, w = x.shape
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((n_b, c, ho, wo))
    winners = np.zeros((n_b, c, ho, wo, 2), dtype=int)
    for n, ch, r, s in np.ndindex(n_b, c, ho, wo):
        best, at = -np.inf, (0, 0)
        for i in range(kh):
            for j in range(kw):
                v = x[n, ch, r * sh + i, s * sw + j]
                if v > best:  # strictly greater: a tie goes to the first cell
                    best, at = v, (r * sh + i, s * sw + j)
        out[n, ch, r, s] = best
        winners[n, ch, r, s] = at
    return out, winners


def _activation(spec: dict[str, object], v: float) -> float:
    kind = spec["type"]
    if kind == "tanh":
        return math.tanh(v)
    if kind == "sigmoid":  # 1/(1 + e^−v), written so that no e^big is formed
        return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))
    slope = float(spec.get("negative_slope", 0.01))  # type: ignore[arg-type]
    return v if v > 0 else slope * v


def _derivative(spec: dict[str, object], x: float, y: float) -> float:
    """f′ at the element: tanh 1 − y², sigmoid y·(1 − y), leaky_relu 1 or the slope."""
    kind = spec["type"]
    if kind == "tanh":
        return 1.0 - y * y
    if kind == "sigmoid":
        return y * (1.0 - y)
    return 1.0 if x > 0 else float(spec.get("negative_slope", 0.01))  # type: ignore[arg-type]


def _avgpool_forward(x: np.ndarray, spec: dict[str, object]) -> np.ndarray:
    (kh, kw), (sh, sw) = pool_geometry(spec)
    n_b, c, h, w = x.shape
    out = np.zeros((n_b, c, (h - kh) // sh + 1, (w - kw) // sw + 1))
    for n, ch, r, s in np.ndindex(out.shape):
        total = 0.0
        for i in range(kh):
            for j in range(kw):
                total += x[n, ch, r * sh + i, s * sw + j]
        out[n, ch, r, s] = total / (kh * kw)
    return out


def reference_run(case: Case) -> list[IterationRef]:
    """Every iteration of ``case``, computed with loops straight from the spec."""
    scen = scenario(case)
    inputs, ys = case.data()
    params = [None if p is None else (p.weight.copy(), p.bias.copy()) for p in scen.initial_params]
    eta = case.learning_rate
    velocity: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(case.layers)
    result = []
    for it in range(case.iterations):
        take = [(it * case.batch_size + j) % case.samples for j in range(case.batch_size)]
        x, y = inputs[take], ys[take]
        refs: list[LayerRef] = []
        act = x
        for i, spec in enumerate(case.layers):
            ref = LayerRef(input=act)
            kind = spec["type"]
            if kind == "conv2d":
                w, b = params[i]  # type: ignore[misc]
                ref.weight, ref.bias = w, b
                ref.output, ref.padded = _conv_forward(act, w, b, spec)
            elif kind == "relu":
                ref.output = np.where(act > 0, act, 0.0)
            elif kind in ("tanh", "sigmoid", "leaky_relu"):
                ref.output = np.vectorize(lambda v, spec=spec: _activation(spec, v))(act)
            elif kind == "avgpool2d":
                ref.output = _avgpool_forward(act, spec)
            elif kind == "maxpool2d":
                ref.output, ref.winners = _pool_forward(act, spec)
            elif kind == "flatten":
                ref.output = act.reshape(act.shape[0], -1).copy()
            else:
                w, b = params[i]  # type: ignore[misc]
                ref.weight, ref.bias = w, b
                out = np.zeros((act.shape[0], w.shape[0]))
                for n in range(act.shape[0]):
                    for o in range(w.shape[0]):
                        out[n, o] = sum(w[o, k] * act[n, k] for k in range(w.shape[1])) + b[o]
                ref.output = out
            refs.append(ref)
            act = ref.output
        scores = act
        batch = scores.shape[0]
        probs = None
        if case.loss == "cross_entropy":
            shifted = scores - scores.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            probs = np.exp(log_p)
            per_sample = np.array([-log_p[n, int(y[n])] for n in range(batch)])
            loss = float(per_sample.sum() / batch)
            grad = probs.copy()
            for n in range(batch):
                grad[n, int(y[n])] -= 1.0
            grad /= batch
        else:
            diff = scores - y
            per_sample = diff * diff
            loss = float(per_sample.sum() / diff.size)
            grad = 2.0 * diff / diff.size
        grad_scores = grad
        for i in reversed(range(len(case.layers))):
            spec, ref = case.layers[i], refs[i]
            ref.grad_output = grad
            kind = spec["type"]
            dx = np.zeros_like(ref.input)
            if kind == "conv2d":
                (kh, kw), (sh, sw), (ph, pw) = conv_geometry(spec)
                assert ref.weight is not None and ref.padded is not None
                dw, db, dxp = (
                    np.zeros_like(ref.weight),
                    np.zeros(len(ref.bias)),
                    np.zeros_like(ref.padded),
                )
                for n, f, r, s in np.ndindex(grad.shape):
                    g = grad[n, f, r, s]
                    rows, cols = slice(r * sh, r * sh + kh), slice(s * sw, s * sw + kw)
                    dw[f] += g * ref.padded[n, :, rows, cols]
                    db[f] += g
                    dxp[n, :, rows, cols] += g * ref.weight[f]
                h, w_ = ref.input.shape[2:]
                dx = dxp[:, :, ph : ph + h, pw : pw + w_]
                ref.grad_weight, ref.grad_bias = dw, db
            elif kind == "relu":
                dx = np.where(ref.input > 0, grad, 0.0)
            elif kind in ("tanh", "sigmoid", "leaky_relu"):
                for idx in np.ndindex(grad.shape):
                    dx[idx] = grad[idx] * _derivative(spec, ref.input[idx], ref.output[idx])
            elif kind == "avgpool2d":
                (kh, kw), (sh, sw) = pool_geometry(spec)
                for n, c, r, s in np.ndindex(grad.shape):
                    for i_ in range(kh):
                        for j_ in range(kw):
                            dx[n, c, r * sh + i_, s * sw + j_] += grad[n, c, r, s] / (kh * kw)
            elif kind == "maxpool2d":
                assert ref.winners is not None
                for n, c, r, s in np.ndindex(grad.shape):
                    wy, wx = ref.winners[n, c, r, s]
                    dx[n, c, wy, wx] += grad[n, c, r, s]
            elif kind == "flatten":
                dx = grad.reshape(ref.input.shape).copy()
            else:
                assert ref.weight is not None
                dw, db = np.zeros_like(ref.weight), np.zeros(len(ref.bias))
                for n, o in np.ndindex(grad.shape):
                    g = grad[n, o]
                    dw[o] += g * ref.input[n]
                    db[o] += g
                    dx[n] += g * ref.weight[o]
                ref.grad_weight, ref.grad_bias = dw, db
            ref.grad_input = dx
            grad = dx
        mu, lam = case.momentum, case.weight_decay
        for i, ref in enumerate(refs):
            if ref.weight is not None:
                assert ref.grad_weight is not None and ref.grad_bias is not None
                # torch.optim.SGD: g = dW + λ·W; v = g at the first iteration, μ·v + g later;
                # W ← W − η·v (without momentum, W ← W − η·g).
                new, v_new = [], []
                for t, (w, dw) in enumerate(
                    ((ref.weight, ref.grad_weight), (ref.bias, ref.grad_bias))
                ):
                    w_after, v_after = w.copy(), np.zeros_like(w)
                    for idx in np.ndindex(w.shape):
                        g = dw[idx] + lam * w[idx]
                        if mu:
                            g = g if velocity[i] is None else mu * velocity[i][t][idx] + g
                            v_after[idx] = g
                        w_after[idx] = w[idx] - eta * g
                    new.append(w_after)
                    v_new.append(v_after)
                ref.weight_after, ref.bias_after = new
                ref.velocity_before = velocity[i]
                if mu:
                    ref.velocity_after = (v_new[0], v_new[1])
                    velocity[i] = ref.velocity_after
                params[i] = (ref.weight_after, ref.bias_after)
        result.append(IterationRef(x, y, refs, scores, loss, per_sample, probs, grad_scores))
    return result


# ---- tensors, regions, steps --------------------------------------------------------------


def input_tid(layer: int) -> TensorId:
    return TensorId(layer - 1, "output") if layer > 0 else TensorId(None, "x")


def grad_output_tid(layer: int, count: int) -> TensorId:
    return TensorId(layer + 1, "grad_input") if layer + 1 < count else TensorId(None, "grad_scores")


def region_mask(region: Region, shape: tuple[int, ...]) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[region.cells] = True
    return mask


def written_mask(step: Step, tensor: TensorId, shape: tuple[int, ...]) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    for region in step.writes:
        if region.tensor == tensor:
            mask |= region_mask(region, shape)
    return mask


def step_key(step: Step) -> tuple[object, ...]:
    """Everything a step shows, in a form ``==`` can compare (arrays as shape + bytes)."""
    operands = tuple(
        (name, np.asarray(a).shape, np.ascontiguousarray(a).tobytes())
        for name, a in step.operands.items()
    )
    return (
        step.k,
        step.iteration,
        step.offset,
        step.phase,
        step.layer,
        step.kind,
        step.op,
        step.index,
        step.value,
        step.equation,
        operands,
        repr(step.reads),
        repr(step.writes),
    )


_NUMBER = re.compile(r"[−-]?(?:\d+(?:\.\d*)?(?:e[−+-]?\d+)?|inf|nan)")


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text`` (with ``−`` as a minus sign)."""
    return [float(m.replace("−", "-")) for m in _NUMBER.findall(text)]


def shows(text: str, value: float, rel: float = 6e-4) -> bool:
    """Is ``value`` written in ``text`` (to the 4 significant digits equations use)?"""
    found = numbers_in(text)
    if math.isnan(value):
        return any(math.isnan(v) for v in found)
    return any(abs(v - value) <= rel * abs(value) + 1e-12 for v in found)


# ---- expected steps, from the cases' own description ---------------------------------------


@dataclass(frozen=True)
class ExpectedSegment:
    phase: str
    layer: int | None
    op: str
    shape: tuple[int, ...]  # the index space, row-major
    start: int  # within the iteration

    @property
    def count(self) -> int:
        return math.prod(self.shape)

    @property
    def kind(self) -> str:
        return self.op.split(".")[0]


_LAYOUTS: dict[str, list[ExpectedSegment]] = {}


def expected_layout(case: Case) -> list[ExpectedSegment]:
    """The segments of one iteration with their index spaces, from the spec's rules."""
    if case.name not in _LAYOUTS:
        _LAYOUTS[case.name] = _layout(case)
    return _LAYOUTS[case.name]


def _layout(case: Case) -> list[ExpectedSegment]:
    shapes, batch = case.shapes, case.batch_size
    rows: list[tuple[str, int | None, str, tuple[int, ...]]] = []
    for i, spec in enumerate(case.layers):
        kind = str(spec["type"])
        rows.append(
            ("forward", i, f"{kind}.forward", () if kind == "flatten" else (batch, *shapes[i + 1]))
        )
    out = (batch, *shapes[-1])
    if case.loss == "cross_entropy":
        rows.append(("forward", None, "cross_entropy.forward", (batch,)))
    else:
        rows.append(("forward", None, "mse.forward", out))
    rows.append(("forward", None, f"{case.loss}.mean", ()))
    rows.append(("backward", None, f"{case.loss}.backward", out))
    for i in reversed(range(len(case.layers))):
        kind = str(case.layers[i]["type"])
        rows.append(
            (
                "backward",
                i,
                f"{kind}.backward",
                () if kind == "flatten" else (batch, *shapes[i + 1]),
            )
        )
    for i, spec in enumerate(case.layers):
        kind = str(spec["type"])
        if kind in ("conv2d", "linear"):
            rows.append(("update", i, f"{kind}.update", (shapes[i + 1][0],)))
    result, start = [], 0
    for phase, layer, op, shape in rows:
        result.append(ExpectedSegment(phase, layer, op, shape, start))
        start += math.prod(shape)
    return result


def expected_counts(case: Case) -> dict[tuple[str, int | None], int]:
    """Steps per (phase, layer) — layer None for the loss."""
    counts: dict[tuple[str, int | None], int] = {}
    for seg in expected_layout(case):
        counts[(seg.phase, seg.layer)] = counts.get((seg.phase, seg.layer), 0) + seg.count
    return counts


def where(case: Case, k: int) -> tuple[int, ExpectedSegment, int, tuple[int, ...]]:
    """``(iteration, segment, local, index)`` of step ``k`` by the expected layout."""
    layout = expected_layout(case)
    per = sum(s.count for s in layout)
    iteration, offset = divmod(k, per)
    seg = next(s for s in layout if s.start <= offset < s.start + s.count)
    local = offset - seg.start
    index = tuple(int(i) for i in np.unravel_index(local, seg.shape)) if seg.shape else ()
    return iteration, seg, local, index


# ---- tensors by name, read straight from the engine's record --------------------------------


def _squared(diff: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # a diverging run's squares overflow, as IEEE says
        return diff * diff


def engine_tensor(rec: IterationRecord, tid: TensorId) -> np.ndarray:
    """The engine's tensor at the end of the iteration (parameters: after the update)."""
    if tid.layer is None:
        cache = rec.loss_cache
        return {
            "x": lambda: rec.x,
            "y": lambda: rec.y,
            "probs": lambda: cache.probs,
            "per_sample": lambda: cache.per_sample,
            "sq_error": lambda: _squared(cache.diff),
            "loss": lambda: np.array(rec.loss),
            "grad_scores": lambda: rec.grad_scores,
        }[tid.name]()
    lr = rec.layers[tid.layer]
    return {
        "output": lambda: lr.output,
        "grad_input": lambda: lr.grad_input,
        "weight": lambda: lr.params_after.weight,
        "bias": lambda: lr.params_after.bias,
        "grad_weight": lambda: lr.grads.weight,
        "grad_bias": lambda: lr.grads.bias,
    }[tid.name]()


def produced(case: Case, seg: ExpectedSegment) -> tuple[TensorId, ...]:
    """The tensors a segment writes, by the spec."""
    if seg.layer is None:
        return {
            "cross_entropy.forward": (TensorId(None, "probs"), TensorId(None, "per_sample")),
            "mse.forward": (TensorId(None, "sq_error"),),
            f"{case.loss}.mean": (TensorId(None, "loss"),),
            f"{case.loss}.backward": (TensorId(None, "grad_scores"),),
        }[seg.op]
    i = seg.layer
    if seg.phase == "forward":
        return (TensorId(i, "output"),)
    if seg.phase == "update":
        return (TensorId(i, "weight"), TensorId(i, "bias"))
    if seg.kind in ("conv2d", "linear"):
        return (TensorId(i, "grad_weight"), TensorId(i, "grad_bias"), TensorId(i, "grad_input"))
    return (TensorId(i, "grad_input"),)


# ---- caches shared by the test modules -----------------------------------------------------

_PREPARED: dict[str, "Prepared"] = {}


@dataclass
class Prepared:
    case: Case
    timeline: Timeline
    steps: list[Step]
    reference: list[IterationRef]


def prepared(case: Case) -> Prepared:
    """A timeline with every step derived once, and the reference run (cached per case)."""
    if case.name not in _PREPARED:
        tl = timeline(case)
        steps = [tl[k] for k in range(len(tl))]
        ref = reference_run(case) if not case.diverges else []
        _PREPARED[case.name] = Prepared(case, tl, steps, ref)
    return _PREPARED[case.name]
