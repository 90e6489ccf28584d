"""Bad input gets a clear error naming the argument and shape; dtypes are kept;
sigmoid and softmax are stable."""

import re
import warnings

import numpy as np
import pytest

from rnnlab import GRU, LSTM, RNN, Bidirectional, Linear, Stacked, mse, sigmoid, softmax
from rnnlab import softmax_cross_entropy as sce

from layer_configs import CONFIGS, random_state


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_wrong_rank_names_argument_and_shape(rng):
    layer = RNN(3, 4, rng=rng)
    with pytest.raises(ValueError, match=re.escape("X must have shape (T, B, D=3); got (5, 3)")):
        layer.forward(np.zeros((5, 3)))


def test_wrong_input_size(rng):
    with pytest.raises(ValueError, match=re.escape("X must have shape (T, B, D=3); got (5, 2, 4)")):
        LSTM(3, 4, rng=rng).forward(np.zeros((5, 2, 4)))


def test_empty_sequence(rng):
    with pytest.raises(ValueError, match="X must have shape"):
        GRU(3, 4, rng=rng).forward(np.zeros((0, 2, 3)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input(rng, bad):
    X = np.zeros((5, 2, 3))
    X[2, 1, 0] = bad
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        RNN(3, 4, rng=rng).forward(X)


def test_state_shape_and_form(rng):
    with pytest.raises(ValueError, match=re.escape("state must have shape (B=2, H=4); got (3, 4)")):
        RNN(3, 4, rng=rng).forward(np.zeros((5, 2, 3)), np.zeros((3, 4)))
    with pytest.raises(TypeError, match=re.escape("state must be None or the pair (h0, c0)")):
        LSTM(3, 4, rng=rng).forward(np.zeros((5, 2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=re.escape("state[1] (c0) must have shape (B=2, H=4)")):
        LSTM(3, 4, rng=rng).forward(np.zeros((5, 2, 3)), (np.zeros((2, 4)), np.zeros((2, 5))))
    with pytest.raises(TypeError, match="list of 2 per-layer states"):
        Stacked([RNN(3, 4, rng=rng), RNN(4, 4, rng=rng)]).forward(np.zeros((5, 2, 3)),
                                                                 np.zeros((2, 4)))


def test_dH_shape(rng):
    layer = GRU(3, 4, rng=rng)
    H, cache = layer.forward(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match=re.escape("dH must have shape (T=5, B=2, H=4)")):
        layer.backward(np.zeros((5, 4)), cache)


@pytest.mark.parametrize("kwargs,exc,msg", [
    (dict(input_size=0, hidden_size=4), ValueError, "input_size must be a positive int; got 0"),
    (dict(input_size=3, hidden_size=-2), ValueError, "hidden_size must be a positive int"),
    (dict(input_size=3.5, hidden_size=4), TypeError, "input_size must be a positive int"),
])
def test_sizes(rng, kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        RNN(rng=rng, **kwargs)


def test_unknown_activation_and_options(rng):
    with pytest.raises(ValueError, match=re.escape("activation must be one of ['identity', "
                                                   "'relu', 'sigmoid', 'tanh']; got 'softsign'")):
        RNN(3, 4, rng=rng, activation="softsign")
    with pytest.raises(ValueError, match="coupled=True"):
        LSTM(3, 4, rng=rng, coupled=True, forget_gate=False)
    with pytest.raises(TypeError, match="rng must be a np.random.Generator"):
        RNN(3, 4, rng=0)
    with pytest.raises(TypeError, match="dtype must be np.float32 or np.float64"):
        RNN(3, 4, rng=rng, dtype=np.int32)


def test_composite_size_mismatch(rng):
    with pytest.raises(ValueError, match=re.escape("layers[1].input_size must equal "
                                                   "layers[0].hidden_size = 4; got 5")):
        Stacked([RNN(3, 4, rng=rng), LSTM(5, 4, rng=rng)])
    with pytest.raises(ValueError, match="same input_size"):
        Bidirectional(RNN(3, 4, rng=rng), RNN(2, 4, rng=rng))


def test_replaced_parameter_of_wrong_shape(rng):
    layer = RNN(3, 4, rng=rng)
    layer.params["U"] = np.zeros((4, 5))
    with pytest.raises(ValueError, match=re.escape("params['U'] must be a float64 array of "
                                                   "shape (4, 4); got float64 (4, 5)")):
        layer.forward(np.zeros((2, 1, 3)))
    deep = Stacked([RNN(3, 4, rng=rng)])
    with pytest.raises(ValueError, match=re.escape("params['l1.W'] must have shape (4, 3)")):
        deep.params["l1.W"] = np.zeros(3)


def test_losses_bad_input():
    with pytest.raises(ValueError, match="logits must have shape targets.shape"):
        sce(np.zeros((4, 3)), np.zeros(5, int))
    with pytest.raises(ValueError, match=re.escape("targets must lie in [0, K=3)")):
        sce(np.zeros((4, 3)), np.array([0, 1, 2, 3]))
    with pytest.raises(TypeError, match="targets must be integer"):
        sce(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="mask selects no position"):
        sce(np.zeros((4, 3)), np.zeros(4, int), mask=np.zeros(4, bool))
    with pytest.raises(ValueError, match="target must have the shape of pred"):
        mse(np.zeros((4, 3)), np.zeros((4, 2)))


@pytest.mark.parametrize("name", list(CONFIGS))
def test_float32_stays_float32(name):
    rng = np.random.default_rng(1)
    layer = CONFIGS[name](3, 4, rng, np.float32)
    assert all(p.dtype == np.float32 for p in layer.params.values())
    X = rng.standard_normal((6, 2, 3)).astype(np.float32)
    state = random_state(layer, 2, rng, np.float32)
    H, cache = layer.forward(X, state)
    assert H.dtype == np.float32
    r = layer.bptt(np.ones_like(H), cache)
    assert r.dX.dtype == np.float32
    assert all(g.dtype == np.float32 for g in r.grads.values())
    assert all(part.dtype == np.float32 for part in _leaves(r.dstate0))
    # and it agrees with the float64 computation to float32 precision
    layer64 = CONFIGS[name](3, 4, np.random.default_rng(1), np.float64)
    for k, p in layer64.params.items():
        p[:] = layer.params[k]
    H64, _ = layer64.forward(X.astype(np.float64), _cast(state, np.float64))
    np.testing.assert_allclose(H, H64, atol=1e-5)


def _leaves(state):
    """The arrays of a (possibly nested) state, depth first."""
    if isinstance(state, np.ndarray):
        return [state]
    return [leaf for part in state for leaf in _leaves(part)]


def _cast(state, dtype):
    if isinstance(state, np.ndarray):
        return state.astype(dtype)
    if isinstance(state, tuple):
        return tuple(_cast(s, dtype) for s in state)
    return [_cast(s, dtype) for s in state]


def test_float64_input_to_float32_layer_is_refused(rng):
    layer = LSTM(3, 4, rng=rng, dtype=np.float32)
    with pytest.raises(TypeError, match="X must have dtype float32 like the layer's parameters"):
        layer.forward(np.zeros((5, 2, 3)))


def test_linear_bad_input(rng):
    with pytest.raises(ValueError, match=re.escape("X must have shape (..., H=4); got (2, 3)")):
        Linear(4, 2, rng=rng).forward(np.zeros((2, 3)))


def test_sigmoid_and_softmax_are_stable():
    z = np.array([-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow warning fails the test
        s = sigmoid(z)
        p = softmax(np.stack([z, -z, np.zeros_like(z)], axis=-1))
        loss, _ = sce(np.array([[1e4, -1e4, 0.0]]), np.array([1]))
        s32 = sigmoid(z.astype(np.float32))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert abs(s[2] - np.exp(-30) / (1 + np.exp(-30))) < 1e-16  # error within roundoff
    assert sigmoid(np.array(-3.0)) == pytest.approx(1 / (1 + np.exp(3.0)), rel=1e-15)
    assert s32.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-15)
    assert loss == pytest.approx(2e4)


def test_composites_refuse_mixed_dtypes(rng):
    with pytest.raises(TypeError, match="all layers must share one dtype"):
        Stacked([RNN(3, 4, rng=rng), RNN(4, 4, rng=rng, dtype=np.float32)])
    with pytest.raises(TypeError, match="fwd and bwd must share one dtype"):
        Bidirectional(RNN(3, 4, rng=rng), GRU(3, 4, rng=rng, dtype=np.float32))
