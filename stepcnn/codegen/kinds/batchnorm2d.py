"""``batchnorm2d`` in generated code: per channel μ, σ², x̂ and γx̂ + β; backward, the three
terms of dx; the running statistics after each forward (not graded)."""

from typing import Any

from stepcnn.codegen.guesses import Guesses

TYPE = "batchnorm2d"
HAS_PARAMS = True
EXERCISE = True
BUFFERS = ("running_mean", "running_var")

PYTHON = '''
def batchnorm2d_forward(x, w, b, eps):
    """batchnorm2d.forward (training mode), one output element per step:

        μ[c] = Σ x[n][c][i][j] / m,   σ²[c] = Σ (x − μ[c])² / m   (m = N·H·W, biased)
        out[n][c][i][j] = w[c] · (x[n][c][i][j] − μ[c]) / √(σ²[c] + eps) + b[c]

    x [N][C][H][W], w (γ) [C], b (β) [C] → out [N][C][H][W], as torch.nn.BatchNorm2d.
    """
    n_batch, channels, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    m = n_batch * h * wd
    out = zeros((n_batch, channels, h, wd))
    for c in range(channels):
        values = [x[n][c][i][j] for n in range(n_batch) for i in range(h) for j in range(wd)]
        mean = sum(values) / m
        var = sum((v - mean) * (v - mean) for v in values) / m
        inv_std = 1.0 / math.sqrt(var + eps)
        for n in range(n_batch):
            for i in range(h):
                for j in range(wd):
                    # batchnorm2d.forward: x̂ = (x − μ)/σ, out = γ·x̂ + β
                    x_hat = (x[n][c][i][j] - mean) * inv_std
                    out[n][c][i][j] = w[c] * x_hat + b[c]
    return out


def batchnorm2d_backward(dout, x, w, eps):
    """batchnorm2d.backward, one output-gradient element g per step, with the channel's
    x̂ and the sums db[c] = Σ g, dw[c] = Σ g·x̂:

        dx = w[c]/σ[c] · (g − db[c]/m − x̂ · dw[c]/m)      (the three terms)

    Returns (dx [N][C][H][W], dw [C], db [C]).
    """
    n_batch, channels, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    m = n_batch * h * wd
    cells = [(n, i, j) for n in range(n_batch) for i in range(h) for j in range(wd)]
    dx, dw, db = zeros((n_batch, channels, h, wd)), zeros((channels,)), zeros((channels,))
    for c in range(channels):
        mean = sum(x[n][c][i][j] for n, i, j in cells) / m
        var = sum((x[n][c][i][j] - mean) * (x[n][c][i][j] - mean) for n, i, j in cells) / m
        inv_std = 1.0 / math.sqrt(var + eps)
        x_hat = {(n, i, j): (x[n][c][i][j] - mean) * inv_std for n, i, j in cells}
        for n, i, j in cells:
            db[c] += dout[n][c][i][j]
            dw[c] += dout[n][c][i][j] * x_hat[n, i, j]
        for n, i, j in cells:
            # batchnorm2d.backward: g − mean(g) − x̂·mean(g·x̂), times γ/σ
            g = dout[n][c][i][j]
            dx[n][c][i][j] = w[c] * inv_std * (g - db[c] / m - x_hat[n, i, j] * dw[c] / m)
    return dx, dw, db


def _batchnorm2d_running(buffers, x, momentum):
    """The running statistics after a forward over x (from mean 0, variance 1), with the
    unbiased variance, as torch.nn.BatchNorm2d: r ← (1 − momentum)·r + momentum·stat."""
    n_batch, channels, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    m = n_batch * h * wd
    if buffers is None:
        buffers = {"running_mean": [0.0] * channels, "running_var": [1.0] * channels}
    new = {"running_mean": [], "running_var": []}
    for c in range(channels):
        values = [x[n][c][i][j] for n in range(n_batch) for i in range(h) for j in range(wd)]
        mean = sum(values) / m
        var = sum((v - mean) * (v - mean) for v in values) / m * (m / (m - 1))
        new["running_mean"].append((1 - momentum) * buffers["running_mean"][c] + momentum * mean)
        new["running_var"].append((1 - momentum) * buffers["running_var"][c] + momentum * var)
    return new
'''

NUMPY = '''
def batchnorm2d_forward(x, w, b, eps):
    """batchnorm2d.forward (training mode): per channel μ, σ² (biased) over (N, H, W),
    out = w[c]·(x − μ)/√(σ² + eps) + b[c]."""
    out = np.zeros_like(x)
    for c in range(x.shape[1]):
        mean = np.mean(x[:, c])
        var = np.mean((x[:, c] - mean) * (x[:, c] - mean))
        for (n, i, j), v in np.ndenumerate(x[:, c]):
            out[n, c, i, j] = w[c] * ((v - mean) / np.sqrt(var + eps)) + b[c]
    return out


def batchnorm2d_backward(dout, x, w, eps):
    """batchnorm2d.backward: dx = w[c]/σ·(g − db[c]/m − x̂·dw[c]/m), dw[c] = Σ g·x̂,
    db[c] = Σ g. Returns (dx, dw, db)."""
    dx, dw, db = np.zeros_like(x), np.zeros(x.shape[1]), np.zeros(x.shape[1])
    m = x.shape[0] * x.shape[2] * x.shape[3]
    for c in range(x.shape[1]):
        mean = np.mean(x[:, c])
        inv_std = 1.0 / np.sqrt(np.mean((x[:, c] - mean) * (x[:, c] - mean)) + eps)
        x_hat = (x[:, c] - mean) * inv_std
        db[c], dw[c] = np.sum(dout[:, c]), np.sum(dout[:, c] * x_hat)
        for (n, i, j), g in np.ndenumerate(dout[:, c]):
            dx[n, c, i, j] = w[c] * inv_std * (g - db[c] / m - x_hat[n, i, j] * dw[c] / m)
    return dx, dw, db


def _batchnorm2d_running(buffers, x, momentum):
    """The running statistics after a forward over x (unbiased variance), as PyTorch."""
    if buffers is None:
        buffers = {"running_mean": np.zeros(x.shape[1]), "running_var": np.ones(x.shape[1])}
    m = x.shape[0] * x.shape[2] * x.shape[3]
    mean = x.mean(axis=(0, 2, 3))
    var = ((x - mean[None, :, None, None]) ** 2).mean(axis=(0, 2, 3)) * (m / (m - 1))
    return {
        "running_mean": (1 - momentum) * buffers["running_mean"] + momentum * mean,
        "running_var": (1 - momentum) * buffers["running_var"] + momentum * var,
    }
'''


def geometry(layer: Any) -> tuple[object, ...]:
    """``eps``."""
    return (float(layer.eps),)


def buffers_call(layer: Any, i: int, x: str) -> str:
    """The line that updates layer ``i``'s running statistics after its forward over ``x``
    (the variable it read)."""
    return f"buffers[{i}] = _batchnorm2d_running(buffers[{i}], {x}, {float(layer.momentum)!r})"


def torch_module(layer: Any) -> str:
    return (
        f"nn.BatchNorm2d({layer.num_features}, eps={float(layer.eps)!r}, "
        f"momentum={float(layer.momentum)!r})"
    )


MISTAKES: dict[str, Guesses] = {}
"""No classic mistake of its own is recognised (see :mod:`stepcnn.codegen.mistakes`)."""
