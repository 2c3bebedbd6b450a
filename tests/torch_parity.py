"""Compare stepcnn with PyTorch on random architectures (not part of `make test`).

Run with `make parity`, which installs PyTorch (CPU) into its own virtualenv. For each random
scenario it checks, in float64 with rtol 1e-6:
  * every tensor of every iteration (input, output, grad_output, grad_input, weight, bias,
    grad_weight, grad_bias, weight_after, bias_after) and the loss, against autograd + SGD;
  * the timeline: each forward/backward step's value against the same tensors, and the number
    of steps per (phase, layer).
"""

import random
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stepcnn.engine.kinds.conv2d import Conv2d
from stepcnn.engine.kinds.linear import Linear
from stepcnn.engine.kinds.maxpool2d import MaxPool2d
from stepcnn.scenario import parse_scenario
from stepcnn.timeline import Timeline
from stepcnn.training import TrainingRun

RTOL, ATOL = 1e-6, 1e-9


def toml_list(a: np.ndarray) -> str:
    return repr(a.tolist())


def random_scenario(rng: random.Random) -> str:
    c, h, w = rng.randint(1, 3), rng.randint(4, 11), rng.randint(4, 11)
    loss = rng.choice(["cross_entropy", "mse"])
    layers: list[str] = []
    shape = (c, h, w)
    for _ in range(rng.randint(0, 3)):
        kind = rng.choice(["conv2d", "conv2d", "relu", "maxpool2d"])
        _, hh, ww = shape
        if kind == "conv2d":
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
        elif kind == "relu":
            layers.append('[[layers]]\ntype = "relu"\n')
        else:
            k = (rng.randint(1, min(3, hh)), rng.randint(1, min(3, ww)))
            s = (rng.randint(1, 3), rng.randint(1, 3))
            layers.append(
                f'[[layers]]\ntype = "maxpool2d"\nkernel_size = {list(k)}\nstride = {list(s)}\n'
            )
            shape = (shape[0], (hh - k[0]) // s[0] + 1, (ww - k[1]) // s[1] + 1)
    end_in_map = loss == "mse" and layers and rng.random() < 0.3
    if not end_in_map:
        layers.append('[[layers]]\ntype = "flatten"\n')
        for _ in range(rng.randint(1, 2)):
            if rng.random() < 0.5:
                layers.append('[[layers]]\ntype = "relu"\n')
            layers.append(f'[[layers]]\ntype = "linear"\nout_features = {rng.randint(2, 5)}\n')
    doc = [
        'title = "random"',
        f"seed = {rng.randint(0, 10_000)}",
        f"learning_rate = {rng.choice([0.01, 0.1, 0.5, 1.0])}",
        f'loss = "{loss}"',
        f"batch_size = {rng.randint(1, 3)}",
        f"iterations = {rng.randint(1, 3)}",
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
    out_shape = shapes_through(probe[0], (c, h, w))[-1]
    filled = []
    for part in text.split("[[samples]]\n")[1:]:
        sample = part.partition("\n")[0]
        if loss == "cross_entropy":
            filled.append(f"[[samples]]\n{sample}\nlabel = {rng.randrange(out_shape[0])}\n")
        else:
            t = np.round(nprng.normal(size=out_shape), 3)
            filled.append(f"[[samples]]\n{sample}\ntarget = {toml_list(t)}\n")
    return "\n".join(doc) + "\n" + "".join(filled) + "\n" + "\n".join(layers)


def parse_probe(text: str, loss: str) -> tuple:
    """Layers of a scenario text whose samples have no labels yet (shape inference only)."""
    import tomllib

    from stepcnn.scenario.errors import Problem
    from stepcnn.scenario.fields import Table
    from stepcnn.scenario.layer_schema import read_layers

    data = tomllib.loads(text)
    problems: list[Problem] = []
    x = np.array(data["samples"][0]["input"])
    tables = [Table(t, f"layers[{i}]", problems) for i, t in enumerate(data["layers"])]
    read = read_layers(tables, tuple(x.shape))
    assert read is not None, problems
    return (tuple(r.layer for r in read),)


def close(name: str, ours: np.ndarray, theirs: torch.Tensor) -> None:
    t = theirs.detach().numpy()
    if ours.shape != t.shape or not np.allclose(ours, t, rtol=RTOL, atol=ATOL, equal_nan=True):
        raise AssertionError(f"{name}: mismatch\nours={ours}\ntorch={t}")


def torch_iteration(scenario, params, x, y):
    layers = scenario.layers
    tparams = []
    for p in params:
        if p is None:
            tparams.append(None)
        else:
            tparams.append(
                (
                    torch.tensor(p.weight, requires_grad=True),
                    torch.tensor(p.bias, requires_grad=True),
                )
            )
    acts = [torch.tensor(x, requires_grad=True)]
    for layer, tp in zip(layers, tparams, strict=True):
        a = acts[-1]
        if isinstance(layer, Conv2d):
            out = F.conv2d(a, tp[0], tp[1], stride=layer.stride, padding=layer.padding)
        elif isinstance(layer, MaxPool2d):
            out = F.max_pool2d(a, layer.kernel_size, layer.stride)
        elif isinstance(layer, Linear):
            out = F.linear(a, tp[0], tp[1])
        elif layer.type == "relu":
            out = F.relu(a)
        else:
            out = torch.flatten(a, 1)
        out.retain_grad()
        acts.append(out)
    for a in acts:
        a.retain_grad()
    if scenario.loss == "cross_entropy":
        loss = F.cross_entropy(acts[-1], torch.tensor(y, dtype=torch.long))
    else:
        loss = F.mse_loss(acts[-1], torch.tensor(y))
    loss.backward()
    leaves = [t for tp in tparams if tp is not None for t in tp]
    before = [t.detach().clone() for t in leaves]
    if leaves:
        torch.optim.SGD(leaves, lr=scenario.learning_rate).step()
    return acts, tparams, before, loss


def check_scenario(text: str) -> int:
    scenario = parse_scenario(text)
    run = TrainingRun(scenario)
    timeline = Timeline(run)
    checked = 0
    for it in range(len(run)):
        rec = run.record(it)
        params = [lr.params for lr in rec.layers]
        acts, tparams, before, loss = torch_iteration(scenario, params, rec.x, rec.y)
        assert abs(rec.loss - loss.item()) <= RTOL * abs(loss.item()) + ATOL, (
            rec.loss,
            loss.item(),
        )
        j = 0
        for i, lr in enumerate(rec.layers):
            close(f"it{it} layer{i} input", lr.input, acts[i])
            close(f"it{it} layer{i} output", lr.output, acts[i + 1])
            close(f"it{it} layer{i} grad_output", lr.grad_output, acts[i + 1].grad)
            close(f"it{it} layer{i} grad_input", lr.grad_input, acts[i].grad)
            if tparams[i] is not None:
                w, b = tparams[i]
                close(f"it{it} layer{i} weight", lr.params.weight, before[j])
                close(f"it{it} layer{i} bias", lr.params.bias, before[j + 1])
                close(f"it{it} layer{i} grad_weight", lr.grads.weight, w.grad)
                close(f"it{it} layer{i} grad_bias", lr.grads.bias, b.grad)
                close(f"it{it} layer{i} weight_after", lr.params_after.weight, w)
                close(f"it{it} layer{i} bias_after", lr.params_after.bias, b)
                j += 2
        # Timeline: every forward/backward layer step's value, and the step counts.
        base = it * timeline.per_iteration
        for seg in timeline.segments:
            if seg.layer is None or seg.phase == "update" or seg.kind == "flatten":
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
    for case in range(count):
        text = random_scenario(rng)
        try:
            steps += check_scenario(text)
        except Exception:
            print(f"case {case} failed; scenario:\n{text}")
            raise
    print(f"torch parity: {count} random scenarios, {steps} step values checked, rtol {RTOL}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
