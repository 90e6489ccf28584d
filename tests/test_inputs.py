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


@pytest.mark.parametrize("shape", [(0, 2, 3), (5, 0, 3)])
def test_empty_sequence_or_batch(rng, shape):
    with pytest.raises(ValueError, match=re.escape(
            f"X must have shape (T, B, D=3); got {shape}; every size must be positive")):
        GRU(3, 4, rng=rng).forward(np.zeros(shape))


def test_nested_lists_are_read_as_arrays(rng):
    layer = RNN(3, 4, rng=rng)
    X = rng.standard_normal((5, 2, 3))
    np.testing.assert_array_equal(layer.forward(X.tolist())[0], layer.forward(X)[0])
    # NumPy reads a list as float64: a float32 layer says how to give it float32
    layer32 = RNN(3, 4, rng=rng, dtype=np.float32)
    expected = ("a list was given, which NumPy reads as float64 "
                "(pass np.asarray(X, dtype=np.float32))")
    with pytest.raises(TypeError, match=re.escape(expected)):
        layer32.forward(X.tolist())


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


def test_config_factories_give_every_layer_the_same_options():
    """A factory must not consume its options: the third LSTM gets b_f = 2 like the first."""
    make = CONFIGS["LSTM forget_bias=2"]
    for seed in range(3):
        layer = make(3, 4, np.random.default_rng(seed), np.float64)
        np.testing.assert_array_equal(layer.params["b_f"], 2.0)
    for long_memory in (False, True):  # options without a forget gate take no forget_bias
        CONFIGS["LSTM coupled"](3, 4, np.random.default_rng(0), np.float64, long_memory)


def _single_and_composite_layers(rng, H=4):
    return {"RNN": RNN(3, H, rng=rng), "LSTM": LSTM(3, H, rng=rng), "GRU": GRU(3, H, rng=rng),
            "Stacked": Stacked([RNN(3, H, rng=rng), GRU(H, H, rng=rng)]),
            "Bidirectional": Bidirectional(LSTM(3, H, rng=rng), RNN(3, H, rng=rng))}


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU", "Stacked", "Bidirectional"])
def test_cache_of_another_type_or_layer_is_refused(rng, kind):
    layer = _single_and_composite_layers(rng)[kind]
    twin = _single_and_composite_layers(rng)[kind]  # same type and sizes, other parameters
    wider = _single_and_composite_layers(rng, H=5)[kind]
    X = rng.standard_normal((5, 2, 3))
    H, cache = layer.forward(X)
    dH = np.ones_like(H)
    with pytest.raises(TypeError, match=f"cache must be the {type(cache).__name__} returned by "
                                        f"{kind}.forward; got tuple"):
        layer.bptt(dH, tuple(cache))
    other = "RNN" if kind != "RNN" else "GRU"
    with pytest.raises(TypeError, match="cache must be the"):
        layer.backward(dH, _single_and_composite_layers(rng)[other].forward(X)[1])
    for stranger in (twin, wider):
        with pytest.raises(ValueError, match="cache was produced by a different layer; pass "
                                             "the cache returned by this layer's forward"):
            layer.bptt(dH, stranger.forward(X)[1])
    layer.bptt(dH, cache)  # its own cache is fine


def test_hand_built_cache_is_checked_against_the_layer_sizes(rng):
    from rnnlab.layers import RNNCache
    layer, wider = RNN(3, 4, rng=rng), RNN(3, 5, rng=rng)
    X = rng.standard_normal((5, 2, 3))
    _, cache = wider.forward(X)
    hand_built = RNNCache(*cache[:4])  # positional construction still works; no owner
    with pytest.raises(ValueError, match=re.escape("cache.h0 must have shape (B=2, H=4); "
                                                   "got (2, 5)")):
        layer.bptt(np.zeros((5, 2, 4)), hand_built)


