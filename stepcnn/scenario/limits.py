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

MAX_TOML_NESTING = 100
"""Brackets and braces nested in a scenario's TOML text, checked before it is parsed. Python's
TOML parser recurses about twice per level and fails near 500 levels; up to 100 the document
is parsed and the field that nests too deep is named (a tensor by ``MAX_NESTING``)."""

MAX_RUN_STEPS = 10_000_000_000
"""Steps of a whole run (steps per iteration × iterations). A step costs the same at step 10⁹
as at step 10, but every command that goes through a run (``export``, ``trace``, a search)
does work in proportion: 10¹⁰ leaves room for LeNet-5 at the iteration limit (58,669 steps
× 100,000 iterations ≈ 5.9·10⁹) and for the 10⁹-step LeNet-5 benchmark, and refuses the
10¹¹-step runs that would not finish."""

MAX_RUN_FLOPS = 10**12
"""Floating-point operations of training a whole run, estimated from the shapes
(:func:`stepcnn.scenario.budget.iteration_flops`): forward, backward and update. Training
runs at about 3·10⁹ of them a second on LeNet-5 (2 ms an iteration on a 2-core machine),
so 10¹² is a few minutes: the 10⁹-step LeNet-5 benchmark (≈ 17,000 iterations × 5.5·10⁶)
needs a tenth of it, LeNet-5 at the iteration limit about half."""
