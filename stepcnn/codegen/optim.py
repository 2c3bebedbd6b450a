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