def test_linear_cache_and_dY_are_checked(rng):
    head = Linear(4, 3, rng=rng, dtype=np.float32)
    Hs = rng.standard_normal((5, 2, 4)).astype(np.float32)
    _, cache = head.forward(Hs)
    with pytest.raises(TypeError, match="dY must have dtype float32"):
        head.backward(np.ones((5, 2, 3)), cache)  # float64 dY would make float64 gradients
    dY = np.ones((5, 2, 3), np.float32)
    dY[1, 1, 2] = np.nan
    with pytest.raises(ValueError, match="dY contains NaN or inf"):
        head.backward(dY, cache)
    with pytest.raises(ValueError, match=re.escape("dY must have shape (5, 2, K=3); got (5, 3)")):
        head.backward(np.ones((5, 3), np.float32), cache)
    with pytest.raises(ValueError, match="cache was produced by a different layer"):
        head.backward(np.ones((5, 2, 3), np.float32),
                      Linear(4, 3, rng=rng, dtype=np.float32).forward(Hs)[1])
    dX, grads = head.backward(np.ones((5, 2, 3), np.float32), cache)
    assert dX.dtype == grads["W"].dtype == grads["b"].dtype == np.float32


@pytest.mark.parametrize("make, name", [
    (lambda rng: Stacked([1, 2]), "layers[0]"),
    (lambda rng: Stacked([RNN(3, 4, rng=rng), "GRU"]), "layers[1]"),
    (lambda rng: Bidirectional(1, 2), "fwd"),
    (lambda rng: Bidirectional(RNN(3, 4, rng=rng), Linear(3, 4, rng=rng)), "bwd"),
])
def test_composite_parts_must_be_recurrent_layers(rng, make, name):
    with pytest.raises(TypeError, match=re.escape(f"{name} must be a recurrent layer")):
        make(rng)


def test_composite_inputs_are_checked(rng):
    with pytest.raises(TypeError, match="layers must be a list of recurrent layers"):
        Stacked(RNN(3, 4, rng=rng))
    with pytest.raises(ValueError, match=re.escape("layers[2].input_size must equal "
                                                   "layers[1].hidden_size = 8; got 4")):
        Stacked([RNN(3, 4, rng=rng), Bidirectional(RNN(4, 4, rng=rng), GRU(4, 4, rng=rng)),
                 LSTM(4, 2, rng=rng)])
    bi = Bidirectional(RNN(3, 4, rng=rng), GRU(3, 2, rng=rng))
    X = rng.standard_normal((5, 2, 3))
    with pytest.raises(ValueError, match=re.escape("X must have shape (T, B, D=3); got (5, 3)")):
        bi.forward(X[:, 0])
    H, cache = bi.forward(X.tolist())  # a nested list is an array-like like any other
    dX, _, grads = bi.backward(np.ones_like(H).tolist(), cache)  # so is dH
    np.testing.assert_array_equal(dX, bi.backward(np.ones_like(H), cache)[0])
    with pytest.raises(ValueError, match=re.escape("dH must have shape (T=5, B=2, H=6); "
                                                   "got (4, 2, 6)")):
        bi.backward(np.ones((4, 2, 6)), cache)
    with pytest.raises(TypeError, match=re.escape("dstate_T must be None or the pair")):
        bi.bptt(np.ones_like(H), cache, dstate_T=np.zeros((2, 4)))


