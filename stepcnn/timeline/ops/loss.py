"""Loss steps: per-sample loss and the mean (forward), dL/d(output) element by element (backward).

Loss steps belong to no ``[[layers]]`` entry: their context has ``layer = None``.
"""

import numpy as np

from stepcnn.engine.layers import Layer
from stepcnn.engine.types import Array
from stepcnn.timeline.numbers import idx, num, paren
from stepcnn.timeline.ops.base import History, OpContext, StepBody, ValueOp, cell_step, one_step
from stepcnn.timeline.step import Partial, Region, TensorId

X = TensorId(None, "x")
Y = TensorId(None, "y")
PROBS = TensorId(None, "probs")
PER_SAMPLE = TensorId(None, "per_sample")
SQ_ERROR = TensorId(None, "sq_error")
LOSS = TensorId(None, "loss")
GRAD_SCORES = TensorId(None, "grad_scores")


def scores_id(ctx: OpContext) -> TensorId:
    """The network output the loss reads."""
    last = len(ctx.record.layers) - 1
    return TensorId(last, "output") if last >= 0 else X


def _history(
    tensor: TensorId, want: TensorId, values: Array, cell: tuple[int, ...], step_of_cell: int
) -> History | None:
    if tensor != want:
        return None
    return one_step(step_of_cell, float(values[cell]))


class _LossOp(ValueOp):
    phase = "forward"
    name = ""

    def index_shape(
        self, spec: Layer | None, batch: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
    ) -> tuple[int, ...]:
        return (batch, *out_shape)


class CrossEntropyForward(_LossOp):
    """One step per sample: softmax of its scores and ``−log p[label]``."""

    name = "cross_entropy.forward"

    def index_shape(
        self, spec: Layer | None, batch: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
    ) -> tuple[int, ...]:
        return (batch,)

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return (PROBS, PER_SAMPLE)

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        (n,) = index
        cache = ctx.record.loss_cache
        label = int(ctx.record.y[n])
        probs = cache.probs[n]
        value = float(cache.per_sample[n])
        onehot = np.zeros_like(probs)
        onehot[label] = 1.0
        return StepBody(
            value=value,
            equation=(
                f"L[{n}] = −log softmax(z[{n}])[{label}] = −log {num(float(probs[label]))}"
                f" = {num(value)}"
            ),
            operands={
                "scores": ctx.record.scores[n],
                "probs": probs,
                "onehot": onehot,
                "label": np.array([float(label)]),
            },
            reads=(Region(scores_id(ctx), (n,)), Region(Y, (n,))),
            writes=(Region(PROBS, (n,)), Region(PER_SAMPLE, (n,))),
        )

    def values(self, ctx: OpContext) -> Array:
        return np.asarray(ctx.record.loss_cache.per_sample)

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        cache = ctx.record.loss_cache
        rows = (np.arange(cache.probs.shape[0]) <= local)[:, None]
        return {
            PROBS: Partial(cache.probs, np.broadcast_to(rows, cache.probs.shape)),
            PER_SAMPLE: Partial.prefix(cache.per_sample, local),
        }

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        cache = ctx.record.loss_cache
        if tensor == PROBS:
            return one_step(cell[0], float(cache.probs[cell]))
        return _history(tensor, PER_SAMPLE, cache.per_sample, cell, cell[0])


class MseForward(_LossOp):
    """One step per output element: the squared difference to the target."""

    name = "mse.forward"

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return (SQ_ERROR,)

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        y = float(ctx.record.scores[index])
        t = float(ctx.record.y[index])
        d = float(ctx.record.loss_cache.diff[index])
        value = d * d
        return StepBody(
            value=value,
            equation=f"e{idx(index)} = (y − t)² = ({num(y)} − {paren(t)})² = {num(value)}",
            operands={"prediction": np.array([y]), "target": np.array([t])},
            reads=(Region(scores_id(ctx), index), Region(Y, index)),
            writes=(Region(SQ_ERROR, index),),
        )

    def values(self, ctx: OpContext) -> Array:
        diff = ctx.record.loss_cache.diff
        return np.asarray((diff * diff).ravel())

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        diff = ctx.record.loss_cache.diff
        return {SQ_ERROR: Partial.prefix(diff * diff, local)}

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        if tensor != SQ_ERROR:  # before ravel_multi_index: another tensor's cell may not fit
            return None
        diff = ctx.record.loss_cache.diff
        d = float(diff[cell])
        return one_step(int(np.ravel_multi_index(cell, diff.shape)), d * d)


class LossMean(_LossOp):
    """One step: the loss is the mean of the per-sample (or per-element) terms."""

    def __init__(self, loss: str) -> None:
        self.name = f"{loss}.mean"
        self.loss = loss

    def index_shape(
        self, spec: Layer | None, batch: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
    ) -> tuple[int, ...]:
        return ()

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return (LOSS,)

    def _terms(self, ctx: OpContext) -> Array:
        cache = ctx.record.loss_cache
        if self.loss == "cross_entropy":
            return np.asarray(cache.per_sample)
        return np.asarray((cache.diff * cache.diff).ravel())

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        terms = self._terms(ctx)
        value = ctx.record.loss
        shown = " + ".join(num(t) for t in terms[:6]) + (" + …" if terms.size > 6 else "")
        name = "L[n]" if self.loss == "cross_entropy" else "e[i]"
        return StepBody(
            value=value,
            equation=f"L = (1/{terms.size})·Σ {name} = ({shown})/{terms.size} = {num(value)}",
            operands={"terms": terms},
            reads=(
                Region(PER_SAMPLE if self.loss == "cross_entropy" else SQ_ERROR, (slice(None),)),
            ),
            writes=(Region(LOSS, ()),),
        )

    def values(self, ctx: OpContext) -> Array:
        return np.array([ctx.record.loss])

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        return {LOSS: Partial(np.array(ctx.record.loss))}

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        return one_step(0, ctx.record.loss) if tensor == LOSS else None


class LossBackward(_LossOp):
    """One step per element of the network output: dL/d(output)."""

    phase = "backward"

    def __init__(self, loss: str) -> None:
        self.name = f"{loss}.backward"
        self.loss = loss

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return (GRAD_SCORES,)

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody:
        record = ctx.record
        g = float(record.grad_scores[index])
        if self.loss == "cross_entropy":
            n, k = index
            p = float(record.loss_cache.probs[index])
            hot = 1 if int(record.y[n]) == k else 0
            batch = record.grad_scores.shape[0]
            equation = f"dL/dz{idx(index)} = (p − onehot)/N = ({num(p)} − {hot})/{batch} = {num(g)}"
            operands = {"probs": record.loss_cache.probs[n], "grad": np.array([g])}
        else:
            d = float(record.loss_cache.diff[index])
            size = record.grad_scores.size
            equation = f"dL/dy{idx(index)} = 2·(y − t)/M = 2·{paren(d)}/{size} = {num(g)}"
            operands = {"diff": np.array([d]), "grad": np.array([g])}
        return StepBody(
            value=g,
            equation=equation,
            operands=operands,
            reads=(Region(scores_id(ctx), index), Region(Y, index[:1])),
            writes=(Region(GRAD_SCORES, index),),
        )

    def values(self, ctx: OpContext) -> Array:
        return np.asarray(ctx.record.grad_scores.ravel())

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        return {GRAD_SCORES: Partial.prefix(ctx.record.grad_scores, local)}

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        if tensor != GRAD_SCORES:  # before ravel_multi_index: another tensor's cell may not fit
            return None
        g = ctx.record.grad_scores
        return cell_step(g, cell)
