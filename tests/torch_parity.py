"""Compare stepcnn with PyTorch on random architectures (not part of `make test`).

Run with `make parity`, which installs PyTorch (CPU) into its own virtualenv. Random
architectures use every layer kind (conv2d with stride and padding, relu, tanh, sigmoid,
leaky_relu with a random slope, maxpool2d and avgpool2d with stride ≠ kernel, flatten, linear,
batchnorm2d, dropout — multiplied by stepcnn's mask in PyTorch too —, adaptive_avgpool2d, and
residual blocks: add, with forks), both losses, batches, several iterations, SGD with random
momentum / weight decay, Adam and RMSprop with random settings (their m, v, s and step count
checked, and batchnorm's running statistics). PyTorch trains each one on its own — its
parameters and its torch.optim optimizer carry over from iteration to iteration — and, in
float64 with rtol 1e-6, it checks:
  * every tensor of every iteration (input, output, grad_output, grad_input, weight, bias,
    grad_weight, grad_bias, weight_after, bias_after, and the momentum velocity after the
    update) and the loss;
  * the timeline: each forward/backward step's value against the same tensors, the number of
    steps per segment, and each update step's operands (W and b before/after, dW, db, λ·W,
    λ·b, v before/after of W and of b).
"""

import random
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collections import Counter

from stepcnn.engine.kinds.adaptive_avgpool2d import AdaptiveAvgPool2d
from stepcnn.engine.kinds.avgpool2d import AvgPool2d
from stepcnn.engine.kinds.batchnorm2d import BatchNorm2d
from stepcnn.engine.kinds.conv2d import Conv2d
from stepcnn.engine.kinds.dropout import Dropout
from stepcnn.engine.kinds.leaky_relu import LeakyReLU
from stepcnn.engine.kinds.linear import Linear
from stepcnn.engine.kinds.maxpool2d import MaxPool2d
from stepcnn.engine.registry import layer_kinds
from stepcnn.timeline import Timeline
from stepcnn.timeline.load import parse_scenario
from stepcnn.timeline.training import TrainingRun

RTOL, ATOL = 1e-6, 1e-9


def toml_list(a: np.ndarray) -> str:
    return repr(a.tolist())


