"""The new kinds on screen (issue 9): avgpool2d, tanh, sigmoid, leaky_relu panels at every
forward and backward step, the momentum / weight-decay update panels and narration.

Expected numbers come from the engine's records (or are worked out here from them), never from
the presenter.
"""

import numpy as np
import pytest
from test_present import fmt, paint, panels_at, shown, steps_of

from stepcnn.engine.kinds.avgpool2d import AvgPool2d
from stepcnn.present.cells import Mark
from stepcnn.present.numformat import shared
from stepcnn.present.scene import build_scene
from stepcnn.present.source import source_for
from stepcnn.session.session import Session
from stepcnn.timeline.load import parse_scenario

EVERY_KIND = """
title = "every kind"
seed = 5
learning_rate = 0.2
momentum = 0.9
weight_decay = 0.01
loss = "cross_entropy"
batch_size = 1
iterations = 2
[display]
precision = 4
[[samples]]
input = [[[0.9, -0.4, 0.3, 0.0, -1.2], [0.1, 0.7, -0.8, 1.1, 0.2], [-0.6, 0.4, 0.9, -0.2, 0.8],
          [0.3, -1.0, 0.2, 0.6, -0.5], [1.2, 0.0, -0.3, 0.4, 0.9]]]
label = 1
[[samples]]
input = [[[0.2, 0.1, -0.5, 0.8, 0.3], [0.6, -0.9, 0.4, 0.0, -0.2], [0.1, 0.3, 1.0, -0.4, 0.5],
          [-0.8, 0.2, 0.7, 0.9, -0.1], [0.5, -0.3, 0.2, 0.1, 0.6]]]
label = 0
[[layers]]
type = "conv2d"
out_channels = 2
kernel_size = 3
padding = 1
[[layers]]
type = "leaky_relu"
negative_slope = 0.1
[[layers]]
type = "batchnorm2d"
[[layers]]
type = "avgpool2d"
kernel_size = 3
stride = 2
[[layers]]
type = "sigmoid"
[[layers]]
type = "dropout"
p = 0.3
[[layers]]
type = "maxpool2d"
name = "pool"
kernel_size = 2
[[layers]]
type = "tanh"
name = "t"
[[layers]]
type = "add"
from = ["pool", "t"]
[[layers]]
type = "adaptive_avgpool2d"
output_size = 1
[[layers]]
type = "flatten"
[[layers]]
type = "relu"
[[layers]]
type = "linear"
out_features = 2
"""
# Shapes: 1×5×5 → conv 2×5×5 → (batchnorm) → avgpool 3/2: (5 − 3)/2 + 1 = 2 → 2×2×2 (windows
# overlap on row and column 2) → (dropout) → maxpool 2 → 2×1×1 → tanh, and add(pool, tanh) (a
# fork at the pool) → (adaptive 1) → flatten 2 → linear 2.

_SESSION: list[Session] = []


def session() -> Session:
    if not _SESSION:
        _SESSION.append(Session(parse_scenario(EVERY_KIND, "every-kind.toml")))
    return _SESSION[0]


NEW_KINDS = ("avgpool2d", "tanh", "sigmoid", "leaky_relu")


def layer_of(s: Session, kind: str) -> int:
    return next(i for i, layer in enumerate(s.scenario.layers) if layer.type == kind)