@pytest.mark.parametrize("make, exc, msg", [
    (lambda rng: LSTM(3, 4, rng=rng, forget_bias="a"), TypeError,
     "forget_bias must be a real number; got 'a'"),
    (lambda rng: LSTM(3, 4, rng=rng, forget_bias=np.nan), ValueError,
     "forget_bias must be a finite number; got nan"),
    (lambda rng: LSTM(3, 4, rng=rng, forget_bias=True), TypeError,
     "forget_bias must be a real number"),
    (lambda rng: LSTM(3, 4, rng=rng, coupled=True, forget_bias=2.0), ValueError,
     "forget_bias=2 sets b_f, but with coupled=True (f = 1 - i) there is no forget gate"),
    (lambda rng: LSTM(3, 4, rng=rng, forget_gate=False, forget_bias=0), ValueError,
     "forget_bias=0 sets b_f, but with forget_gate=False (f = 1) there is no forget gate"),
    (lambda rng: GRU(3, 4, rng=rng, update_bias="1"), TypeError,
     "update_bias must be a real number; got '1'"),
    (lambda rng: GRU(3, 4, rng=rng, update_bias=-np.inf), ValueError,
     "update_bias must be a finite number; got -inf"),
])
def test_gate_biases_must_be_finite_real_numbers(rng, make, exc, msg):
    with pytest.raises(exc, match=re.escape(msg)):
        make(rng)


def test_gate_biases_accept_ints_and_numpy_scalars(rng):
    assert np.all(LSTM(3, 4, rng=rng, forget_bias=np.int64(2)).params["b_f"] == 2.0)
    assert np.all(GRU(3, 4, rng=rng, update_bias=np.float32(0.5)).params["b_z"] == 0.5)
    LSTM(3, 4, rng=rng, coupled=True, forget_bias=1.0)  # the default value is always fine


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_parameters_are_refused(rng, bad):
    layer = RNN(3, 4, rng=rng)
    layer.params["U"][1, 2] = bad
    with pytest.raises(ValueError, match=re.escape("params['U'] contains NaN or inf")):
        layer.forward(np.zeros((5, 2, 3)))
    head = Linear(4, 2, rng=rng)
    head.params["b"][0] = bad
    with pytest.raises(ValueError, match=re.escape("params['b'] contains NaN or inf")):
        head.forward(np.zeros((5, 4)))


def test_diagnostics_check_their_arrays(rng):
    from rnnlab.grad import forget_gate_products, jacobians, state_grad_norms
    layer = LSTM(3, 4, rng=rng)
    X = rng.standard_normal((6, 2, 3))
    with pytest.raises(ValueError, match=re.escape("X must have shape (T, B, D=3); got (6, 3)")):
        jacobians(layer, X[:, 0])
    with pytest.raises(ValueError, match=re.escape("seed must have shape (B=2, H=4); got (4,)")):
        state_grad_norms(layer, X, seed=np.ones(4))
    with pytest.raises(ValueError, match=re.escape("state[1] (c0) must have shape (B=2, H=4)")):
        jacobians(layer, X, (np.zeros((2, 4)), np.zeros((1, 4))))
    with pytest.raises(TypeError, match="sample must be an int"):
        jacobians(layer, X, sample=0.5)
    with pytest.raises(TypeError, match="cache must be the LSTMCache"):
        forget_gate_products(GRU(3, 4, rng=rng).forward(X)[1])
    seed = np.full((2, 4), 0.5)
    np.testing.assert_allclose(state_grad_norms(layer, X, seed=seed), state_grad_norms(layer, X))


# ---- composites refuse shared parts ----------------------------------------------------------
def test_composites_refuse_one_layer_twice(rng):
    layer = RNN(3, 3, rng=rng)
    with pytest.raises(ValueError, match=re.escape("layers[1] is the same layer object as "
                                                   "layers[0]")):
        Stacked([layer, layer])
    with pytest.raises(ValueError, match=re.escape("bwd is the same layer object as fwd")):
        Bidirectional(layer, layer)


def test_composites_refuse_shared_parameter_arrays(rng):
    first, second = RNN(3, 3, rng=rng), RNN(3, 3, rng=rng)
    second.params["U"] = first.params["U"]  # one array under two names
    with pytest.raises(ValueError, match=re.escape("layers[1].params['U'] shares memory with "
                                                   "layers[0].params['U']")):
        Stacked([first, second])
    second.params["U"] = first.params["W"][:, ::-1]  # a view of another parameter
    with pytest.raises(ValueError, match=re.escape("bwd.params['U'] shares memory with "
                                                   "fwd.params['W']")):
        Bidirectional(first, second)
    inner = Stacked([LSTM(3, 3, rng=rng), first])  # sharing through a nested composite
    with pytest.raises(ValueError, match=re.escape("shares memory with layers[0].params")):
        Stacked([inner, Bidirectional(GRU(3, 2, rng=rng), second)])


