"""Update steps: one per conv2d filter, linear output neuron or batchnorm channel.

Adam and RMSprop have their parts in :mod:`stepcnn.timeline.ops.adaptive_update`; SGD's are here.

Plain SGD: ``W[o] ← W[o] − η·dW[o]``. With weight decay λ and momentum μ (as
``torch.optim.SGD``): ``g = dW[o] + λ·W[o]``, ``v[o] = μ·v[o] + g`` (``v = g`` at the first
iteration), ``W[o] ← W[o] − η·v[o]``.
"""

import numpy as np

from stepcnn.engine.layers import Layer, Params
from stepcnn.engine.types import Array
from stepcnn.timeline.numbers import num, paren
from stepcnn.timeline.ops.adaptive_update import ADAPTIVE_PARTS, constants
from stepcnn.timeline.ops.base import History, OpContext, StepBody, one_step
from stepcnn.timeline.step import Partial, Region, TensorId


def _rule(ctx: OpContext, o: int, first: bool) -> str:
    """The update rule of slice ``o``, in symbols."""
    opt = ctx.optimizer
    g = f"dW[{o}] + λ·W[{o}]" if opt.weight_decay else f"dW[{o}]"
    if not opt.keeps_velocity:
        return f"W[{o}] ← W[{o}] − η·({g})" if opt.weight_decay else f"W[{o}] ← W[{o}] − η·{g}"
    v = f"v[{o}] = {g}" if first else f"v[{o}] = μ·v[{o}] + {g}"
    return f"{v};  W[{o}] ← W[{o}] − η·v[{o}]"


def _example(
    ctx: OpContext, w0: float, g0: float, w1: float, v0: float | None, v1: float | None
) -> str:
    """One parameter's update with its numbers: ``v = μ·v + g + λ·w = …, w − η·v = w′``."""
    opt = ctx.optimizer
    eta, mu, lam = opt.learning_rate, opt.momentum, opt.weight_decay
    g_text = f"{paren(g0)} + {num(lam)}·{paren(w0)}" if lam else paren(g0)
    if opt.keeps_velocity:
        assert v1 is not None
        if v0 is None:
            v_text = f"v = {g_text} = {num(v1)}"
        else:
            v_text = f"v = {num(mu)}·{paren(v0)} + {g_text} = {num(v1)}"
        return f"{v_text}, {num(w0)} − {num(eta)}·{paren(v1)} = {num(w1)}"
    if lam:
        return f"{num(w0)} − {num(eta)}·({g_text}) = {num(w1)}"
    return f"{num(w0)} − {num(eta)}·{g_text} = {num(w1)}"


