"""RMSprop (``torch.optim.RMSprop``; no momentum, not centred).

For each parameter tensor ``W`` with gradient ``dW``:

    g  = dW + λ·W                    weight decay λ (0: none)
    s  = α·s + (1 − α)·g²            the running average of squared gradients (s = 0 at first)
    W ← W − η·g / (√s + ε)

Like Adam's ``v``, ``s`` gives each weight its own step size, but without a first moment and
without bias corrections: at the first step ``s = (1 − α)·g²`` is small, so the first steps
are large (``η/√(1 − α)`` ≈ 10·η for α = 0.99).
"""

from dataclasses import dataclass

import numpy as np

from stepcnn.engine.adaptive import AdaptiveOptimizer, TensorState
from stepcnn.engine.types import Array


@dataclass(frozen=True)
class RMSprop(AdaptiveOptimizer):
    """The optimizer's settings: learning rate η, smoothing α, ε, weight decay λ."""

    learning_rate: float
    alpha: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0.0
    name = "rmsprop"
    state_names = ("square_avg",)

    def describe(self) -> str:
        """``RMSprop (η = 0.01, α = 0.99, ε = 1e-08)`` — what ``check`` prints."""
        return self.named(
            "RMSprop", f"η = {self.learning_rate:g}, α = {self.alpha:g}, ε = {self.eps:g}"
        )

    def step(
        self, param: Array, grad: Array, state: TensorState | None, t: int
    ) -> tuple[Array, TensorState]:
        return rmsprop_step(param, grad, state, self)


def rmsprop_step(
    param: Array, grad: Array, state: TensorState | None, opt: RMSprop
) -> tuple[Array, TensorState]:
    """One RMSprop step on one tensor: ``(new W, {"square_avg": s})``."""
    g = grad + opt.weight_decay * param if opt.weight_decay else grad
    s0 = np.zeros_like(param) if state is None else state["square_avg"]
    s: Array = s0 * opt.alpha + (1 - opt.alpha) * (g * g)
    avg = np.sqrt(s) + opt.eps
    new: Array = param - opt.learning_rate * (g / avg)
    return new, {"square_avg": s}


def rmsprop_step_naive(
    param: Array, grad: Array, state: TensorState | None, opt: RMSprop
) -> tuple[Array, TensorState]:
    """Loop form of :func:`rmsprop_step`: one weight at a time."""
    new, s = param.copy(), np.zeros_like(param)
    for i, w in enumerate(param.flat):
        g = grad.flat[i] + opt.weight_decay * w
        s_old = 0.0 if state is None else state["square_avg"].flat[i]
        s.flat[i] = opt.alpha * s_old + (1 - opt.alpha) * g * g
        new.flat[i] = w - opt.learning_rate * g / (np.sqrt(s.flat[i]) + opt.eps)
    return new, {"square_avg": s}
