"""Operation kinds: a layer kind's ops live in its module of :mod:`stepcnn.timeline.kinds`
(keyed by the engine layer's ``type``); the loss's ops are here, keyed by the loss name."""

from stepcnn.engine.registry import kind_module
from stepcnn.timeline.ops.base import Op, OpContext, StepBody
from stepcnn.timeline.ops.loss import CrossEntropyForward, LossBackward, LossMean, MseForward

LOSS_OPS: dict[tuple[str, str], tuple[Op, ...]] = {
    ("cross_entropy", "forward"): (CrossEntropyForward(), LossMean("cross_entropy")),
    ("cross_entropy", "backward"): (LossBackward("cross_entropy"),),
    ("mse", "forward"): (MseForward(), LossMean("mse")),
    ("mse", "backward"): (LossBackward("mse"),),
}


def layer_ops(kind: str) -> dict[str, Op]:
    """``{phase: op}`` of a layer kind (no ``"update"`` for kinds without parameters)."""
    ops: dict[str, Op] = kind_module("stepcnn.timeline.kinds", kind).OPS
    return ops


def layer_op(kind: str, phase: str) -> Op | None:
    return layer_ops(kind).get(phase)


__all__ = ["LOSS_OPS", "Op", "OpContext", "StepBody", "layer_op", "layer_ops"]
