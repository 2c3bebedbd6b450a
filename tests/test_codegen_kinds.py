"""Every engine layer kind and loss has a code generator, and each generated function is right.

The generated functions are checked without the engine where the engine may not have the kind
yet: python style against numpy style (written independently), backward against centred
finite differences of forward, and hand-computed cases.
"""

import math
import types

import numpy as np
import pytest

from stepcnn.codegen import kinds, losses, optim, prelude
from stepcnn.engine.network import LOSSES
from stepcnn.engine.registry import layer_kinds

ATTRIBUTES = ("TYPE", "HAS_PARAMS", "EXERCISE", "PYTHON", "NUMPY", "geometry", "torch_module")


def engine_kinds() -> list[str]:
    return sorted(layer_kinds())


def test_the_engine_has_kinds_to_check() -> None:
    assert {"conv2d", "relu", "maxpool2d", "flatten", "linear"} <= set(engine_kinds())


@pytest.mark.parametrize("type_name", engine_kinds())
def test_every_engine_kind_has_a_complete_code_generator(type_name: str) -> None:
    assert type_name in kinds.names()
    k = kinds.kind(type_name)
    for name in ATTRIBUTES:
        assert hasattr(k, name), f"stepcnn/codegen/kinds/{type_name}.py lacks {name}"
    assert type_name == k.TYPE
    for source in (k.PYTHON, k.NUMPY):
        assert f"def {type_name}_forward(" in source and f"def {type_name}_backward(" in source


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_engine_loss_has_a_code_generator(loss: str) -> None:
    module = losses.loss(loss)
    assert loss == module.NAME
    assert f"def {module.FUNCTION}(" in module.PYTHON and f"def {module.FUNCTION}(" in module.NUMPY


def test_an_unknown_kind_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        kinds.kind("softmax")


def namespace(style: str) -> types.SimpleNamespace:
    """Every generated function of one style, executed."""
    scope: dict[str, object] = {"math": math, "np": np}
    sources = [prelude.PYTHON] if style == "python" else []
    sources += [
        kinds.kind(n).PYTHON if style == "python" else kinds.kind(n).NUMPY for n in kinds.names()
    ]
    sources += [getattr(losses.loss(n), style.upper()) for n in losses.names()]
    sources.append(getattr(optim, style.upper()))
    for source in sources:
        exec(compile(source, f"<{style}>", "exec"), scope)
    return types.SimpleNamespace(**scope)


PY, NP = namespace("python"), namespace("numpy")

# Each kind: the geometry arguments, an input shape, and whether it has (w, b).
GEOMETRIES: dict[str, list[tuple[tuple[object, ...], tuple[int, ...], tuple[int, ...] | None]]] = {
    "conv2d": [
        (((1, 1), (0, 0)), (2, 2, 5, 4), (3, 2, 3, 2)),
        (((2, 1), (1, 2)), (1, 3, 6, 5), (2, 3, 2, 3)),
    ],
    "maxpool2d": [(((2, 2), (2, 2)), (2, 2, 5, 4), None), (((3, 2), (1, 2)), (1, 2, 6, 5), None)],
    "avgpool2d": [(((2, 2), (2, 2)), (2, 2, 5, 4), None), (((3, 2), (1, 2)), (1, 2, 6, 5), None)],
    "relu": [((), (2, 3, 4), None)],
    "leaky_relu": [((0.01,), (2, 3, 4), None), ((0.2,), (2, 5), None)],
    "tanh": [((), (2, 3, 4), None)],
    "sigmoid": [((), (2, 3, 4), None)],
    "flatten": [((), (2, 3, 2, 2), None)],
    "linear": [((), (3, 4), (2, 4))],
    "batchnorm2d": [((1e-5,), (2, 3, 2, 2), (3,)), ((1e-3,), (1, 2, 3, 1), (2,))],
    "adaptive_avgpool2d": [(((1, 1),), (2, 2, 5, 4), None), (((3, 2),), (1, 2, 5, 3), None)],
    "dropout": [  # p, and the iteration's mask (1: kept)
        ((0.5, np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 0.0]])), (2, 4), None),
        ((1.0, np.zeros((2, 3))), (2, 3), None),
    ],
    # add's x is its inputs, stacked: xs[0], xs[1], … (its backward: one dx per input)
    "add": [((), (2, 2, 3, 4), None), ((), (3, 2, 5), None)],
}


def test_every_kind_with_a_generator_has_test_geometries() -> None:
    assert set(GEOMETRIES) == set(kinds.names())


def cases():
    for name, geoms in GEOMETRIES.items():
        for i, g in enumerate(geoms):
            yield pytest.param(name, *g, id=f"{name}-{i}")


def forward(ns, name, x, params, geometry):
    fn = getattr(ns, f"{name}_forward")
    args = (x, *params) if params else (x,)
    return fn(*args, *geometry)


