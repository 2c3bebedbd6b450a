"""The numpy CNN engine: layers, losses and SGD, in float64, PyTorch conventions.

Every layer module offers a vectorised pair ``forward(...) -> (out, cache)`` /
``backward(dout, cache) -> (dx, dw, db)`` and, beside it, a naive loop form that reads
like the textbook definition. Tests prove the two equal.

Conventions (as PyTorch): activations are NCHW, convolution weights OIHW, linear weights
``[out_features][in_features]``; convolution is cross-correlation (no kernel flip);
flatten is C,H,W row-major. This package never imports the user interface.
"""

from stepcnn.engine.conv import conv2d_backward, conv2d_forward
from stepcnn.engine.flatten import flatten_backward, flatten_forward
from stepcnn.engine.linear import linear_backward, linear_forward
from stepcnn.engine.losses import cross_entropy, mse
from stepcnn.engine.optim import sgd_update
from stepcnn.engine.pool import maxpool2d_backward, maxpool2d_forward
from stepcnn.engine.relu import relu_backward, relu_forward
from stepcnn.engine.shapes import conv_output_size

__all__ = [
    "conv2d_backward",
    "conv2d_forward",
    "conv_output_size",
    "cross_entropy",
    "flatten_backward",
    "flatten_forward",
    "linear_backward",
    "linear_forward",
    "maxpool2d_backward",
    "maxpool2d_forward",
    "mse",
    "relu_backward",
    "relu_forward",
    "sgd_update",
]
