"""The contract every operation kind fulfils, and the context it is given."""

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from stepcnn.engine.layers import Layer
from stepcnn.engine.network import IterationRecord, LayerRecord
from stepcnn.engine.optim import Optimizer
from stepcnn.engine.types import Array, IntArray
from stepcnn.timeline.step import Partial, Region, TensorId
from stepcnn.timeline.tensors import grad_output_id, input_id, input_ids


@dataclass(frozen=True)
class OpContext:
    """One segment of one iteration: the record, the layer and the optimizer."""

    record: IterationRecord
    layer: int | None
    spec: Layer | None
    optimizer: Optimizer
    layers: tuple[Layer, ...] = ()  # every layer's description (what a fork's steps name)

    @property
    def lr(self) -> LayerRecord:
        assert self.layer is not None
        return self.record.layers[self.layer]

    @property
    def cache(self) -> Any:
        return self.lr.cache

    @property
    def input_id(self) -> TensorId:
        assert self.layer is not None
        return input_id(self.layer, self.record.graph)

    @property
    def input_ids(self) -> tuple[TensorId, ...]:
        """Every tensor the layer reads (an add reads several)."""
        assert self.layer is not None
        return input_ids(self.layer, self.record.graph)

    @property
    def output_id(self) -> TensorId:
        return TensorId(self.layer, "output")

    @property
    def grad_output_id(self) -> TensorId:
        assert self.layer is not None
        return grad_output_id(self.layer, len(self.record.layers), self.record.graph)

    @property
    def grad_input_id(self) -> TensorId:
        return TensorId(self.layer, "grad_input")

    def tid(self, name: str) -> TensorId:
        return TensorId(self.layer, name)


@dataclass(frozen=True)
class StepBody:
    """The op-specific part of a :class:`~stepcnn.timeline.step.Step`."""

    value: float | None
    equation: str
    operands: dict[str, Array]
    reads: tuple[Region, ...]
    writes: tuple[Region, ...]


History = tuple[IntArray, Array]
"""Steps (local, ascending) that write a cell, and the cell's value after each."""


class Op(Protocol):
    """One kind of elementary step (``conv2d.forward``, ``relu.backward``, …)."""

    name: str
    phase: str
    has_values: bool

    def index_shape(
        self, spec: Layer | None, batch: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
    ) -> tuple[int, ...]:
        """The index space of the segment: one step per element, row-major."""
        ...

    def writes_tensors(self, ctx_layer: int | None) -> tuple[TensorId, ...]:
        """The tensors this op produces (its steps write them)."""
        ...

    def step(self, ctx: OpContext, index: tuple[int, ...]) -> StepBody: ...

    def values(self, ctx: OpContext) -> Array:
        """Every step's value in segment order (NaN where a step has none)."""
        ...

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        """The tensors this op writes, as they stand after step ``local`` of the segment."""
        ...

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        """Which steps write ``tensor[cell]`` and the value after each (None: never written)."""
        ...

    def nonfinite(self, ctx: OpContext) -> np.ndarray:
        """Per step: does it produce a NaN or an infinity?"""
        ...


class ValueOp:
    """Default for ops whose steps each have a value: non-finite means a non-finite value."""

    has_values = True

    def values(self, ctx: OpContext) -> Array:
        raise NotImplementedError

    def nonfinite(self, ctx: OpContext) -> np.ndarray:
        return ~np.isfinite(self.values(ctx))


class OutputForward(ValueOp):
    """Forward ops with one step per output element (row-major) that write only ``output``."""

    phase = "forward"

    def index_shape(
        self, spec: Layer | None, batch: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
    ) -> tuple[int, ...]:
        return (batch, *out_shape)

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return (TensorId(layer, "output"),)

    def values(self, ctx: OpContext) -> Array:
        return ctx.lr.output.ravel()

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        return {ctx.output_id: Partial.prefix(ctx.lr.output, local)}

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        if tensor != ctx.output_id:
            return None
        out = ctx.lr.output
        return cell_step(out, cell)


class GradientBackward(ValueOp):
    """Backward ops with one step per element of the output gradient (row-major)."""

    phase = "backward"

    def index_shape(
        self, spec: Layer | None, batch: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...]
    ) -> tuple[int, ...]:
        return (batch, *out_shape)

    def values(self, ctx: OpContext) -> Array:
        return ctx.lr.grad_output.ravel()


class InputGradientBackward(GradientBackward):
    """Backward ops of parameter-free kinds (activations, pooling): their steps write dx only."""

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return (TensorId(layer, "grad_input"),)


class CellwiseBackward(InputGradientBackward):
    """Backward ops whose step ``k`` writes dx's cell ``k`` alone (row-major: activations,
    ``add``): the partial dx is the prefix of the steps, a cell's history its one step."""

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        return {ctx.grad_input_id: Partial.prefix(ctx.lr.grad_input, local)}

    def cell_history(
        self, ctx: OpContext, tensor: TensorId, cell: tuple[int, ...]
    ) -> History | None:
        if tensor != ctx.grad_input_id:
            return None
        dx = ctx.lr.grad_input
        return cell_step(dx, cell)


