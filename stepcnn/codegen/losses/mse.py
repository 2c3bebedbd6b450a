"""``mse`` in generated code: the mean of the squared differences, and its gradient."""

NAME = "mse"
FUNCTION = "mse"
TARGETS = "targets"

PYTHON = '''
def mse(out, target):
    """mse: loss = (1/M) Σ (y − t)² over all M elements; dout = 2 (y − t) / M.

    out and target the same shape (nested lists) → (loss, dout shaped like out).
    """
    diffs = [y - t for y, t in zip(flat(out), flat(target))]
    m = len(diffs)
    # mse.forward: one squared difference per element; mse.mean: their mean
    loss = sum(d * d for d in diffs) / m
    # mse.backward: 2 (y − t) / M
    return loss, reshape_like([2.0 * d / m for d in diffs], out)
'''

NUMPY = '''
def mse(out, target):
    """mse: loss = (1/M) Σ (y − t)² over all M elements; dout = 2 (y − t) / M."""
    diff = out - target
    return float(np.mean(diff * diff)), 2.0 * diff / diff.size
'''

TORCH = "F.mse_loss(scores, torch.tensor(targets))"
