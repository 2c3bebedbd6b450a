"""stepcnn: a terminal step-through debugger for convolutional neural networks."""

__version__ = "0.1.0"
