"""Built-in narration for every kind of step, used where a scenario gives none.

Written as narration templates (see stepcnn/scenario/placeholders.py), so they are filled
with the step's live values exactly like a teacher's text. A layer kind's texts live in its
module of :mod:`stepcnn.present.kinds`; the loss's are here.
"""

from stepcnn.engine.graph import FORK_OP
from stepcnn.engine.optim import Adam, Optimizer, RMSprop
from stepcnn.present import fork_panels, kind_table

LOSS_TEXT: dict[str, str] = {
    "cross_entropy.forward": (
        "Softmax turns the scores into probabilities; the loss of a sample is −log of the "
        "probability given to its true class. L{index} = {value:.4g}."
    ),
    "mse.forward": "The squared difference between prediction and target: e{index} = {value:.4g}.",
    "cross_entropy.mean": (
        "The loss of the batch is the mean of the per-sample losses: L = {value:.4g}."
    ),
    "mse.mean": "The loss is the mean of all the squared differences: L = {value:.4g}.",
    "cross_entropy.backward": (
        "Backward starts here. For softmax + cross-entropy the gradient with respect to each "
        "score is simply (probability − one-hot) / N: dL/dz{index} = {value:.4g}."
    ),
    "mse.backward": "Backward starts here: dL/dy = 2(y − t)/M for each element: {value:.4g}.",
}


def update_rule_text(optimizer: Optimizer) -> str:
    """What the optimizer does with the gradient, in words, with its own numbers (the layer
    kinds' update texts say what is updated; this says how)."""
    if isinstance(optimizer, Adam):
        return (
            f" Adam keeps two averages per weight: m of the gradient (β₁ = {optimizer.betas[0]:g})"
            f" and v of its square (β₂ = {optimizer.betas[1]:g}); corrected for their start at 0"
            " they are mˆ and vˆ, and the step is η·mˆ/(√vˆ + ε) — about η for every weight,"
            " whatever the size of its gradient."
        )
    if isinstance(optimizer, RMSprop):
        return (
            f" RMSprop keeps s, an average of the squared gradient (α = {optimizer.alpha:g}),"
            " and divides the step by √s: W ← W − η·g/(√s + ε)."
        )
    mu, lam = optimizer.momentum, optimizer.weight_decay
    g = "dW + λ·W" if lam else "dW"
    decay = (
        f" Weight decay λ = {lam:g} adds λ·W to the gradient, pulling every weight a little "
        "towards 0."
        if lam
        else ""
    )
    if not mu:
        return f" The step: W ← W − η·({g}).{decay}" if lam else " The step: W ← W − η·dW."
    return (
        f" With momentum μ = {mu:g} the step is not the gradient itself but the velocity "
        f"v = μ·v + {g} (v = {g} at the first iteration), W ← W − η·v: it remembers the "
        f"direction of earlier iterations and keeps rolling that way.{decay}"
    )


def default_text(
    kind: str, phase: str, op: str, is_loss: bool, optimizer: Optimizer | None = None
) -> str:
    """The built-in narration of a step (an update's says how ``optimizer`` steps)."""
    if is_loss:
        return LOSS_TEXT[op]
    if op == FORK_OP:
        return fork_panels.NARRATION
    text = kind_table.narration(kind, phase)
    if phase == "update" and optimizer is not None:
        text += update_rule_text(optimizer)
    return text