@pytest.mark.parametrize(("name", "geometry", "x_shape", "w_shape"), cases())
def test_python_style_equals_numpy_style(name, geometry, x_shape, w_shape) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=x_shape)
    params = () if w_shape is None else (rng.normal(size=w_shape), rng.normal(size=w_shape[0]))
    out_np = forward(NP, name, x, params, geometry)
    out_py = forward(PY, name, x.tolist(), tuple(p.tolist() for p in params), geometry)
    np.testing.assert_allclose(np.array(out_py), out_np, rtol=1e-12, atol=1e-14)
    dout = rng.normal(size=out_np.shape)
    back_np = getattr(NP, f"{name}_backward")(dout, x, *params[:1], *geometry)
    back_py = getattr(PY, f"{name}_backward")(
        dout.tolist(), x.tolist(), *(p.tolist() for p in params[:1]), *geometry
    )
    if w_shape is None:
        back_np, back_py = (back_np,), (back_py,)
    for a, b in zip(back_py, back_np, strict=True):
        np.testing.assert_allclose(np.array(a), b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("name", "geometry", "x_shape", "w_shape"), cases())
def test_backward_is_the_centred_finite_difference_of_forward(
    name, geometry, x_shape, w_shape
) -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(size=x_shape)
    params = [] if w_shape is None else [rng.normal(size=w_shape), rng.normal(size=w_shape[0])]
    dout = rng.normal(size=np.asarray(forward(NP, name, x, params, geometry)).shape)

    def objective(x_, params_) -> float:
        return float(np.sum(dout * forward(NP, name, x_, params_, geometry)))

    grads = getattr(NP, f"{name}_backward")(dout, x, *params[:1], *geometry)
    grads = grads if w_shape is not None else (grads,)
    tensors = [x, *params]
    h = 1e-6
    for t, g in zip(tensors, grads, strict=True):
        numeric = np.zeros_like(t)
        for i in np.ndindex(t.shape):
            keep = t[i]
            t[i] = keep + h
            up = objective(tensors[0], tensors[1:])
            t[i] = keep - h
            down = objective(tensors[0], tensors[1:])
            t[i] = keep
            numeric[i] = (up - down) / (2 * h)
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-7)


def test_hand_computed_pools_and_activations() -> None:
    x = [[[[1.0, 2.0], [3.0, 4.0]]]]
    assert PY.avgpool2d_forward(x, (2, 2), (2, 2)) == [[[[2.5]]]]
    assert PY.avgpool2d_backward([[[[1.0]]]], x, (2, 2), (2, 2)) == [[[[0.25, 0.25], [0.25, 0.25]]]]
    assert PY.maxpool2d_forward(x, (2, 2), (2, 2)) == [[[[4.0]]]]
    assert PY.maxpool2d_backward([[[[1.0]]]], x, (2, 2), (2, 2)) == [[[[0.0, 0.0], [0.0, 1.0]]]]
    # A tie goes to the first cell in row-major order.
    assert PY.maxpool2d_backward([[[[1.0]]]], [[[[5.0, 5.0], [0.0, 5.0]]]], (2, 2), (2, 2)) == [
        [[[1.0, 0.0], [0.0, 0.0]]]
    ]
    assert PY.leaky_relu_forward([-2.0, 3.0], 0.1) == [-0.2, 3.0]
    assert PY.leaky_relu_backward([1.0, 1.0], [-2.0, 3.0], 0.1) == [0.1, 1.0]
    assert PY.relu_backward([5.0, 5.0, 5.0], [-1.0, 0.0, 2.0]) == [0.0, 0.0, 5.0]
    assert PY.sigmoid_forward([0.0]) == [0.5]
    assert PY.sigmoid_backward([1.0], [0.0]) == [0.25]  # y(1 − y) at y = 1/2
    assert PY.tanh_backward([2.0], [0.0]) == [2.0]  # 1 − tanh(0)² = 1
    assert PY.sigmoid_forward([-1000.0, 1000.0]) == [0.0, 1.0]  # no overflow


def test_hand_computed_losses_and_updates() -> None:
    loss, d = PY.softmax_cross_entropy([[0.0, 0.0]], [1])
    assert loss == pytest.approx(math.log(2)) and d == [[0.5, -0.5]]
    loss, d = PY.mse([[1.0, 3.0]], [[0.0, 1.0]])
    assert loss == 2.5 and d == [[1.0, 2.0]]  # (1 + 4) / 2; 2·(y − t)/2
    assert PY.sgd_update([[1.0, 2.0]], [[10.0, -10.0]], 0.1) == [[0.0, 3.0]]
    # torch.optim.SGD(momentum=0.9, weight_decay=0.5): g = 1 + 0.5·2 = 2, v = g; then
    # g = 1 + 0.5·w1, v = 0.9·2 + g.
    w1, v1 = PY.sgd_momentum_update([2.0], [1.0], None, 0.1, 0.9, 0.5)
    assert w1 == [pytest.approx(1.8)] and v1 == [2.0]
    w2, v2 = PY.sgd_momentum_update(w1, [1.0], v1, 0.1, 0.9, 0.5)
    assert v2 == [pytest.approx(1.8 + 1.0 + 0.9)] and w2 == [pytest.approx(1.8 - 0.1 * 3.7)]