@pytest.mark.parametrize("kind", NEW_KINDS)
@pytest.mark.parametrize("phase", ["forward", "backward"])
def test_every_step_of_a_new_kind_builds_its_panels_with_the_engine_numbers(
    kind: str, phase: str
) -> None:
    s = session()
    layer = layer_of(s, kind)
    slope = 0.1
    for iteration in range(len(s.run)):
        lr = s.run.record(iteration).layers[layer]
        steps = list(steps_of(s, f"{kind}.{phase}", iteration))
        assert len(steps) == lr.output.size  # one step per output (gradient) element
        for step in steps:
            panels = panels_at(s, step.k)
            n, c, r, col = step.index
            if kind == "avgpool2d" and phase == "forward":
                (x,) = panels["input"].grids
                assert (x.text == fmt(lr.input[n, c], x)).all()
                window = np.zeros(lr.input.shape[2:], dtype=bool)
                window[2 * r : 2 * r + 3, 2 * col : 2 * col + 3] = True
                assert ((x.mark == Mark.READ) == window).all()
                (win,) = panels["window"].grids
                assert (shown(win) == fmt(lr.input[n, c][window].reshape(3, 3), win)).all()
                (out,) = panels["output"].grids
                assert shown(out)[r, col] == fmt(np.array(lr.output[step.index]), out)
            elif kind == "avgpool2d":
                g = lr.grad_output[step.index]
                (routed,) = panels["routed"].grids
                assert (shown(routed) == fmt(np.full((3, 3), g / 9), routed)).all()
                assert panels["routed"].title == "g/9 to every cell"
                (dx,) = panels["dx"].grids
                # dx as it stands after this step: g/9 from every window up to this one.
                upto = np.zeros_like(lr.grad_output)
                upto.reshape(-1)[: step.offset - steps[0].offset + 1] = 1
                expected = np.zeros(lr.input.shape[2:])
                for (rr, cc), gg in np.ndenumerate(lr.grad_output[n, c] * upto[n, c]):
                    expected[2 * rr : 2 * rr + 3, 2 * cc : 2 * cc + 3] += gg / 9
                assert (dx.text == fmt(expected, dx)).all()
            elif phase == "forward":
                assert set(panels) >= {"input", "output"}
                (out,) = panels["output"].grids
                assert shown(out)[r, col] == fmt(np.array(lr.output[step.index]), out)
                (x,) = panels["input"].grids
                assert shown(x)[r, col] == fmt(np.array(lr.input[step.index]), x)
            else:
                x, y, g = lr.input[step.index], lr.output[step.index], lr.grad_output[step.index]
                local = {
                    "tanh": 1 - y * y,
                    "sigmoid": y * (1 - y),
                    "leaky_relu": 1.0 if x > 0 else slope,
                }[kind]
                (f,) = panels["local"].grids
                assert shown(f).ravel()[0] == fmt(np.array(local), f)
                (dx,) = panels["dx"].grids
                assert shown(dx)[r, col] == fmt(np.array(g * local), dx)
                # tanh and sigmoid read f′ from the output y, leaky_relu from the input x.
                (read,) = panels["input"].grids
                source = lr.output if kind in ("tanh", "sigmoid") else lr.input
                assert shown(read)[r, col] == fmt(np.array(source[step.index]), read)


def test_update_panels_show_decay_and_velocity_with_momentum() -> None:
    s = session()
    p = s.scenario.display.precision
    mu, lam, eta = 0.9, 0.01, 0.2
    for iteration in range(len(s.run)):
        record = s.run.record(iteration)
        for op in ("conv2d.update", "linear.update"):
            for step in steps_of(s, op, iteration):
                (o,) = step.index
                assert step.layer is not None
                lr = record.layers[step.layer]
                assert lr.params and lr.grads and lr.params_after and lr.velocity_after
                panels = panels_at(s, step.k)
                w, dw = lr.params.weight[o], lr.grads.weight[o]
                v_before = None if lr.velocity is None else lr.velocity.weight[o]
                # torch.optim.SGD: v = g (first) or μ·v + g with g = dW + λ·W; W − η·v.
                v = dw + lam * w if v_before is None else mu * v_before + dw + lam * w
                np.testing.assert_allclose(lr.velocity_after.weight[o], v, rtol=1e-12)
                np.testing.assert_allclose(lr.params_after.weight[o], w - eta * v, rtol=1e-12)
                wanted = {"before": w, "grad": dw, "decay": lam * w, "v_after": v}
                wanted["after"] = w - eta * v
                if v_before is not None:
                    wanted["v_before"] = v_before
                assert ("v_before" in panels) == (iteration > 0)
                for key, array in wanted.items():
                    texts = [shown(grid) for grid in panels[key].grids]
                    chans = [array] if array.ndim == 1 else list(array[:3])
                    grid = panels[key].grids[0]
                    # one format for the panel; W before and after share theirs
                    pair = {"before": [wanted["after"]], "after": [w]}.get(key, [])
                    assert grid.fmt == shared(chans + pair, p, scaled=True), key
                    want = [fmt(a, grid) for a in chans]
                    assert [t.tolist() for t in texts] == [e.tolist() for e in want], key
                # The bias follows the same rule: b, db, λ·b, v before (not at the first), v, b new.
                b, db = lr.params.bias[o], lr.grads.bias[o]
                vb0 = None if lr.velocity is None else lr.velocity.bias[o]
                vb = db + lam * b if vb0 is None else mu * vb0 + db + lam * b
                bias = [b, db, lam * b, *([] if vb0 is None else [vb0]), vb, b - eta * vb]
                labels = ["b", "db", "λb", *([] if vb0 is None else ["v"]), "v new", "b new"]
                assert [g.label for g in panels["bias"].grids] == labels
                assert [shown(g).ravel()[0] for g in panels["bias"].grids] == fmt(
                    np.array(bias), panels["bias"].grids[0]
                ).tolist()
                title = panels["v_after"].title
                assert title == (f"v[{o}] = g (first)" if iteration == 0 else f"v[{o}] = μ·v + g")
                assert panels["after"].title == f"W[{o}] ← W − η·v"


