"""Output-size arithmetic shared by convolution and pooling."""

from stepcnn.engine.types import Pair


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Length of one spatial axis after a sliding window (floor mode, as PyTorch).

    ``out = floor((size + 2·padding − kernel) / stride) + 1``

    A result below 1 means the window does not fit; callers validate that.
    """
    return (size + 2 * padding - kernel) // stride + 1


def output_hw(h: int, w: int, kernel: Pair, stride: Pair, padding: Pair = (0, 0)) -> Pair:
    """``(H_out, W_out)`` for a window of ``kernel`` moved by ``stride`` over padded ``h×w``."""
    return (
        conv_output_size(h, kernel[0], stride[0], padding[0]),
        conv_output_size(w, kernel[1], stride[1], padding[1]),
    )
