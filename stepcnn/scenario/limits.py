"""Size limits, checked from the shapes before anything is allocated.

They keep a typo (``out_channels = 80000``) from freezing the machine; each is far above what a
teaching scenario needs.
"""

MAX_FILE_BYTES = 16 * 1024 * 1024
"""A scenario file larger than this is not read."""

MAX_PARAMETERS = 10_000_000
"""Weights and biases of all layers together."""

MAX_TENSOR_ELEMENTS = 10_000_000
"""Any one tensor for a whole batch: an input, a layer output or its gradient."""

MAX_ITERATIONS = 100_000
"""Training iterations in one session."""

MAX_SAMPLES = 10_000
"""Entries in ``[[samples]]``."""

MAX_BATCH_SIZE = 10_000
"""Samples in one batch (``batch_size``)."""

MAX_LAYERS = 1_000
"""Entries in ``[[layers]]``."""

MAX_ITERATION_BYTES = 256 * 1024**2
"""Estimated memory for every tensor of one iteration (training keeps a few iterations and
recomputes the others from checkpoints, so a run's memory does not grow with its length)."""

MAX_NESTING = 8
"""Depth of nested lists accepted for a tensor."""