class ParameterBackward(GradientBackward):
    """conv2d/linear backward: each step adds g·input into dW, g into db, g·W into dx."""

    def writes_tensors(self, layer: int | None) -> tuple[TensorId, ...]:
        return tuple(TensorId(layer, t) for t in ("grad_weight", "grad_bias", "grad_input"))

    def _engine_backward(self, dout: Array, cache: Any) -> tuple[Array, Array, Array]:
        """The kind's engine backward: ``(dx, dW, db)`` for the output gradient ``dout``."""
        raise NotImplementedError

    def _finite_inputs(self, cache: Any) -> bool:
        """Whether the input and the weights the backward multiplies are all finite."""
        raise NotImplementedError

    def _prefix_by_blocks(self, ctx: OpContext, local: int) -> tuple[Array, Array, Array]:
        """:meth:`_prefix` summed block by block (see :func:`prefix_blocks`): for inputs that
        hold an inf or a NaN."""
        raise NotImplementedError

    def _prefix(self, ctx: OpContext, local: int) -> tuple[Array, Array, Array]:
        """dx, dW, db once steps ``0…local`` of the segment have run (summed over the steps
        run only)."""
        cache, dout = ctx.cache, ctx.lr.grad_output
        if local >= dout.size - 1:
            return self._engine_backward(dout, cache)  # exactly the engine's gradients
        if self._finite_inputs(cache):
            # One pass with the later gradients zeroed: 0·x adds exactly nothing for finite x.
            masked = np.where(prefix_mask(dout.shape, local), dout, 0.0)
            return self._engine_backward(masked, cache)
        return self._prefix_by_blocks(ctx, local)

    def _body(
        self,
        ctx: OpContext,
        index: tuple[int, ...],
        equation: str,
        inputs: tuple[str, Array, tuple[Any, ...]],
        weights: tuple[str, Array, int],
        dw: tuple[Array, Array],
    ) -> StepBody:
        """The step of output-gradient element ``index``: ``inputs`` (operand name, what it
        reads, its region of the input) times g into dW, ``weights`` (operand name, slice,
        which slice) times g into dx, and dW before and after the step."""
        g = float(ctx.lr.grad_output[index])
        input_name, x, where = inputs
        weight_name, w, o = weights
        return StepBody(
            value=g,
            equation=equation,
            operands={
                "grad": np.array([g]),
                input_name: x,
                weight_name: w,
                "dw_contribution": g * x,
                "dx_contribution": g * w,
                "dw_before": dw[0],
                "dw_after": dw[1],
            },
            reads=(
                Region(ctx.grad_output_id, index),
                Region(ctx.input_id, where),
                Region(ctx.tid("weight"), (o,)),
            ),
            writes=(
                Region(ctx.tid("grad_weight"), (o,)),
                Region(ctx.tid("grad_bias"), (o,)),
                Region(ctx.grad_input_id, where),
            ),
        )

    def _term_bounds(self, ctx: OpContext) -> tuple[Array, Array]:
        """Largest |input| under each step and largest |W| of each slice, broadcastable
        against the output gradient."""
        raise NotImplementedError

    def partial(self, ctx: OpContext, local: int) -> dict[TensorId, Partial]:
        with np.errstate(all="ignore"):
            dx, dw, db = self._prefix(ctx, local)
        return {
            ctx.tid("grad_weight"): Partial(dw),
            ctx.tid("grad_bias"): Partial(db),
            ctx.grad_input_id: Partial(dx),
        }

    def nonfinite(self, ctx: OpContext) -> np.ndarray:
        """A step is non-finite if g is, or if g·input or g·W overflows or meets a NaN."""
        dout = ctx.lr.grad_output
        with np.errstate(all="ignore"):
            inputs, weights = self._term_bounds(ctx)
            bad = ~np.isfinite(dout) | ~np.isfinite(dout * inputs) | ~np.isfinite(dout * weights)
        return np.asarray(bad.ravel())


def prefix_mask(shape: tuple[int, ...], local: int) -> np.ndarray:
    """Row-major cells ``0…local`` of ``shape`` set."""
    return (np.arange(int(np.prod(shape))) <= local).reshape(shape)


def prefix_blocks(shape: tuple[int, ...], local: int) -> list[tuple[slice, ...]]:
    """Row-major cells ``0…local`` of ``shape`` as at most ``len(shape)`` rectangular blocks.

    Sums over a prefix of steps whose operands hold an inf or a NaN are taken block by block:
    over a zero-masked tensor, a masked-out 0 times inf would make NaN in cells no step has
    written yet.
    """
    if local < 0:
        return []
    index = np.unravel_index(local, shape)
    blocks = []
    for axis in range(len(shape)):
        stop = int(index[axis]) + (1 if axis == len(shape) - 1 else 0)
        if stop == 0:
            continue
        fixed = tuple(slice(int(i), int(i) + 1) for i in index[:axis])
        rest = tuple(slice(0, d) for d in shape[axis + 1 :])
        blocks.append((*fixed, slice(0, stop), *rest))
    return blocks


def cell_step(values: Array, cell: tuple[int, ...]) -> History:
    """The history of ``values[cell]`` when one step writes it whole: the step at the cell's
    row-major position, writing its value."""
    return one_step(int(np.ravel_multi_index(cell, values.shape)), float(values[cell]))


def one_step(local: int, value: float) -> History:
    return np.array([local], dtype=np.intp), np.array([value], dtype=np.float64)


NO_HISTORY: History = (np.zeros(0, dtype=np.intp), np.zeros(0))
