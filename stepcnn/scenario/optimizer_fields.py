"""The optimizer's fields: ``optimizer`` (``"sgd"``, ``"adam"`` or ``"rmsprop"``) and the
settings each takes — at the top level, and in ``[compare]``, the optimizer trained beside.

| optimizer | its fields (defaults as PyTorch's)                                   |
|-----------|----------------------------------------------------------------------|
| sgd       | learning_rate, momentum = 0, weight_decay = 0                        |
| adam      | learning_rate, betas = [0.9, 0.999], eps = 1e-8, weight_decay = 0     |
| rmsprop   | learning_rate, alpha = 0.99, eps = 1e-8, weight_decay = 0             |

A field of another optimizer is a problem (``betas`` with SGD would silently do nothing).
"""

from typing import Any, NamedTuple

from stepcnn.engine.optim import SGD, Adam, Optimizer, RMSprop
from stepcnn.scenario.errors import Problem
from stepcnn.scenario.fields import MISSING, Table, as_finite_float, describe

OPTIMIZERS = tuple(kind.name for kind in (SGD, Adam, RMSprop))
OWN_FIELDS = {"sgd": ("momentum",), "adam": ("betas", "eps"), "rmsprop": ("alpha", "eps")}
NAMES = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}


class OptimizerFields(NamedTuple):
    """What a table says: SGD's fields apart (the scenario keeps them), and the optimizer."""

    learning_rate: float | None
    momentum: float
    weight_decay: float
    optimizer: Optimizer | None  # None: a problem was recorded


def _unit_interval(table: Table, where: str, default: float, value: Any) -> float:
    """A number ``0 ≤ x < 1`` (β's, α), else ``default`` and the problem recorded."""
    number, problem = as_finite_float(value)
    if not problem and not 0 <= number < 1:
        problem = f"must be at least 0 and below 1, got {describe(value)}"
    if problem:
        table.problems.append(Problem(where, problem))
        return default
    return number


def _betas(table: Table) -> tuple[float, float]:
    value = table.raw("betas")
    default = Adam.betas
    if value is MISSING:
        return default
    if not isinstance(value, list) or len(value) != 2:
        table.error("betas", f"must be a list of two numbers [β₁, β₂], got {describe(value)}")
        return default
    where = table.where("betas")
    return (
        _unit_interval(table, f"{where}[0]", default[0], value[0]),
        _unit_interval(table, f"{where}[1]", default[1], value[1]),
    )


def _alpha(table: Table) -> float:
    value = table.raw("alpha")
    default = RMSprop.alpha
    if value is MISSING:
        return default
    return _unit_interval(table, table.where("alpha"), default, value)


def _name(table: Table) -> str:
    """The optimizer's name ("": a problem was recorded)."""
    value = table.raw("optimizer")
    if value is MISSING:
        return "sgd"
    if isinstance(value, str) and value.lower() in OPTIMIZERS:
        return value.lower()
    table.error("optimizer", f'must be "sgd", "adam" or "rmsprop", got {describe(value)}')
    return ""


def _foreign_fields(table: Table, name: str) -> None:
    """A problem for each field of another optimizer (it would silently do nothing)."""
    for key in sorted({k for keys in OWN_FIELDS.values() for k in keys}):
        if key in table.data and key not in OWN_FIELDS[name]:
            owner = "Adam’s and RMSprop’s" if key == "eps" else f"{NAMES[_owner(key)]}’s"
            table.error(
                key,
                f"is {owner} setting, not {NAMES[name]}’s: leave it out "
                f'or set optimizer = "{_owner(key)}"',
            )
        table.known.append(key)


def _owner(key: str) -> str:
    return next(name for name, keys in OWN_FIELDS.items() if key in keys)


def read_optimizer(table: Table, *, learning_rate: float | None = None) -> OptimizerFields:
    """The optimizer of ``table``; ``learning_rate`` is the default of a ``[compare]`` table
    (the top level requires its own)."""
    name = _name(table)
    lr = table.number("learning_rate", None, required=learning_rate is None, positive=True)
    if lr is None and "learning_rate" not in table.data:
        lr = learning_rate  # [compare]: the scenario's (the top level requires its own)
    weight_decay = table.number("weight_decay", 0.0)
    if weight_decay is not None and weight_decay < 0:
        table.error("weight_decay", f"must be 0 or more, got {describe(weight_decay)}")
        weight_decay = None
    momentum: float | None = 0.0
    optimizer: Optimizer | None = None
    if name:
        _foreign_fields(table, name)
    if name == "sgd":
        momentum = table.number("momentum", 0.0)
        if momentum is not None and not 0 <= momentum < 1:
            table.error("momentum", f"must be at least 0 and below 1, got {describe(momentum)}")
            momentum = None
        if lr is not None and momentum is not None and weight_decay is not None:
            optimizer = SGD(lr, momentum, weight_decay)
    elif name:
        eps = table.number("eps", (Adam if name == "adam" else RMSprop).eps, positive=True)
        if name == "adam":
            betas = _betas(table)
            if lr is not None and eps is not None and weight_decay is not None:
                optimizer = Adam(lr, betas, eps, weight_decay)
        else:
            alpha = _alpha(table)
            if lr is not None and eps is not None and weight_decay is not None:
                optimizer = RMSprop(lr, alpha, eps, weight_decay)
    return OptimizerFields(lr, momentum or 0.0, weight_decay or 0.0, optimizer)


def read_compare(table: Table | None, learning_rate: float | None) -> Optimizer | None:
    """``[compare]``: the optimizer whose loss curve is drawn beside the scenario's (the same
    network, data and initial parameters); its learning rate defaults to the scenario's."""
    if table is None or learning_rate is None:
        return None
    fields = read_optimizer(table, learning_rate=learning_rate)
    table.finish()
    return fields.optimizer