def test_composites_accept_copies(rng):
    import copy

    layer = GRU(3, 3, rng=rng)
    deep = Stacked([layer, copy.deepcopy(layer)])
    X = rng.standard_normal((4, 2, 3))
    H, cache = deep.forward(X)
    _, _, grads = deep.backward(np.ones_like(H), cache)
    assert set(grads) == set(deep.params)
    Bidirectional(layer, copy.deepcopy(layer))


# ---- caches, masked arrays and dstate_T -------------------------------------------------------
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU", "Stacked", "Bidirectional"])
def test_final_state_refuses_the_cache_of_another_layer(rng, kind):
    layer = _single_and_composite_layers(rng)[kind]
    twin = _single_and_composite_layers(rng)[kind]
    X = rng.standard_normal((5, 2, 3))
    _, cache = layer.forward(X)
    with pytest.raises(ValueError, match="cache was produced by a different layer"):
        layer.final_state(twin.forward(X)[1])
    with pytest.raises(TypeError, match="cache must be the"):
        layer.final_state(tuple(cache))
    layer.final_state(cache)  # its own cache is fine


def test_masked_arrays_are_refused(rng):
    """np.isfinite on a masked array skips the masked entries, so a NaN there would pass."""
    X = np.ma.masked_array(np.zeros((5, 2, 3)), mask=False)
    X[1, 1, 1] = np.nan
    X[1, 1, 1] = np.ma.masked
    with pytest.raises(TypeError, match=re.escape("X must be a plain NumPy array, not a masked "
                                                  "array (np.ma)")):
        RNN(3, 4, rng=rng).forward(X)
    layer = LSTM(3, 4, rng=rng)
    state = (np.ma.masked_array(np.zeros((2, 4))), np.zeros((2, 4)))
    with pytest.raises(TypeError, match=re.escape("state[0] (h0) must be a plain NumPy array")):
        layer.forward(np.zeros((5, 2, 3)), state)


def test_bad_dstate_T_is_named_dstate_T(rng):
    X = rng.standard_normal((5, 2, 3))
    rnn = RNN(3, 4, rng=rng)
    H, cache = rnn.forward(X)
    with pytest.raises(ValueError, match=re.escape("dstate_T must have shape (B=2, H=4); "
                                                   "got (2, 3)")):
        rnn.bptt(np.ones_like(H), cache, dstate_T=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="dstate_T contains NaN or inf"):
        rnn.bptt(np.ones_like(H), cache, dstate_T=np.full((2, 4), np.nan))
    lstm = LSTM(3, 4, rng=rng)
    H, cache = lstm.forward(X)
    with pytest.raises(TypeError, match=re.escape("dstate_T must be None or the pair "
                                                  "(dh_T, dc_T)")):
        lstm.bptt(np.ones_like(H), cache, dstate_T=np.zeros((2, 4)))
    with pytest.raises(ValueError, match=re.escape("dstate_T[1] (dc_T) must have shape "
                                                   "(B=2, H=4)")):
        lstm.bptt(np.ones_like(H), cache, dstate_T=(np.zeros((2, 4)), np.zeros((1, 4))))


# ---- losses ----------------------------------------------------------------------------------
def test_cross_entropy_of_an_empty_batch_is_refused():
    with pytest.raises(ValueError, match="logits must hold at least one position"):
        sce(np.zeros((0, 3)), np.zeros(0, int))
    with pytest.raises(ValueError, match="logits must hold at least one position"):
        sce(np.zeros((4, 0, 3)), np.zeros((4, 0), int))


