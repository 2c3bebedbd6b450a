"""sigmoid on screen: ``1/(1 + e^−x)``; backward multiplies by ``y·(1 − y)``."""

from stepcnn.engine.kinds import sigmoid as engine
from stepcnn.present.elementwise import backward_panels, forward_panels

SHORT = "sigm"
PANELS = {
    "forward": forward_panels("output = σ(x) = 1/(1 + e^−x)"),
    "backward": backward_panels(
        "output y (f′ = y·(1 − y))", "y·(1 − y)", "dx = g·y·(1 − y)", reads_output=True
    ),
}
NARRATION = {
    "forward": "The sigmoid squashes any number into (0, 1): out{index} = {value:.4g}.",
    "backward": (
        "The local derivative of the sigmoid is y·(1 − y), at most 1/4: the gradient "
        "g = {value:.4g} is multiplied by it, so every sigmoid layer shrinks the error that "
        "travels back by at least four times."
    ),
}
SOURCES = {
    "forward": (engine.sigmoid_forward_naive, "y[i] = 1.0 /"),
    "backward": (engine.sigmoid_backward_naive, "dx[i] ="),
}
