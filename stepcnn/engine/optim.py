"""The optimizers: SGD with momentum and weight decay (``torch.optim.SGD``, here), Adam and
RMSprop (:mod:`stepcnn.engine.adam`, :mod:`stepcnn.engine.rmsprop`), and the state they keep.

For each parameter tensor ``W`` with gradient ``dW`` (dampening 0, no Nesterov):

    g = dW + λ·W                  weight decay λ (L2 penalty λ/2·‖W‖²)
    v = g        (first iteration)
    v = μ·v + g  (later ones)     momentum μ: v is the velocity
    W ← W − η·v                   learning rate η

With μ = 0 and λ = 0 this is plain SGD, ``W ← W − η·dW``, and no velocity is kept. The update
never happens inside backward: training computes all gradients first, then applies this to every
parameter — biases included, as one PyTorch parameter group would.
"""

from dataclasses import dataclass
from typing import NamedTuple, TypeAlias

from stepcnn.engine.adam import Adam
from stepcnn.engine.adaptive import TensorState
from stepcnn.engine.layers import Params
from stepcnn.engine.rmsprop import RMSprop
from stepcnn.engine.types import Array

__all__ = [
    "SGD",
    "Adam",
    "OptState",
    "Optimizer",
    "RMSprop",
    "TensorState",
    "sgd_step",
    "sgd_step_naive",
    "sgd_update",
]


@dataclass(frozen=True)
class SGD:
    """The optimizer's settings: learning rate η, momentum μ, weight decay λ."""

    learning_rate: float
    momentum: float = 0.0
    weight_decay: float = 0.0
    name = "sgd"
    state_names = ("momentum_buffer",)

    @property
    def keeps_velocity(self) -> bool:
        return self.momentum != 0.0

    @property
    def keeps_state(self) -> bool:
        """Whether an update leaves state for the next one (the velocity, with momentum)."""
        return self.keeps_velocity

    def step(
        self, param: Array, grad: Array, state: TensorState | None, t: int
    ) -> tuple[Array, TensorState | None]:
        """:func:`sgd_step` with the velocity as PyTorch names it (``t`` is not used)."""
        new, v = sgd_step(param, grad, None if state is None else state["momentum_buffer"], self)
        return new, None if v is None else {"momentum_buffer": v}

    def describe(self) -> str:
        """``SGD (η = 0.1, momentum 0.9, weight decay 0.0005)`` — what ``check`` prints."""
        extras = []
        if self.momentum:
            extras.append(f"momentum {self.momentum:g}")
        if self.weight_decay:
            extras.append(f"weight decay {self.weight_decay:g}")
        tail = ", ".join([f"η = {self.learning_rate:g}", *extras])
        return f"SGD ({tail})"


def sgd_update(param: Array, grad: Array, learning_rate: float) -> Array:
    """Plain SGD, ``param ← param − learning_rate · grad``, returned as a new array.

    Computed as ``(−learning_rate · grad) + param`` in one new array (the same floats: IEEE
    negation is exact), without a second temporary.
    """
    result: Array = grad * -learning_rate
    result += param
    return result


def sgd_step(
    param: Array, grad: Array, velocity: Array | None, opt: SGD
) -> tuple[Array, Array | None]:
    """One step of :class:`SGD` on one tensor: ``(new param, new velocity)``.

    ``velocity`` is the previous iteration's (``None`` at the first iteration); the new velocity
    is ``None`` when momentum is 0.
    """
    g = grad + opt.weight_decay * param if opt.weight_decay else grad
    if not opt.keeps_velocity:
        return sgd_update(param, g, opt.learning_rate), None
    if velocity is None:
        v: Array = g.copy()
    else:
        v = velocity * opt.momentum
        v += g  # μ·v + g, in the one new array
    return sgd_update(param, v, opt.learning_rate), v


def sgd_step_naive(
    param: Array, grad: Array, velocity: Array | None, opt: SGD
) -> tuple[Array, Array | None]:
    """Loop form of :func:`sgd_step`: one weight at a time."""
    new = param.copy()
    v_new = None if not opt.keeps_velocity else param * 0.0
    for i, w in enumerate(param.flat):
        g = grad.flat[i] + opt.weight_decay * w
        if v_new is not None:
            v = g if velocity is None else opt.momentum * velocity.flat[i] + g
            v_new.flat[i] = v
            g = v
        new.flat[i] = w - opt.learning_rate * g
    return new, v_new


Optimizer: TypeAlias = SGD | Adam | RMSprop
"""Every optimizer a scenario can name; each has ``name``, ``state_names``, ``keeps_state``,
``describe()`` and ``step(param, grad, state, t) -> (new param, new state)``."""


class OptState(NamedTuple):
    """One layer's optimizer state after ``step`` updates: ``{name: Params(weight's, bias's)}``
    (e.g. ``{"exp_avg": …, "exp_avg_sq": …}``). ``step`` is Adam's ``t``."""

    step: int
    buffers: dict[str, Params]
