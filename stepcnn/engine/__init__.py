"""The numpy CNN engine: layers, losses and SGD, in float64, PyTorch conventions.

Every layer kind is one module of :mod:`stepcnn.engine.kinds`, named for its ``type``, with a
vectorised pair ``forward(...) -> (out, cache)`` / ``backward(dout, cache) -> (dx, dw, db)`` and,
beside it, a naive loop form that reads like the textbook definition. Tests prove the two equal.

Conventions (as PyTorch): activations are NCHW, convolution weights OIHW, linear weights
``[out_features][in_features]``; convolution is cross-correlation (no kernel flip);
flatten is C,H,W row-major.

The lowest layer: imports nothing of stepcnn but base; nothing here knows of a user interface.
"""

from stepcnn.engine.kinds.avgpool2d import avgpool2d_backward, avgpool2d_forward
from stepcnn.engine.kinds.conv2d import conv2d_backward, conv2d_forward
from stepcnn.engine.kinds.flatten import flatten_backward, flatten_forward
from stepcnn.engine.kinds.leaky_relu import leaky_relu_backward, leaky_relu_forward
from stepcnn.engine.kinds.linear import linear_backward, linear_forward
from stepcnn.engine.kinds.maxpool2d import maxpool2d_backward, maxpool2d_forward
from stepcnn.engine.kinds.relu import relu_backward, relu_forward
from stepcnn.engine.kinds.sigmoid import sigmoid_backward, sigmoid_forward
from stepcnn.engine.kinds.tanh import tanh_backward, tanh_forward
from stepcnn.engine.losses import cross_entropy, mse
from stepcnn.engine.optim import SGD, sgd_step, sgd_update
from stepcnn.engine.shapes import conv_output_size

__all__ = [
    "SGD",
    "avgpool2d_backward",
    "avgpool2d_forward",
    "conv2d_backward",
    "conv2d_forward",
    "conv_output_size",
    "cross_entropy",
    "flatten_backward",
    "flatten_forward",
    "leaky_relu_backward",
    "leaky_relu_forward",
    "linear_backward",
    "linear_forward",
    "maxpool2d_backward",
    "maxpool2d_forward",
    "mse",
    "relu_backward",
    "relu_forward",
    "sgd_step",
    "sgd_update",
    "sigmoid_backward",
    "sigmoid_forward",
    "tanh_backward",
    "tanh_forward",
]
