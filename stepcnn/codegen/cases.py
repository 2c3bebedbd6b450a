"""What ``stepcnn verify`` calls: each graded function with the scenario's real tensors.

A case is one call: the function's name, its arguments (tagged: a tensor, integer labels, a
pair, a number), and per result the engine's value and the tensor the debugger writes it to
(to find the step where an element is computed).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from stepcnn.codegen import kinds, losses
from stepcnn.engine.network import IterationRecord, reads_many
from stepcnn.engine.types import Array
from stepcnn.timeline.step import TensorId
from stepcnn.timeline.training import TrainingRun

Arg = tuple[str, Any]


@dataclass(frozen=True)
class Result:
    name: str  # as the contract names it: out, dx, dw, db, loss, dscores, w_new
    expected: Any  # nested lists of floats, or a float
    tensor: TensorId  # where the debugger writes it
    # The size of the terms a gradient sums (its elements are also equal within 1e-12 of it):
    # a sum that cancels to rounding noise — the db of a conv right before batchnorm — is
    # noise in any order of additions.
    terms: float = 0.0


@dataclass(frozen=True)
class Case:
    function: str
    where: str  # "layer 0 (conv2d)", "the loss"
    args: tuple[Arg, ...]
    results: tuple[Result, ...]
    iteration: int = 0  # whose tensors (0-based): where the debugger computes them


def _t(array: Array) -> Arg:
    return ("tensor", array.astype(float).tolist())


def _largest(array: Array) -> float:
    """The largest finite magnitude in ``array`` (0 for none)."""
    finite = np.abs(array[np.isfinite(array)])
    return float(finite.max()) if finite.size else 0.0


def _geometry(values: tuple[object, ...]) -> tuple[Arg, ...]:
    return tuple(("pair", list(v)) if isinstance(v, tuple) else ("number", v) for v in values)


def contract(first: Sequence[str] = ()) -> list[str]:
    """Every graded function name: the layer kinds ``first`` (a network's, in order), then
    the others, the losses, ``sgd_update``."""
    names = []
    order = list(dict.fromkeys(first))
    for type_name in order + [n for n in kinds.names() if n not in order]:
        if kinds.kind(type_name).EXERCISE:
            names += [f"{type_name}_forward", f"{type_name}_backward"]
    names += [losses.loss(name).FUNCTION for name in losses.names()]
    return [*names, "sgd_update"]


def layer_cases(record: IterationRecord, run: TrainingRun, iteration: int = 0) -> list[Case]:
    layers = run.scenario.layers
    cases: list[Case] = []
    for i, layer in enumerate(layers):
        k = kinds.kind(layer.type)
        if not k.EXERCISE:
            continue
        lr = record.layers[i]
        geometry = _geometry(k.geometry(layer))
        if kinds.draws_mask(layer.type):  # dropout: the iteration's mask follows p
            geometry += (_t(lr.cache.mask),)
        where = f"layer {i} ({layer.type})" + (f", iteration {iteration + 1}" if iteration else "")
        x: Arg = _t(lr.input)
        sizes = [_largest(lr.input), *([] if lr.params is None else [_largest(lr.params.weight)])]
        terms = _largest(lr.grad_output) * max(1.0, *sizes)
        backward_results = [Result("dx", lr.grad_input.tolist(), TensorId(i, "grad_input"), terms)]
        if reads_many(layer):  # its inputs, a list; backward: one dx per input
            x = ("tensors", [a.astype(float).tolist() for a in lr.inputs])
            backward_results = [
                Result(f"dx{k + 1}", lr.grad_input.tolist(), TensorId(i, "grad_input"), terms)
                for k in range(len(lr.inputs))
            ]
        forward_args: tuple[Arg, ...] = (x,)
        backward_args: tuple[Arg, ...] = (_t(lr.grad_output), x)
        if k.HAS_PARAMS:
            assert lr.params is not None and lr.grads is not None
            forward_args += (_t(lr.params.weight), _t(lr.params.bias))
            backward_args += (_t(lr.params.weight),)
            backward_results += [
                Result("dw", lr.grads.weight.tolist(), TensorId(i, "grad_weight"), terms),
                Result("db", lr.grads.bias.tolist(), TensorId(i, "grad_bias"), terms),
            ]
        cases.append(
            Case(
                f"{layer.type}_forward",
                where,
                forward_args + geometry,
                (Result("out", lr.output.tolist(), TensorId(i, "output")),),
                iteration,
            )
        )
        cases.append(
            Case(
                f"{layer.type}_backward",
                where,
                backward_args + geometry,
                tuple(backward_results),
                iteration,
            )
        )
    return cases


def loss_case(record: IterationRecord, run: TrainingRun) -> Case:
    s = run.scenario
    fn = losses.loss(s.loss).FUNCTION
    targets: Arg = ("labels", record.y.tolist()) if s.loss == "cross_entropy" else _t(record.y)
    scores = record.scores
    return Case(
        fn,
        "the loss",
        (_t(scores), targets),
        (
            Result("loss", float(record.loss), TensorId(None, "loss")),
            Result("dscores", record.grad_scores.tolist(), TensorId(None, "grad_scores")),
        ),
    )


def update_cases(record: IterationRecord, run: TrainingRun) -> list[Case]:
    """``sgd_update`` on every weight and bias. At iteration 0 momentum changes nothing
    (v = g), so plain SGD is the engine's update unless there is weight decay."""
    if float(getattr(run.scenario, "weight_decay", 0.0)) != 0:
        return []
    if run.scenario.optimizer.name != "sgd":  # Adam, RMSprop: not sgd_update's numbers
        return []
    cases = []
    eta = run.scenario.learning_rate
    for i, lr in enumerate(record.layers):
        if lr.params is None or lr.grads is None or lr.params_after is None:
            continue
        for name, before, grad, after in (
            ("weight", lr.params.weight, lr.grads.weight, lr.params_after.weight),
            ("bias", lr.params.bias, lr.grads.bias, lr.params_after.bias),
        ):
            cases.append(
                Case(
                    "sgd_update",
                    f"layer {i} ({run.scenario.layers[i].type}) {name}",
                    (_t(before), _t(grad), ("number", eta)),
                    (Result("w_new", after.tolist(), TensorId(i, name)),),
                )
            )
    return cases


def all_cases(run: TrainingRun) -> list[Case]:
    """Iteration 0's cases: every layer, the loss, every parameter update; then the forward
    functions of the layers with parameters once more with iteration 1's (when the run has
    it): biases start at zero, so only updated ones show a forward pass that leaves them out."""
    record = run.record(0)
    cases = [*layer_cases(record, run), loss_case(record, run), *update_cases(record, run)]
    if len(run) > 1:
        again = layer_cases(run.record(1), run, iteration=1)
        trainable = {f"{x.type}_forward" for x in run.scenario.layers if x.trainable}
        cases += [c for c in again if c.function in trainable]
    return cases
