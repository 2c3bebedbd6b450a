"""leaky_relu on screen: ``x`` or ``slope·x``; backward lets ``slope·g`` through below 0."""

from stepcnn.engine.kinds import leaky_relu as engine
from stepcnn.present.elementwise import backward_panels, forward_panels

SHORT = "lrelu"
PANELS = {
    "forward": forward_panels("output = x if x > 0 else slope·x"),
    "backward": backward_panels(
        "input x (slope where x ≤ 0)", "1 or slope", "dx = g·(1 or slope)", reads_output=False
    ),
}
NARRATION = {
    "forward": (
        "Leaky ReLU keeps positive numbers and multiplies the rest by a small slope, so no unit "
        "is ever completely off: out{index} = {value:.4g}."
    ),
    "backward": (
        "The gradient g = {value:.4g} passes whole where the input was positive; where it was "
        "not, a small share (the slope) still gets through — a leaky ReLU cannot die."
    ),
}
SOURCES = {
    "forward": (engine.leaky_relu_forward_naive, "out[i] ="),
    "backward": (engine.leaky_relu_backward_naive, "dx[i] ="),
}