class ParamUpdate:
    """``layer.update``: slice ``o`` of the weight (a filter or a row) and bias ``o``."""

    phase = "update"
    has_values = False

    def __init__(self, kind: str) -> None:
        self.name = f"{kind}.update"

    def index_shape(
        self, spec: Layer | None, batch: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
    ) -> tuple[int, ...]:
        assert spec is not None
        shapes = spec.param_shapes()
        assert shapes is not None
        return (shapes[1][0],)

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return (TensorId(layer, "weight"), TensorId(layer, "bias"))

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        (o,) = index
        lr = ctx.lr
        before, grads, after = lr.params, lr.grads, lr.params_after
        assert before is not None and grads is not None and after is not None
        opt = ctx.optimizer
        eta, lam = opt.learning_rate, opt.weight_decay
        first = lr.velocity is None
        # The example is the weight whose step is largest (a zero gradient would show nothing):
        # the largest |v| with momentum, the largest actual step with Adam or RMSprop, else the
        # largest |dW + λ·W|.
        with np.errstate(invalid="ignore"):
            if lr.velocity_after is not None:
                stepped = lr.velocity_after.weight[o]
            elif opt.keeps_state:
                stepped = after.weight[o] - before.weight[o]
            else:
                stepped = grads.weight[o] + lam * before.weight[o] if lam else grads.weight[o]
            magnitude = np.nan_to_num(np.abs(stepped), nan=np.inf)
        cell = tuple(int(i) for i in np.unravel_index(int(np.argmax(magnitude)), magnitude.shape))
        w0, g0, w1 = (float(a[o][cell]) for a in (before.weight, grads.weight, after.weight))
        b0, gb, b1 = float(before.bias[o]), float(grads.bias[o]), float(after.bias[o])
        where = f"W[{o}][" + ",".join(str(i) for i in cell) + "]" if cell else f"W[{o}]"
        operands: dict[str, Array] = {
            "weight_before": before.weight[o],
            "grad_weight": grads.weight[o],
            "weight_after": after.weight[o],
            "bias_before": np.array([b0]),
            "grad_bias": np.array([gb]),
            "bias_after": np.array([b1]),
            "learning_rate": np.array([eta]),
        }
        if lam:
            operands["decay"] = lam * before.weight[o]
            operands["bias_decay"] = np.array([lam * b0])
        parts = ADAPTIVE_PARTS.get(opt.name)
        if parts is not None:
            rule, example, extra = parts(ctx, o, cell)
            operands |= extra
            equation = (
                f"{rule}  ({', '.join(constants(ctx))}; e.g. {where}: {example});  "
                f"b[{o}]: {num(b0)} → {num(b1)} (db = {num(gb)}, the same rule)"
            )
        else:
            equation = self._sgd_equation(ctx, o, cell, where, first, (w0, g0, w1), (b0, gb, b1))
        if opt.keeps_velocity:
            assert lr.velocity_after is not None
            if lr.velocity is not None:
                operands["velocity_before"] = lr.velocity.weight[o]
                operands["bias_velocity_before"] = lr.velocity.bias[o : o + 1]
            operands["velocity_after"] = lr.velocity_after.weight[o]
            operands["bias_velocity_after"] = lr.velocity_after.bias[o : o + 1]
        return StepBody(
            value=None,
            equation=equation,
            operands=operands,
            reads=(
                Region(ctx.tid("grad_weight"), (o,)),
                Region(ctx.tid("grad_bias"), (o,)),
            ),
            writes=(Region(ctx.tid("weight"), (o,)), Region(ctx.tid("bias"), (o,))),
        )

    def _sgd_equation(
        self,
        ctx: OpContext,
        o: int,
        cell: tuple[int, ...],
        where: str,
        first: bool,
        weight: tuple[float, float, float],
        bias: tuple[float, float, float],
    ) -> str:
        """SGD's rule with the numbers of ``W[o][cell]`` and of ``b[o]``."""
        lr, opt = ctx.lr, ctx.optimizer
        mu, lam = opt.momentum, opt.weight_decay
        (w0, g0, w1), (b0, gb, b1) = weight, bias
        shown = constants(ctx)  # η, μ, λ

        def velocity(v: Params | None, part: int, at: tuple[int, ...]) -> float | None:
            return None if v is None else float(v[part][at])

        example = _example(
            ctx,
            w0,
            g0,
            w1,
            velocity(lr.velocity, 0, (o, *cell)),
            velocity(lr.velocity_after, 0, (o, *cell)),
        )
        bias_example = _example(
            ctx, b0, gb, b1, velocity(lr.velocity, 1, (o,)), velocity(lr.velocity_after, 1, (o,))
        )
        bias_text = (
            f"b[{o}] (db = {num(gb)}): {bias_example}"
            if mu or lam  # the bias's step is not η·db: show it
            else f"b[{o}]: {num(b0)} → {num(b1)} (db = {num(gb)})"
        )
        return (
            f"{_rule(ctx, o, first)}  ({', '.join(shown)}; e.g. {where}: {example});  {bias_text}"
        )

    def values(self, ctx: OpContext) -> Array:
        assert ctx.lr.params is not None
        return np.full(ctx.lr.params.bias.shape[0], np.nan)

    def nonfinite(self, ctx: OpContext) -> np.ndarray:
        after = ctx.lr.params_after
        assert after is not None
        weights = np.isfinite(after.weight).reshape(after.weight.shape[0], -1).all(axis=1)
        return ~(weights & np.isfinite(after.bias))

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        before, after = ctx.lr.params, ctx.lr.params_after
        assert before is not None and after is not None
        rows = np.arange(before.bias.shape[0]) <= local
        shape = (-1,) + (1,) * (before.weight.ndim - 1)
        return {
            ctx.tid("weight"): Partial(np.where(rows.reshape(shape), after.weight, before.weight)),
            ctx.tid("bias"): Partial(np.where(rows, after.bias, before.bias)),
        }

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        after = ctx.lr.params_after
        assert after is not None
        if tensor == ctx.tid("weight"):
            return one_step(cell[0], float(after.weight[cell]))
        if tensor == ctx.tid("bias"):
            return one_step(cell[0], float(after.bias[cell]))
        return None
