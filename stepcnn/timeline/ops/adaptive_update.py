"""Adam and RMSprop update steps: one per conv2d filter, linear row or batchnorm channel, with
the optimizer's state (m, v and their bias corrections; RMSprop's s) beside W, dW and the new W.

Adam at step t: ``g = dW + λ·W``, ``m = β₁·m + (1 − β₁)·g``, ``v = β₂·v + (1 − β₂)·g²``,
``mˆ = m/(1 − β₁ᵗ)``, ``vˆ = v/(1 − β₂ᵗ)``, ``W ← W − η·mˆ/(√vˆ + ε)``. RMSprop:
``s = α·s + (1 − α)·g²``, ``W ← W − η·g/(√s + ε)``. The state before the first step is 0.
"""

import numpy as np

from stepcnn.engine.adam import Adam, corrections
from stepcnn.engine.network import LayerRecord
from stepcnn.engine.optim import SGD, OptState
from stepcnn.engine.rmsprop import RMSprop
from stepcnn.engine.types import Array
from stepcnn.timeline.numbers import num, paren
from stepcnn.timeline.ops.base import OpContext


def _buffer(state: OptState | None, name: str, part: int, at: tuple[int, ...]) -> Array:
    """One slice of a state buffer (zeros before the first step: PyTorch's start)."""
    if state is None:
        return np.zeros(())
    return np.asarray(state.buffers[name][part][at])


def _g_text(g0: float, w0: float, lam: float) -> str:
    return f"({paren(g0)} + {num(lam)}·{paren(w0)})" if lam else paren(g0)


def _weights_at(lr: LayerRecord, at: tuple[int, ...]) -> tuple[float, float, float, OptState]:
    """``W``, ``dW`` and the new ``W`` at ``at``, and the optimizer's state after the step."""
    before, grads, after = lr.params, lr.grads, lr.params_after
    assert before is not None and grads is not None and after is not None
    assert lr.opt_state_after is not None
    return (
        float(before.weight[at]),
        float(grads.weight[at]),
        float(after.weight[at]),
        lr.opt_state_after,
    )


def adam_parts(ctx: OpContext, o: int, cell: tuple[int, ...]) -> tuple[str, str, dict[str, Array]]:
    """Adam's rule, its worked example at ``W[o][cell]`` and its operands."""
    opt = ctx.optimizer
    assert isinstance(opt, Adam)
    lr = ctx.lr
    at = (o, *cell)
    w0, g0, w1, state = _weights_at(lr, at)
    t = state.step
    c1, c2 = corrections(opt, t)
    (b1, b2), lam = opt.betas, opt.weight_decay
    g = "(dW + λ·W)" if lam else "dW"
    rule = (
        f"Adam, t = {t}: m = β₁·m + (1 − β₁)·{g};  v = β₂·v + (1 − β₂)·{g}²;  "
        f"mˆ = m/(1 − β₁ᵗ);  vˆ = v/(1 − β₂ᵗ);  W[{o}] ← W[{o}] − η·mˆ/(√vˆ + ε)"
    )
    m0, v0 = (float(_buffer(lr.opt_state, n, 0, at)) for n in ("exp_avg", "exp_avg_sq"))
    m1, v1 = (float(_buffer(state, n, 0, at)) for n in ("exp_avg", "exp_avg_sq"))
    gt = _g_text(g0, w0, lam)
    example = (
        f"m = {num(b1)}·{paren(m0)} + {num(1 - b1)}·{gt} = {num(m1)}, "
        f"v = {num(b2)}·{paren(v0)} + {num(1 - b2)}·{gt}² = {num(v1)}, "
        f"mˆ = {num(m1)}/{num(c1)} = {num(m1 / c1)}, vˆ = {num(v1)}/{num(c2)} = {num(v1 / c2)}, "
        f"{num(w0)} − {num(opt.learning_rate)}·{paren(m1 / c1)}/(√{num(v1 / c2)} + "
        f"{num(opt.eps)}) = {num(w1)}"
    )
    operands: dict[str, Array] = {}
    for name, short in (("exp_avg", "m"), ("exp_avg_sq", "v")):
        if lr.opt_state is not None:
            operands[f"{short}_before"] = _buffer(lr.opt_state, name, 0, (o,))
        operands[f"{short}_after"] = _buffer(state, name, 0, (o,))
        operands[f"bias_{short}_after"] = _buffer(state, name, 1, (o,)).reshape(1)
    operands["m_hat"] = operands["m_after"] / c1
    operands["v_hat"] = operands["v_after"] / c2
    operands["corrections"] = np.array([c1, c2])
    return rule, example, operands


def rmsprop_parts(
    ctx: OpContext, o: int, cell: tuple[int, ...]
) -> tuple[str, str, dict[str, Array]]:
    """RMSprop's rule, its worked example at ``W[o][cell]`` and its operands."""
    opt = ctx.optimizer
    assert isinstance(opt, RMSprop)
    lr = ctx.lr
    at = (o, *cell)
    w0, g0, w1, state = _weights_at(lr, at)
    lam, alpha = opt.weight_decay, opt.alpha
    g = "(dW + λ·W)" if lam else "dW"
    rule = f"RMSprop: s = α·s + (1 − α)·{g}²;  W[{o}] ← W[{o}] − η·{g}/(√s + ε)"
    s0 = float(_buffer(lr.opt_state, "square_avg", 0, at))
    s1 = float(_buffer(state, "square_avg", 0, at))
    gt = _g_text(g0, w0, lam)
    example = (
        f"s = {num(alpha)}·{paren(s0)} + {num(1 - alpha)}·{gt}² = {num(s1)}, "
        f"{num(w0)} − {num(opt.learning_rate)}·{gt}/(√{num(s1)} + {num(opt.eps)}) = {num(w1)}"
    )
    operands: dict[str, Array] = {}
    if lr.opt_state is not None:
        operands["s_before"] = _buffer(lr.opt_state, "square_avg", 0, (o,))
    operands["s_after"] = _buffer(state, "square_avg", 0, (o,))
    operands["bias_s_after"] = _buffer(state, "square_avg", 1, (o,)).reshape(1)
    return rule, example, operands


ADAPTIVE_PARTS = {Adam.name: adam_parts, RMSprop.name: rmsprop_parts}
"""The rule, a worked example and the operands of each optimizer that keeps a state per
weight (SGD's are :class:`~stepcnn.timeline.ops.update.ParamUpdate`'s own)."""


def constants(ctx: OpContext) -> list[str]:
    """``η = 0.001, β = (0.9, 0.999), ε = 1e−08`` and λ where there is one."""
    opt = ctx.optimizer
    out = [f"η = {num(opt.learning_rate)}"]
    if isinstance(opt, SGD) and opt.momentum:
        out.append(f"μ = {num(opt.momentum)}")
    if isinstance(opt, Adam):
        out.append(f"β = ({num(opt.betas[0])}, {num(opt.betas[1])})")
    if isinstance(opt, RMSprop):
        out.append(f"α = {num(opt.alpha)}")
    if isinstance(opt, Adam | RMSprop):
        out.append(f"ε = {num(opt.eps)}")
    if opt.weight_decay:
        out.append(f"λ = {num(opt.weight_decay)}")
    return out
