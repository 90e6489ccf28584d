"""The layer contract, property-based (hypothesis): RNN, LSTM and GRU for any small sizes.

For T, B, D, H in 1..5, float32 or float64, with or without an initial state:

* ``forward`` gives H (T, B, H) in the layer's dtype (float32 stays float32), and
  ``backward`` gives dX, dstate0 and every gradient in the shapes and dtype of X, the state
  and the parameters;
* in float64 the gradients match central differences (:func:`rnnlab.check_layer`, every
  parameter, X, the initial state and, through dstate_T, the final state);
* a wrong shape, a wrong dtype, a NaN or something that is not an array, given as X,
  state, dH or dstate_T, raises ``ValueError`` or ``TypeError`` whose message names the
  argument, raised by rnnlab's own checks: never another exception type, and never an
  error from deep inside NumPy.

The examples are derandomized (the same on every run, so CI cannot flake) and few enough
to keep the file at a few seconds.
"""

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnnlab
from rnnlab import GRU, LSTM, RNN, check_layer

LAYERS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}
PACKAGE = Path(rnnlab.__file__).parent


def contract(max_examples: int) -> settings:
    """Settings for these tests: derandomized, no example database, no time limit."""
    return settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


class Case(NamedTuple):
    """One drawn example: a layer, its input X (T, B, D) and initial state (or None)."""

    layer: object
    X: np.ndarray
    state: object


def _state(layer, B: int, rng: np.random.Generator, scale: float = 0.5):
    """A random state in the form the layer takes: h0 (B, H), or (h0, c0) for an LSTM."""
    parts = tuple(rng.uniform(-scale, scale, (B, layer.hidden_size)).astype(layer.dtype)
                  for _ in range(layer.n_states))
    return parts if layer.n_states == 2 else parts[0]


@st.composite
def cases(draw, dtypes=(np.float32, np.float64)) -> Case:
    kind = draw(st.sampled_from(sorted(LAYERS)))
    T, B, D, H = (draw(st.integers(1, 5)) for _ in range(4))
    dtype = draw(st.sampled_from(dtypes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    layer = LAYERS[kind](D, H, rng=rng, dtype=dtype)
    X = rng.standard_normal((T, B, D)).astype(dtype)
    state = _state(layer, B, rng) if draw(st.booleans()) else None
    return Case(layer, X, state)


def _leaves(state) -> list:
    return [state] if isinstance(state, np.ndarray) else list(state)


@contract(max_examples=60)
@given(cases())
def test_shapes_and_dtypes(case):
    layer, X, state = case
    T, B, _ = X.shape
    H, cache = layer.forward(X, state)
    assert H.shape == (T, B, layer.hidden_size)
    assert H.dtype == layer.dtype  # float32 stays float32
    assert np.isfinite(H).all()
    for s in _leaves(layer.final_state(cache)):
        assert s.shape == (B, layer.hidden_size) and s.dtype == layer.dtype
    dH = np.ones_like(H)
    dX, dstate0, grads = layer.backward(dH, cache)
    assert dX.shape == X.shape and dX.dtype == layer.dtype
    for d in _leaves(dstate0):
        assert d.shape == (B, layer.hidden_size) and d.dtype == layer.dtype
    assert list(grads) == list(layer.params)
    for name, p in layer.params.items():
        assert grads[name].shape == p.shape and grads[name].dtype == layer.dtype, name


@contract(max_examples=50)
@given(cases(dtypes=(np.float64,)), st.sampled_from(["every", "last"]))
def test_float64_gradients_match_central_differences(case, loss):
    layer, X, state = case
    report = check_layer(layer, X, state, loss=loss, rng=np.random.default_rng(0))
    assert report.passed, str(report)  # tol 1e-7 relative, every array
    expected = set(layer.params) | {"X"}
    if state is not None:
        expected |= {"state.h", "state.c"} if layer.n_states == 2 else {"state"}
    assert set(report.errors) == expected


# ---- bad input: every way of getting an argument wrong, for forward and for backward ----------
def _corrupt(value, how: str, dtype):
    """``value`` (an array, or an LSTM's pair of arrays) spoiled in one way."""
    if isinstance(value, tuple):  # an LSTM state: spoil the cell part, keep h
        return value[0], _corrupt(value[1], how, dtype)
    other = np.float32 if dtype == np.float64 else np.float64
    if how == "wrong last size":
        return np.zeros(value.shape[:-1] + (value.shape[-1] + 1,), dtype)
    if how == "wrong first size":
        return np.zeros((value.shape[0] + 1,) + value.shape[1:], dtype)
    if how == "one axis too few":
        return value[0]
    if how == "one axis too many":
        return value[None]
    if how == "empty":
        return value[:0]
    if how == "other float dtype":
        return value.astype(other)
    if how == "int dtype":
        return np.zeros(value.shape, np.int64)
    if how == "NaN":
        spoiled = value.copy()
        spoiled.flat[-1] = np.nan
        return spoiled
    if how == "inf":
        spoiled = value.copy()
        spoiled.flat[0] = -np.inf
        return spoiled
    if how == "string":
        return "not an array"
    if how == "dict":
        return {"X": value}
    if how == "ragged list":
        return [[0.0] * value.shape[-1], [0.0]]
    if how == "masked array":
        return np.ma.masked_array(value, mask=np.zeros(value.shape, bool))
    raise AssertionError(how)


HOW = ["wrong last size", "wrong first size", "one axis too few", "one axis too many", "empty",
       "other float dtype", "int dtype", "NaN", "inf", "string", "dict", "ragged list",
       "masked array"]


def _assert_named_error(call, name: str) -> None:
    """``call()`` raises ValueError or TypeError, naming ``name``, from rnnlab's code."""
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert str(info.value).startswith(name), f"{name}: {info.value!r}"
    innermost = Path(info.traceback[-1].path)
    assert innermost.parent == PACKAGE, f"{name}: raised in {innermost}, not by rnnlab"


@contract(max_examples=80)
@given(cases(), st.sampled_from([h for h in HOW if h != "wrong first size"]))  # T is free
def test_bad_X_is_named(case, how):
    layer, X, state = case
    _assert_named_error(lambda: layer.forward(_corrupt(X, how, layer.dtype), state), "X")


@contract(max_examples=80)
@given(cases(), st.sampled_from(HOW))
def test_bad_state_is_named(case, how):
    layer, X, _ = case
    bad = _corrupt(_state(layer, X.shape[1], np.random.default_rng(0)), how, layer.dtype)
    _assert_named_error(lambda: layer.forward(X, bad), "state")


@contract(max_examples=80)
@given(cases(), st.sampled_from(["dH", "dstate_T"]), st.sampled_from(HOW))
def test_bad_backward_input_is_named(case, arg, how):
    layer, X, state = case
    H, cache = layer.forward(X, state)
    if arg == "dH":
        bad = _corrupt(np.ones_like(H), how, layer.dtype)
        _assert_named_error(lambda: layer.bptt(bad, cache), "dH")
    else:
        bad = _corrupt(_state(layer, X.shape[1], np.random.default_rng(0)), how, layer.dtype)
        _assert_named_error(lambda: layer.bptt(np.ones_like(H), cache, bad), "dstate_T")
