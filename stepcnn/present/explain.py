"""Built-in narration for every kind of step, used where a scenario gives none.

Written as narration templates (see stepcnn/scenario/placeholders.py), so they are filled
with the step's live values exactly like a teacher's text. A layer kind's texts live in its
module of :mod:`stepcnn.present.kinds`; the loss's are here.
"""

from stepcnn.present import kind_table

LOSS_TEXT: dict[str, str] = {
    "cross_entropy.forward": (
        "Softmax turns the scores into probabilities; the loss of a sample is −log of the "
        "probability given to its true class. L{index} = {value:.4f}."
    ),
    "mse.forward": "The squared difference between prediction and target: e{index} = {value:.4f}.",
    "cross_entropy.mean": (
        "The loss of the batch is the mean of the per-sample losses: L = {value:.4f}."
    ),
    "mse.mean": "The loss is the mean of all the squared differences: L = {value:.4f}.",
    "cross_entropy.backward": (
        "Backward starts here. For softmax + cross-entropy the gradient with respect to each "
        "score is simply (probability − one-hot) / N: dL/dz{index} = {value:.4f}."
    ),
    "mse.backward": "Backward starts here: dL/dy = 2(y − t)/M for each element: {value:.4f}.",
}

MOMENTUM_TEXT = (
    " With momentum μ = {momentum}, the step is not dW itself but the velocity v = μ·v + dW: "
    "it remembers the direction of earlier iterations and keeps rolling that way."
)


def default_text(kind: str, phase: str, op: str, is_loss: bool) -> str:
    """The built-in narration of a step."""
    if is_loss:
        return LOSS_TEXT[op]
    return kind_table.narration(kind, phase)
