"""Operation kinds, keyed by layer type (or loss name) and phase."""

from stepcnn.timeline.ops.base import Op, OpContext, StepBody
from stepcnn.timeline.ops.conv import ConvBackward, ConvForward
from stepcnn.timeline.ops.elementwise import ReluBackward, ReluForward
from stepcnn.timeline.ops.flatten import FlattenBackward, FlattenForward
from stepcnn.timeline.ops.linear import LinearBackward, LinearForward
from stepcnn.timeline.ops.loss import CrossEntropyForward, LossBackward, LossMean, MseForward
from stepcnn.timeline.ops.pool import PoolBackward, PoolForward
from stepcnn.timeline.ops.update import ParamUpdate

LAYER_OPS: dict[tuple[str, str], Op] = {
    ("conv2d", "forward"): ConvForward(),
    ("conv2d", "backward"): ConvBackward(),
    ("conv2d", "update"): ParamUpdate("conv2d"),
    ("relu", "forward"): ReluForward(),
    ("relu", "backward"): ReluBackward(),
    ("maxpool2d", "forward"): PoolForward(),
    ("maxpool2d", "backward"): PoolBackward(),
    ("flatten", "forward"): FlattenForward(),
    ("flatten", "backward"): FlattenBackward(),
    ("linear", "forward"): LinearForward(),
    ("linear", "backward"): LinearBackward(),
    ("linear", "update"): ParamUpdate("linear"),
}
"""One op per (layer type, phase); layers without parameters have no update op."""

LOSS_OPS: dict[tuple[str, str], tuple[Op, ...]] = {
    ("cross_entropy", "forward"): (CrossEntropyForward(), LossMean("cross_entropy")),
    ("cross_entropy", "backward"): (LossBackward("cross_entropy"),),
    ("mse", "forward"): (MseForward(), LossMean("mse")),
    ("mse", "backward"): (LossBackward("mse"),),
}

__all__ = ["LAYER_OPS", "LOSS_OPS", "Op", "OpContext", "StepBody"]
