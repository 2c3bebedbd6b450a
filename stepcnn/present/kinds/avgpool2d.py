"""avgpool2d on screen: each window and its mean; backward, g/(kh·kw) to every window cell."""

from stepcnn.engine.kinds import avgpool2d as engine
from stepcnn.engine.kinds.avgpool2d import AvgPool2d
from stepcnn.present.canvas import Canvas
from stepcnn.present.kinds._window_mean import mean_backward, mean_forward
from stepcnn.present.parts import layer_spec

SHORT = "avg"


def _focus(cv: Canvas) -> tuple[int, int]:
    spec = layer_spec(cv)
    assert isinstance(spec, AvgPool2d)
    _, _, r, s = cv.step.index
    (kh, kw), (sh, sw) = spec.kernel_size, spec.stride
    return (r * sh + kh // 2, s * sw + kw // 2)


PANELS = {
    "forward": mean_forward(_focus, lambda cv: "window", "mean = Σ/{size} = {total}/{size}"),
    # "unlike max-pool" (that sends g to 1 cell): no longer than the title
    "backward": mean_backward(_focus, "unlike max-pool", "dx: shared by the whole window"),
}
NARRATION = {
    "forward": (
        "Average pooling replaces each window by the mean of its cells: out{index} = "
        "{value:.4g}. Every cell counts, not only the largest."
    ),
    "backward": (
        "Every cell of the window had the same share in the mean, so the gradient "
        "g = {value:.4g} is split evenly: each cell gets g/(kh·kw). Max pooling, in contrast, "
        "sends all of g to its one winner."
    ),
}
SOURCES = {
    "forward": (engine.avgpool2d_forward_naive, "out[n, c, r, s] = total"),
    "backward": (engine.avgpool2d_backward_naive, "+= g /"),
}
