"""The optimizer in generated code: SGD, with momentum and weight decay as torch.optim.SGD."""

PYTHON = '''
def sgd_update(w, dw, lr):
    """sgd: w_new = w − lr · dw, element by element (any shape of nested lists)."""
    if isinstance(w, list):
        return [sgd_update(a, d, lr) for a, d in zip(w, dw)]
    return w - lr * dw


def sgd_momentum_update(w, dw, v, lr, momentum, weight_decay):
    """torch.optim.SGD(lr, momentum, weight_decay): g = dw + weight_decay · w;
    v_new = g at the first iteration (v is None), else momentum · v + g; w_new = w − lr · v_new.
    Returns (w_new, v_new)."""
    if isinstance(w, list):
        pairs = [
            sgd_momentum_update(a, d, None if v is None else u, lr, momentum, weight_decay)
            for a, d, u in zip(w, dw, v if v is not None else w)
        ]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    g = dw + weight_decay * w
    v_new = g if v is None else momentum * v + g
    return w - lr * v_new, v_new
'''

NUMPY = '''
def sgd_update(w, dw, lr):
    """sgd: w_new = w − lr · dw."""
    return w - lr * dw


def sgd_momentum_update(w, dw, v, lr, momentum, weight_decay):
    """torch.optim.SGD(lr, momentum, weight_decay): g = dw + weight_decay · w;
    v_new = g at the first iteration (v is None), else momentum · v + g; w_new = w − lr · v_new."""
    g = dw + weight_decay * w
    v_new = g if v is None else momentum * v + g
    return w - lr * v_new, v_new
'''

ADAM_PYTHON = '''
def adam_update(w, dw, state, t, lr, betas, eps, weight_decay):
    """torch.optim.Adam at step t (1 at the first): g = dw + weight_decay · w;
    m = β₁·m + (1 − β₁)·g;  v = β₂·v + (1 − β₂)·g²  (both 0 before the first step);
    w_new = w − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + eps).
    Returns (w_new, {"exp_avg": m, "exp_avg_sq": v})."""
    b1, b2 = betas
    c1, c2 = 1 - b1**t, 1 - b2**t
    if state is None:
        zero = elementwise(lambda v: 0.0, w)
        state = {"exp_avg": zero, "exp_avg_sq": zero}

    def one(wv, g, m, v):
        g = g + weight_decay * wv
        m = m + (1 - b1) * (g - m)
        v = v * b2 + (1 - b2) * (g * g)
        return wv - (lr / c1) * (m / (math.sqrt(v) / math.sqrt(c2) + eps)), m, v

    triples = elementwise(one, w, dw, state["exp_avg"], state["exp_avg_sq"])
    part = [elementwise(lambda r, k=k: r[k], triples) for k in range(3)]
    return part[0], {"exp_avg": part[1], "exp_avg_sq": part[2]}
'''

ADAM_NUMPY = '''
def adam_update(w, dw, state, t, lr, betas, eps, weight_decay):
    """torch.optim.Adam at step t: m, v the moments (0 before the first step), m/(1 − β₁ᵗ) and
    v/(1 − β₂ᵗ) their bias corrections. Returns (w_new, {"exp_avg": m, "exp_avg_sq": v})."""
    b1, b2 = betas
    c1, c2 = 1 - b1**t, 1 - b2**t
    m0 = np.zeros_like(w) if state is None else state["exp_avg"]
    v0 = np.zeros_like(w) if state is None else state["exp_avg_sq"]
    g = dw + weight_decay * w
    m = m0 + (1 - b1) * (g - m0)
    v = v0 * b2 + (1 - b2) * (g * g)
    w_new = w - (lr / c1) * (m / (np.sqrt(v) / math.sqrt(c2) + eps))
    return w_new, {"exp_avg": m, "exp_avg_sq": v}
'''

RMSPROP_PYTHON = '''
def rmsprop_update(w, dw, state, lr, alpha, eps, weight_decay):
    """torch.optim.RMSprop (no momentum, not centred): g = dw + weight_decay · w;
    s = α·s + (1 − α)·g² (0 before the first step); w_new = w − lr · g / (√s + eps).
    Returns (w_new, {"square_avg": s})."""
    if state is None:
        state = {"square_avg": elementwise(lambda v: 0.0, w)}

    def one(wv, g, s):
        g = g + weight_decay * wv
        s = s * alpha + (1 - alpha) * (g * g)
        return wv - lr * (g / (math.sqrt(s) + eps)), s

    pairs = elementwise(one, w, dw, state["square_avg"])
    return elementwise(lambda r: r[0], pairs), {"square_avg": elementwise(lambda r: r[1], pairs)}
'''

RMSPROP_NUMPY = '''
def rmsprop_update(w, dw, state, lr, alpha, eps, weight_decay):
    """torch.optim.RMSprop: s = α·s + (1 − α)·g², w_new = w − lr · g / (√s + eps).
    Returns (w_new, {"square_avg": s})."""
    s0 = np.zeros_like(w) if state is None else state["square_avg"]
    g = dw + weight_decay * w
    s = s0 * alpha + (1 - alpha) * (g * g)
    return w - lr * (g / (np.sqrt(s) + eps)), {"square_avg": s}
'''

EXTRA = {
    ("adam", "python"): ADAM_PYTHON,
    ("adam", "numpy"): ADAM_NUMPY,
    ("rmsprop", "python"): RMSPROP_PYTHON,
    ("rmsprop", "numpy"): RMSPROP_NUMPY,
}
"""The update functions of the optimizers other than SGD, by (optimizer, style)."""