def test_update_narration_says_how_the_optimizer_steps() -> None:
    s = session()
    step = next(steps_of(s, "conv2d.update"))
    s.goto(step.k)
    text = build_scene(s).narration
    assert "momentum μ = 0.9" in text and "λ = 0.01" in text
    assert "v = μ·v + dW + λ·W" in text and "W ← W − η·v" in text
    assert "η = 0.2" in text
    plain = Session(parse_scenario(EVERY_KIND.replace("momentum = 0.9\n", ""), "p.toml"))
    plain.goto(next(steps_of(plain, "linear.update")).k)
    text = build_scene(plain).narration
    assert "momentum" not in text and "W ← W − η·(dW + λ·W)" in text


@pytest.mark.parametrize(
    "op",
    [f"{k}.{phase}" for k in NEW_KINDS for phase in ("forward", "backward")] + ["conv2d.update"],
)
def test_new_kinds_paint_at_every_width_and_show_their_source(op: str) -> None:
    s = session()
    step = next(steps_of(s, op))
    s.goto(step.k)
    panels = build_scene(s).panels
    # (60, 11): the operation view of the smallest terminal the app draws (60×18; below it
    # the screen says how big it must be), where the app's layout must still place a panel
    for width, height in ((80, 14), (160, 36), (60, 11)):
        texts, placed = paint(panels, width, height)
        assert [len(t) for t in texts] == [width] * height
        assert placed
        for pl in placed:  # titles and captions whole, where the panel has its natural width
            if width == 160 and pl.panel.caption:
                assert f" {pl.panel.caption} " in texts[pl.y + pl.height - 1], pl.panel.caption
            if width == 160:
                assert f" {pl.panel.title} " in texts[pl.y], pl.panel.title
    code, line, where = source_for(op)
    working = code.splitlines()[line - 1]
    assert where.startswith("stepcnn.engine.")
    # The highlighted line is where the element is computed (or the weight stepped).
    assert ("new.flat[i] = w -" in working) if op == "conv2d.update" else ("=" in working)
    assert "def " not in working


def test_avgpool_geometry_of_the_scenario_is_the_one_worked_out() -> None:
    s = session()
    spec = s.scenario.layers[layer_of(s, "avgpool2d")]
    assert isinstance(spec, AvgPool2d) and spec.stride == (2, 2)
    assert s.scenario.shapes[layer_of(s, "avgpool2d") + 1] == (2, 2, 2)


def test_the_avgpool_backward_panel_does_not_read_as_a_max_pool() -> None:
    """Its g/4 panel was captioned "max-pool: 1 cell" — under an average pool, a learner
    reads that this layer sends g to one cell. The contrast is worded as one."""
    from stepcnn.present.scene import build_scene
    from stepcnn.session.session import Session
    from stepcnn.timeline.load import load_scenario

    s = Session(load_scenario("avg-vs-max"), iterations=1)
    seg = next(x for x in s.timeline.segments if x.kind == "avgpool2d" and x.phase == "backward")
    s.goto(seg.start)
    routed = next(p for p in build_scene(s).panels if p.key == "routed")
    assert not routed.caption.startswith("max-pool"), routed.caption
    assert "unlike max-pool" in routed.caption
    assert len(routed.caption) <= len(routed.title)  # never cut: no longer than the title
