"""relu on screen: ``max(0, x)``; backward passes or blocks the gradient."""

from stepcnn.engine.kinds import relu as engine
from stepcnn.present.elementwise import backward_panels, forward_panels

SHORT = "relu"
PANELS = {
    "forward": forward_panels("output = max(0, x)"),
    "backward": backward_panels(
        "input x (passes where x > 0)", "[x > 0]", "dx = g·[x > 0]", reads_output=False
    ),
}
NARRATION = {
    "forward": "ReLU keeps positive numbers and turns the rest into 0: out{index} = {value:.4g}.",
    "backward": (
        "ReLU passes the gradient g = {value:.4g} where its input was positive and blocks it "
        "(0) where the input was 0 or negative."
    ),
}
SOURCES = {
    "forward": (engine.relu_forward_naive, "out[i] ="),
    "backward": (engine.relu_backward_naive, "dx[i] = dout[i]"),
}
