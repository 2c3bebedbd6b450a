"""Adam (``torch.optim.Adam``; weight decay as an L2 term added to the gradient, not AdamW).

For each parameter tensor ``W`` with gradient ``dW``, at step ``t`` (1 at the first update):

    g  = dW + λ·W                      weight decay λ (0: none)
    m  = β₁·m + (1 − β₁)·g             first moment (m = 0 before the first step)
    v  = β₂·v + (1 − β₂)·g²            second moment (v = 0 before the first step)
    m̂  = m / (1 − β₁ᵗ)                 bias corrections: m and v start at 0, so early
    v̂  = v / (1 − β₂ᵗ)                 averages are too small without them
    W ← W − η·m̂ / (√v̂ + ε)

Each weight gets its own step size: ``η / (√v̂ + ε)`` is large where gradients have been small.
The arithmetic follows PyTorch's single-tensor code (``m`` by ``lerp``, ``√v / √(1 − β₂ᵗ)``),
so the numbers agree with it to the last bits or nearly so.
"""

import math
from dataclasses import dataclass

import numpy as np

from stepcnn.engine.adaptive import AdaptiveOptimizer, TensorState
from stepcnn.engine.types import Array


@dataclass(frozen=True)
class Adam(AdaptiveOptimizer):
    """The optimizer's settings: learning rate η, betas (β₁, β₂), ε, weight decay λ."""

    learning_rate: float
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    name = "adam"
    state_names = ("exp_avg", "exp_avg_sq")

    def describe(self) -> str:
        """``Adam (η = 0.001, β = (0.9, 0.999), ε = 1e-08)`` — what ``check`` prints."""
        b1, b2 = self.betas
        return self.named(
            "Adam", f"η = {self.learning_rate:g}, β = ({b1:g}, {b2:g}), ε = {self.eps:g}"
        )

    def step(
        self, param: Array, grad: Array, state: TensorState | None, t: int
    ) -> tuple[Array, TensorState]:
        return adam_step(param, grad, state, t, self)


def corrections(opt: Adam, t: int) -> tuple[float, float]:
    """The bias corrections ``(1 − β₁ᵗ, 1 − β₂ᵗ)`` of step ``t``."""
    b1, b2 = opt.betas
    return 1 - b1**t, 1 - b2**t


def adam_step(
    param: Array, grad: Array, state: TensorState | None, t: int, opt: Adam
) -> tuple[Array, TensorState]:
    """One Adam step on one tensor: ``(new W, {"exp_avg": m, "exp_avg_sq": v})``.

    ``state`` is the previous step's (``None`` at the first); ``t`` counts this step from 1.
    """
    b1, b2 = opt.betas
    g = grad + opt.weight_decay * param if opt.weight_decay else grad
    m0 = np.zeros_like(param) if state is None else state["exp_avg"]
    v0 = np.zeros_like(param) if state is None else state["exp_avg_sq"]
    # The same operations as written, each into the array the one before made (no temporaries).
    m: Array = g - m0
    m *= 1 - b1
    m += m0  # m0 + (1 − β₁)·(g − m0): torch's lerp(m, g, 1 − β₁) for a weight < 0.5
    v: Array = v0 * b2
    v += (1 - b2) * (g * g)
    c1, c2 = corrections(opt, t)
    step = np.sqrt(v)
    step /= math.sqrt(c2)
    step += opt.eps  # √v/√(1 − β₂ᵗ) + ε = √vˆ + ε
    np.divide(m, step, out=step)
    step *= opt.learning_rate / c1  # η·mˆ/(√vˆ + ε), mˆ = m/(1 − β₁ᵗ)
    new: Array = param - step
    return new, {"exp_avg": m, "exp_avg_sq": v}


def adam_step_naive(
    param: Array, grad: Array, state: TensorState | None, t: int, opt: Adam
) -> tuple[Array, TensorState]:
    """Loop form of :func:`adam_step`: one weight at a time, the formulas as written above."""
    b1, b2 = opt.betas
    new, m, v = param.copy(), np.zeros_like(param), np.zeros_like(param)
    for i, w in enumerate(param.flat):
        g = grad.flat[i] + opt.weight_decay * w
        m_old = 0.0 if state is None else state["exp_avg"].flat[i]
        v_old = 0.0 if state is None else state["exp_avg_sq"].flat[i]
        m.flat[i] = b1 * m_old + (1 - b1) * g
        v.flat[i] = b2 * v_old + (1 - b2) * g * g
        m_hat = m.flat[i] / (1 - b1**t)
        v_hat = v.flat[i] / (1 - b2**t)
        new.flat[i] = w - opt.learning_rate * m_hat / (math.sqrt(v_hat) + opt.eps)
    return new, {"exp_avg": m, "exp_avg_sq": v}