def test_float16_logits_are_refused_with_the_reason():
    """In float16 the count of 70,000 positions overflows (max 65504): NaN loss, zero gradient."""
    logits = np.zeros((70_000, 2), np.float16)
    with pytest.raises(TypeError, match=re.escape("logits must be float32 or float64; float16 "
                                                  "sums overflow at 65504")):
        sce(logits, np.zeros(70_000, int))
    with pytest.raises(TypeError, match="pred must be float32 or float64"):
        mse(np.zeros((3, 1), np.float16), np.zeros((3, 1), np.float16))
    loss, dlogits = sce(logits.astype(np.float32), np.zeros(70_000, int))  # as it says
    assert loss == pytest.approx(np.log(2), rel=1e-6) and np.all(dlogits[:, 0] < 0)


def test_softmax_reads_lists_and_refuses_bool_and_empty_classes():
    np.testing.assert_array_equal(softmax([1.0, 2.0]), softmax(np.array([1.0, 2.0])))
    np.testing.assert_array_equal(softmax([1, 2]), softmax(np.array([1.0, 2.0])))
    with pytest.raises(TypeError, match="logits must be a float32 or float64 array; got dtype "
                                        "bool"):
        softmax(np.array([True, False]))
    with pytest.raises(TypeError, match="logits must be a float32 or float64 array"):
        sce(np.array([[True, False]]), np.array([0]))
    with pytest.raises(ValueError, match=re.escape("logits must have shape (..., K) with K >= 1 "
                                                   "classes; got (4, 0)")):
        sce(np.zeros((4, 0)), np.zeros(4, int))
    with pytest.raises(ValueError, match="K >= 1"):
        softmax(np.zeros((4, 0)))


def test_softmax_rows_with_infinities():
    np.testing.assert_array_equal(softmax(np.array([0.0, -np.inf])), [1.0, 0.0])  # fine
    with pytest.raises(ValueError, match=re.escape("logits contains +inf")):
        softmax(np.array([[0.0, 1.0], [0.0, np.inf]]))
    with pytest.raises(ValueError, match="a row of logits is all -inf"):
        softmax(np.array([[0.0, 1.0], [-np.inf, -np.inf]]))
    with pytest.raises(ValueError, match="logits contains NaN"):
        softmax(np.array([np.nan, 1.0]))


def test_mse_needs_an_array_with_an_axis():
    with pytest.raises(ValueError, match=re.escape("pred must have shape (N..., K) with at "
                                                   "least one value")):
        mse(1.0, 2.0)
    with pytest.raises(ValueError, match="pred must have shape"):
        mse(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(TypeError, match="pred must be a real-valued"):
        mse(np.array([[True]]), np.array([[1.0]]))
    assert mse(np.array([3.0]), np.array([1.0]))[0] == 4.0  # (K,): one position


@pytest.mark.parametrize("mask", [0.5, np.full(4, 0.5), np.ones(4, int)])
def test_masks_must_be_bool(mask):
    with pytest.raises(TypeError, match="mask must be a bool array"):
        sce(np.zeros((4, 3)), np.zeros(4, int), mask=mask)
    with pytest.raises(TypeError, match="mask must be a bool array"):
        mse(np.zeros((4, 3)), np.zeros((4, 3)), mask=mask)


def test_composite_params_refuse_an_array_of_another_parameter(rng):
    deep = Stacked([RNN(3, 3, rng=rng), RNN(3, 3, rng=rng)])
    with pytest.raises(ValueError, match=re.escape("params['l2.U'] must not share memory with "
                                                   "params['l1.U']; assign a copy")):
        deep.params["l2.U"] = deep.params["l1.U"]
    deep.params["l2.U"] = deep.params["l1.U"].copy()  # a copy is fine
    np.testing.assert_array_equal(deep.layers[1].params["U"], deep.layers[0].params["U"])
