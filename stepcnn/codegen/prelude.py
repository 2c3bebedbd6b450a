"""Small helpers every generated python-style script (and exercise skeleton) starts with."""

PYTHON = '''
def zeros(shape):
    """A nested list of zeros: zeros((2, 3)) == [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]."""
    if len(shape) == 1:
        return [0.0] * shape[0]
    return [zeros(shape[1:]) for _ in range(shape[0])]


def elementwise(fn, t, *others):
    """fn applied to every element of the nested list t (and the same cells of others)."""
    if isinstance(t, list):
        return [elementwise(fn, *cells) for cells in zip(t, *others)]
    return fn(t, *others)


def flat(t):
    """Every number of a nested list, in row-major order."""
    return [v for part in t for v in flat(part)] if isinstance(t, list) else [t]


def reshape_like(values, t):
    """The flat list values, nested the way t is."""
    it = iter(values)

    def build(u):
        return [build(part) for part in u] if isinstance(u, list) else next(it)

    return build(t)
'''