def random_scenario(rng: random.Random) -> str:
    c, h, w = rng.randint(1, 3), rng.randint(4, 11), rng.randint(4, 11)
    loss = rng.choice(["cross_entropy", "mse"])
    layers: list[str] = []
    shape = (c, h, w)
    names = iter(range(1000))
    for _ in range(rng.randint(0, 4)):
        kind = rng.choice(
            ["conv2d", "conv2d", "maxpool2d", "avgpool2d", "residual", *ACTIVATIONS, *NEW_MAP_KINDS]
        )
        _, hh, ww = shape
        if kind == "residual":
            layers += residual_block(rng, layers, shape, names)
        elif kind in NEW_MAP_KINDS:
            layer, shape = NEW_MAP_KINDS[kind](rng, shape, layers)
            if layer:
                layers.append(layer)
        elif kind == "conv2d":
            k = (rng.randint(1, min(4, hh + 2)), rng.randint(1, min(4, ww + 2)))
            s = (rng.randint(1, 3), rng.randint(1, 3))
            p = (rng.randint(0, 2), rng.randint(0, 2))
            ho, wo = (hh + 2 * p[0] - k[0]) // s[0] + 1, (ww + 2 * p[1] - k[1]) // s[1] + 1
            if ho < 1 or wo < 1:
                continue
            out = rng.randint(1, 4)
            layers.append(
                f'[[layers]]\ntype = "conv2d"\nout_channels = {out}\nkernel_size = {list(k)}\n'
                f"stride = {list(s)}\npadding = {list(p)}\n"
            )
            shape = (out, ho, wo)
        elif kind in ACTIVATIONS:
            layers.append(activation(rng, kind))
        else:
            k = (rng.randint(1, min(3, hh)), rng.randint(1, min(3, ww)))
            s = (rng.randint(1, 3), rng.randint(1, 3))
            layers.append(
                f'[[layers]]\ntype = "{kind}"\nkernel_size = {list(k)}\nstride = {list(s)}\n'
            )
            shape = (shape[0], (hh - k[0]) // s[0] + 1, (ww - k[1]) // s[1] + 1)
    end_in_map = loss == "mse" and layers and rng.random() < 0.3
    if not end_in_map:
        layers.append('[[layers]]\ntype = "flatten"\n')
        for _ in range(rng.randint(1, 2)):
            if rng.random() < 0.6:
                layers.append(activation(rng, rng.choice(ACTIVATIONS)))
            if rng.random() < 0.2:
                layers.append(dropout(rng))
            layers.append(f'[[layers]]\ntype = "linear"\nout_features = {rng.randint(2, 5)}\n')
    normalised = any("batchnorm" in x for x in layers)
    batch = rng.choice([1, 2]) if normalised else rng.randint(1, 3)  # batchnorm: 1 and 2
    doc = [
        'title = "random"',
        f"seed = {rng.randint(0, 10_000)}",
        f"learning_rate = {rng.choice([0.01, 0.1, 0.5, 1.0])}",
        *optimizer_fields(rng),
        f"weight_decay = {rng.choice([0.0, 0.01, 0.1, round(rng.random() * 0.2, 4)])}",
        f'loss = "{loss}"',
        f"batch_size = {batch}",
        f"iterations = {rng.randint(1, 4)}",
    ]
    nprng = np.random.default_rng(rng.randint(0, 10**6))
    samples = []
    n_samples = rng.randint(1, 4)
    for _ in range(n_samples):
        x = np.round(nprng.normal(size=(c, h, w)), 3)
        samples.append(f"[[samples]]\ninput = {toml_list(x)}\n")
    text = "\n".join(doc) + "\n" + "\n".join(samples) + "\n" + "\n".join(layers)
    # Fill labels/targets now that the output shape is known.
    from stepcnn.engine.layers import shapes_through

    probe = parse_probe(text, loss)
    out_shape = shapes_through(probe[0], (c, h, w), probe[1])[-1]
    filled = []
    for part in text.split("[[samples]]\n")[1:]:
        sample = part.partition("\n")[0]
        if loss == "cross_entropy":
            filled.append(f"[[samples]]\n{sample}\nlabel = {rng.randrange(out_shape[0])}\n")
        else:
            t = np.round(nprng.normal(size=out_shape), 3)
            filled.append(f"[[samples]]\n{sample}\ntarget = {toml_list(t)}\n")
    return "\n".join(doc) + "\n" + "".join(filled) + "\n" + "\n".join(layers)


ACTIVATIONS = ["relu", "tanh", "sigmoid", "leaky_relu"]


def residual_block(rng: random.Random, layers: list[str], shape, names) -> list[str]:
    """``out = x + F(x)``: a shape-keeping branch F (convs with "same" padding, activations,
    batchnorm2d, dropout) from the last layer (or the input), and an add of the two — x is a
    fork.
    Sometimes the add takes a third input, or x twice."""
    c = shape[0]
    if layers:
        source = f"n{next(names)}"
        layers[-1] += f'name = "{source}"\n'
    else:
        source = "input"
    branch: list[str] = []
    for _ in range(rng.randint(1, 3)):
        draw = rng.random()
        if draw < 0.5:
            k = rng.choice([1, 3])
            branch.append(
                f'[[layers]]\ntype = "conv2d"\nout_channels = {c}\nkernel_size = {k}\n'
                f"padding = {k // 2}\n"
            )
        elif draw < 0.65:  # batchnorm2d in a residual branch (where it may stand)
            norm, _ = batchnorm(rng, shape, layers + branch)
            branch.append(norm or activation(rng, rng.choice(ACTIVATIONS)))
        elif draw < 0.75:
            branch.append(dropout(rng))
        else:
            branch.append(activation(rng, rng.choice(ACTIVATIONS)))
    end = f"n{next(names)}"
    branch[-1] += f'name = "{end}"\n'
    inputs = [source, end]
    if rng.random() < 0.2:
        inputs.append(rng.choice([source, end]))
    rng.shuffle(inputs)
    listed = ", ".join(f'"{n}"' for n in inputs)
    return [*branch, f'[[layers]]\ntype = "add"\nfrom = [{listed}]\n']


# ---- issue 20: a function per new kind and for the optimizers -----------------------------


def batchnorm(rng: random.Random, shape: tuple, layers: list[str]) -> tuple[str, tuple]:
    """batchnorm2d on a map with more than one value per channel even at batch 1, not right
    after a conv (that conv's bias would get a zero gradient: noise in both libraries)."""
    _, hh, ww = shape
    if hh * ww < 2 or not shift_removed(layers):
        return "", shape
    extra = f"momentum = {rng.choice([0.1, 0.5])}\neps = {rng.choice([1e-5, 1e-3])}\n"
    return '[[layers]]\ntype = "batchnorm2d"\n' + (extra if rng.random() < 0.5 else ""), shape


def shift_removed(layers: list[str]) -> bool:
    """Whether an activation stands between the last conv2d and here: else that conv's bias
    only shifts every value of a channel (pooling keeps the shift), batchnorm removes the
    shift, and dL/db is 0 — rounding noise, whose sign Adam would follow."""
    for text in reversed(layers):
        if any(f'"{a}"' in text for a in ACTIVATIONS):
            return True
        if '"conv2d"' in text:
            return False
    return True


def dropout(rng: random.Random) -> str:
    return f'[[layers]]\ntype = "dropout"\np = {rng.choice([0.0, 0.2, 0.5, 0.8, 1.0])}\n'


def dropout_on_map(rng: random.Random, shape: tuple, layers: list[str]) -> tuple[str, tuple]:
    return dropout(rng), shape


def adaptive_pool(rng: random.Random, shape: tuple, layers: list[str]) -> tuple[str, tuple]:
    """PyTorch's window rule: output sizes below, at and above the input's."""
    c, hh, ww = shape
    size = (rng.randint(1, hh + 1), rng.randint(1, ww + 1))
    if any("batchnorm" in x for x in layers):  # the mean of a normalised channel is β: dx = 0
        size = (max(size[0], 2), size[1])
    return f'[[layers]]\ntype = "adaptive_avgpool2d"\noutput_size = {list(size)}\n', (c, *size)


NEW_MAP_KINDS = {
    "batchnorm2d": batchnorm,
    "dropout": dropout_on_map,
    "adaptive_avgpool2d": adaptive_pool,
}


def optimizer_fields(rng: random.Random) -> list[str]:
    """SGD with random momentum, Adam or RMSprop with random settings."""
    name = rng.choice(["sgd", "sgd", "adam", "rmsprop"])
    if name == "adam":
        b = rng.choice([[0.9, 0.999], [0.8, 0.99], [round(rng.random() * 0.9, 3), 0.9]])
        return ['optimizer = "adam"', f"betas = {b}", f"eps = {rng.choice([1e-8, 1e-4])}"]
    if name == "rmsprop":
        return ['optimizer = "rmsprop"', f"alpha = {rng.choice([0.99, 0.9, 0.5])}"]
    return [f"momentum = {rng.choice([0.0, 0.5, 0.9, round(rng.random() * 0.99, 3)])}"]


def activation(rng: random.Random, kind: str) -> str:
    if kind == "leaky_relu" and rng.random() < 0.8:
        slope = rng.choice([0.01, 0.2, round(rng.uniform(0.0, 1.5), 4)])
        return f'[[layers]]\ntype = "leaky_relu"\nnegative_slope = {slope}\n'
    return f'[[layers]]\ntype = "{kind}"\n'


def parse_probe(text: str, loss: str) -> tuple:
    """Layers of a scenario text whose samples have no labels yet (shape inference only)."""
    import tomllib

    from stepcnn.scenario.errors import Problem
    from stepcnn.scenario.fields import Table
    from stepcnn.scenario.layer_schema import read_network

    data = tomllib.loads(text)
    problems: list[Problem] = []
    x = np.array(data["samples"][0]["input"])
    tables = [Table(t, f"layers[{i}]", problems) for i, t in enumerate(data["layers"])]
    read, graph = read_network(tables, tuple(x.shape))
    assert read is not None, problems
    return (tuple(r.layer for r in read), graph)


def close(name: str, ours: np.ndarray, theirs: torch.Tensor) -> None:
    t = theirs.detach().numpy()
    if ours.shape != t.shape or not np.allclose(ours, t, rtol=RTOL, atol=ATOL, equal_nan=True):
        raise AssertionError(f"{name}: mismatch\nours={ours}\ntorch={t}")


def torch_layer(layer, a, tp, mask=None, running=None):
    """One layer in PyTorch; dropout multiplies by stepcnn's ``mask`` (PyTorch's random stream
    differs), batchnorm2d updates ``running`` (its running mean and variance) in place."""
    if isinstance(layer, BatchNorm2d):
        return F.batch_norm(
            a, running[0], running[1], tp[0], tp[1], True, layer.momentum, layer.eps
        )
    if isinstance(layer, Dropout):
        scale = 0.0 if layer.p >= 1 else 1.0 / (1.0 - layer.p)
        return a * (torch.tensor(mask) * scale)
    if isinstance(layer, AdaptiveAvgPool2d):
        return F.adaptive_avg_pool2d(a, layer.output_size)
    if isinstance(layer, Conv2d):
        return F.conv2d(a, tp[0], tp[1], stride=layer.stride, padding=layer.padding)
    if isinstance(layer, MaxPool2d):
        return F.max_pool2d(a, layer.kernel_size, layer.stride)
    if isinstance(layer, AvgPool2d):
        return F.avg_pool2d(a, layer.kernel_size, layer.stride)
    if isinstance(layer, Linear):
        return F.linear(a, tp[0], tp[1])
    if isinstance(layer, LeakyReLU):
        return F.leaky_relu(a, layer.negative_slope)
    if layer.type == "relu":
        return F.relu(a)
    if layer.type == "tanh":
        return torch.tanh(a)
    if layer.type == "sigmoid":
        return torch.sigmoid(a)
    if layer.type == "add":
        out = a[0]
        for other in a[1:]:
            out = out + other
        return out
    assert layer.type == "flatten", layer.type
    return torch.flatten(a, 1)


class TorchRun:
    """The scenario trained by PyTorch alone: its own parameters and optimizer state."""

    def __init__(self, scenario) -> None:
        self.scenario = scenario
        self.params = [
            None
            if p is None
            else (
                torch.tensor(p.weight, requires_grad=True),
                torch.tensor(p.bias, requires_grad=True),
            )
            for p in scenario.initial_params
        ]
        self.leaves = [t for tp in self.params if tp is not None for t in tp]
        self.optimizer = torch_optimizer(scenario.optimizer, self.leaves) if self.leaves else None
        self.running = [
            (torch.zeros(layer.num_features), torch.ones(layer.num_features))
            if isinstance(layer, BatchNorm2d)
            else None
            for layer in scenario.layers
        ]

    def iteration(self, x, y, masks):
        """``acts[i + 1]`` is layer i's output (``acts[0]`` the batch); ``reads[i]`` the views
        layer i read them through, whose ``.grad`` is its own share of a fork's gradient.
        ``masks[i]``: dropout layer i's mask of this iteration (stepcnn's)."""
        acts = [torch.tensor(x, requires_grad=True)]
        reads = []
        graph = self.scenario.topology
        for i, (layer, tp) in enumerate(zip(self.scenario.layers, self.params, strict=True)):
            views = [acts[j + 1].view_as(acts[j + 1]) for j in graph.inputs[i]]
            for v in views:
                v.retain_grad()
            reads.append(views)
            read = views if layer.type == "add" else views[0]
            out = torch_layer(layer, read, tp, masks[i], self.running[i])
            out.retain_grad()
            acts.append(out)
        for a in acts:
            a.retain_grad()
        if self.scenario.loss == "cross_entropy":
            loss = F.cross_entropy(acts[-1], torch.tensor(y, dtype=torch.long))
        else:
            loss = F.mse_loss(acts[-1], torch.tensor(y))
        if self.optimizer is not None:
            self.optimizer.zero_grad()
        loss.backward()
        before = [t.detach().clone() for t in self.leaves]
        grads = [t.grad.detach().clone() for t in self.leaves]
        if self.optimizer is not None:
            self.optimizer.step()
        velocity = [
            self.optimizer.state[t].get("momentum_buffer") if self.optimizer else None
            for t in self.leaves
        ]
        return acts, reads, before, grads, velocity, loss

    def state(self, leaf: int) -> dict:
        """The optimizer's state of one parameter tensor (torch's names)."""
        assert self.optimizer is not None
        return self.optimizer.state[self.leaves[leaf]]


def torch_optimizer(opt, leaves):
    if opt.name == "adam":
        return torch.optim.Adam(
            leaves,
            lr=opt.learning_rate,
            betas=opt.betas,
            eps=opt.eps,
            weight_decay=opt.weight_decay,
        )
    if opt.name == "rmsprop":
        return torch.optim.RMSprop(
            leaves,
            lr=opt.learning_rate,
            alpha=opt.alpha,
            eps=opt.eps,
            weight_decay=opt.weight_decay,
        )
    return torch.optim.SGD(
        leaves, lr=opt.learning_rate, momentum=opt.momentum, weight_decay=opt.weight_decay
    )


def check_state(where: str, lr, theirs: TorchRun, j: int, i: int) -> None:
    """Adam's m and v or RMSprop's s of W and b after the update, its step count, and a
    batchnorm layer's running statistics."""
    state = lr.opt_state_after
    if state is not None and "momentum_buffer" not in state.buffers:
        for name, pair in state.buffers.items():
            close(f"{where} {name} of W", pair.weight, theirs.state(j)[name])
            close(f"{where} {name} of b", pair.bias, theirs.state(j + 1)[name])
        if "step" in theirs.state(j):
            assert state.step == int(theirs.state(j)["step"]), (where, state.step)


def check_running(where: str, lr, running) -> None:
    if running is not None:
        close(f"{where} running_mean", lr.buffers_after["running_mean"], running[0])
        close(f"{where} running_var", lr.buffers_after["running_var"], running[1])


def check_update_steps(timeline, base: int, seg, lr, opt, theirs) -> None:
    """Each update step's operands: W, dW, λ·W, v before and after, W after, the bias."""
    w_before, b_before, w_grad, b_grad, w_after, b_after, v_before, v_after = theirs[:8]
    vb_before, vb_after = theirs[8:]
    for o in range(seg.count):
        ops = timeline[base + seg.start + o].operands
        where = f"{seg.op} L{seg.layer}[{o}]"
        close(f"{where} weight_before", ops["weight_before"], w_before[o])
        close(f"{where} grad_weight", ops["grad_weight"], w_grad[o])
        close(f"{where} weight_after", ops["weight_after"], w_after[o])
        close(
            f"{where} bias before/db/after",
            np.array([ops["bias_before"][0], ops["grad_bias"][0], ops["bias_after"][0]]),
            torch.stack([b_before[o], b_grad[o], b_after[o]]),
        )
        if opt.weight_decay:
            close(f"{where} decay", ops["decay"], opt.weight_decay * w_before[o])
        else:
            assert "decay" not in ops, where
        if opt.weight_decay:
            close(f"{where} bias_decay", ops["bias_decay"], opt.weight_decay * b_before[o : o + 1])
        if opt.momentum:
            close(f"{where} velocity_after", ops["velocity_after"], v_after[o])
            close(f"{where} bias_velocity_after", ops["bias_velocity_after"], vb_after[o : o + 1])
            if v_before is None:
                assert "velocity_before" not in ops, where
                assert "bias_velocity_before" not in ops, where
            else:
                close(f"{where} velocity_before", ops["velocity_before"], v_before[o])
                close(
                    f"{where} bias_velocity_before",
                    ops["bias_velocity_before"],
                    vb_before[o : o + 1],
                )
        else:
            assert "velocity_after" not in ops and "velocity_before" not in ops, where


def check_adaptive_steps(timeline, base: int, seg, opt, states) -> None:
    """Each Adam/RMSprop update step's state operands against torch's state after the step:
    m, v (and m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)) or s, of W and of b."""
    state_w, state_b = states
    names = {"m": "exp_avg", "v": "exp_avg_sq"} if opt.name == "adam" else {"s": "square_avg"}
    for o in range(seg.count):
        ops = timeline[base + seg.start + o].operands
        where = f"{seg.op} L{seg.layer}[{o}]"
        for short, name in names.items():
            close(f"{where} {short}_after", ops[f"{short}_after"], state_w[name][o])
            close(
                f"{where} bias_{short}_after", ops[f"bias_{short}_after"], state_b[name][o : o + 1]
            )
        if opt.name == "adam":
            t = int(state_w["step"])
            b1, b2 = opt.betas
            close(f"{where} m_hat", ops["m_hat"], state_w["exp_avg"][o] / (1 - b1**t))
            close(f"{where} v_hat", ops["v_hat"], state_w["exp_avg_sq"][o] / (1 - b2**t))


def check_scenario(text: str, used: Counter) -> int:
    scenario = parse_scenario(text)
    used.update(layer.type for layer in scenario.layers)
    used["fork"] += len(scenario.topology.forks)
    used["batch 2+ fork"] += bool(scenario.topology.forks) and scenario.batch_size > 1
    if scenario.topology.forks:  # the kinds of issue 20 in graphs
        used["fork with batchnorm2d"] += any(
            layer.type == "batchnorm2d" for layer in scenario.layers
        )
        used["fork with dropout"] += any(layer.type == "dropout" for layer in scenario.layers)
        used["fork with Adam/RMSprop"] += scenario.optimizer.name != "sgd"
    run = TrainingRun(scenario)
    timeline = Timeline(run)
    theirs = TorchRun(scenario)
    opt = scenario.optimizer
    checked = 0
    previous_velocity: list = [None] * len(theirs.leaves)
    for it in range(len(run)):
        rec = run.record(it)
        masks = [getattr(lr.cache, "mask", None) for lr in rec.layers]
        acts, reads, before, grads, velocity, loss = theirs.iteration(rec.x, rec.y, masks)
        assert abs(rec.loss - loss.item()) <= RTOL * abs(loss.item()) + ATOL, (
            rec.loss,
            loss.item(),
        )
        j = 0
        updates, adaptive = {}, {}
        for i, lr in enumerate(rec.layers):
            for slot, view in enumerate(reads[i]):
                close(f"it{it} layer{i} input {slot}", lr.inputs[slot], view)
                close(f"it{it} layer{i} grad_input {slot}", lr.grad_input, view.grad)
            close(f"it{it} layer{i} output", lr.output, acts[i + 1])
            close(f"it{it} layer{i} grad_output", lr.grad_output, acts[i + 1].grad)
            check_running(f"it{it} layer{i}", lr, theirs.running[i])
            if theirs.params[i] is not None:
                check_state(f"it{it} layer{i}", lr, theirs, j, i)
                w, b = theirs.params[i]
                close(f"it{it} layer{i} weight", lr.params.weight, before[j])
                close(f"it{it} layer{i} bias", lr.params.bias, before[j + 1])
                close(f"it{it} layer{i} grad_weight", lr.grads.weight, grads[j])
                close(f"it{it} layer{i} grad_bias", lr.grads.bias, grads[j + 1])
                close(f"it{it} layer{i} weight_after", lr.params_after.weight, w)
                close(f"it{it} layer{i} bias_after", lr.params_after.bias, b)
                if opt.momentum:
                    close(f"it{it} layer{i} velocity_w", lr.velocity_after.weight, velocity[j])
                    close(f"it{it} layer{i} velocity_b", lr.velocity_after.bias, velocity[j + 1])
                else:
                    assert lr.velocity_after is None and velocity[j] is None
                adaptive[i] = (theirs.state(j), theirs.state(j + 1)) if opt.keeps_state else None
                updates[i] = (
                    before[j],
                    before[j + 1],
                    grads[j],
                    grads[j + 1],
                    w,
                    b,
                    previous_velocity[j],
                    velocity[j],
                    previous_velocity[j + 1],
                    velocity[j + 1],
                )
                j += 2
        previous_velocity = [None if v is None else v.clone() for v in velocity]
        # Timeline: every forward/backward layer step's value, the step counts, the updates.
        base = it * timeline.per_iteration
        for seg in timeline.segments:
            if seg.layer is None or seg.kind == "flatten":
                continue
            if seg.phase == "update":
                check_update_steps(
                    timeline, base, seg, rec.layers[seg.layer], opt, updates[seg.layer]
                )
                if opt.name in ("adam", "rmsprop"):
                    check_adaptive_steps(timeline, base, seg, opt, adaptive[seg.layer])
                checked += seg.count
                continue
            expect = acts[seg.layer + 1] if seg.phase == "forward" else acts[seg.layer + 1].grad
            values = np.array([timeline[base + seg.start + q].value for q in range(seg.count)])
            close(f"it{it} {seg.op} L{seg.layer} step values", values, expect.reshape(-1))
            assert seg.count == expect.numel(), (seg.op, seg.count, expect.numel())
            checked += seg.count
    return checked


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    torch.set_default_dtype(torch.float64)
    rng = random.Random(12345)
    steps = 0
    used: Counter = Counter()
    optimizers: Counter = Counter()
    named: Counter = Counter()
    batches: Counter = Counter()
    for case in range(count):
        text = random_scenario(rng)
        try:
            steps += check_scenario(text, used)
        except Exception:
            print(f"case {case} failed; scenario:\n{text}")
            raise
        scenario = parse_scenario(text)
        optimizers[(scenario.momentum > 0, scenario.weight_decay > 0)] += 1
        named[scenario.optimizer.name] += 1
        batches[scenario.batch_size] += 1
    assert used["fork"] and used["batch 2+ fork"], "no fork drawn (batch ≥ 2): raise the count"
    for what in ("batchnorm2d", "dropout", "Adam/RMSprop"):
        assert used[f"fork with {what}"], f"no fork with {what} drawn: raise the count"
    missing = set(layer_kinds()) - set(used)
    assert not missing, f"no random scenario used {sorted(missing)}: raise the case count"
    assert len(optimizers) == 4, f"not every optimizer setting was drawn: {optimizers}"
    assert set(named) == {"sgd", "adam", "rmsprop"}, f"not every optimizer was drawn: {named}"
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(used.items()))
    print(
        f"torch parity: {count} random scenarios, {steps} step values checked, rtol {RTOL}; "
        f"layers used: {kinds}; with momentum {sum(n for (m, _), n in optimizers.items() if m)}, "
        f"with weight decay {sum(n for (_, d), n in optimizers.items() if d)}; "
        f"optimizers {dict(sorted(named.items()))}; batch sizes {dict(sorted(batches.items()))}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
