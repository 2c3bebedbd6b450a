"""tanh on screen: ``tanh(x)``; backward multiplies by ``1 − y²`` computed from the output."""

from stepcnn.engine.kinds import tanh as engine
from stepcnn.present.elementwise import backward_panels, forward_panels

SHORT = "tanh"
PANELS = {
    "forward": forward_panels("output = tanh(x)"),
    "backward": backward_panels(
        "output y (f′ = 1 − y²)", "1 − y²", "dx = g·(1 − y²)", reads_output=True
    ),
}
NARRATION = {
    "forward": (
        "tanh squashes any number into (−1, 1), smoothly: out{index} = {value:.4g}. "
        "This is the activation LeNet-5 used."
    ),
    "backward": (
        "The local derivative of tanh is 1 − y², computed from the output y it kept: the "
        "gradient g = {value:.4g} is multiplied by it. Where |y| is near 1 the unit is "
        "saturated and almost nothing gets through."
    ),
}
SOURCES = {
    "forward": (engine.tanh_forward_naive, "y[i] ="),
    "backward": (engine.tanh_backward_naive, "dx[i] ="),
}
