"""The fast paths of the recurrent layers compute exactly what the plain step functions do.

The layers pass rows of their (T, B, .) records to the step functions as ``out`` buffers
and keep h_{t-1}, c_{t-1} as views of one (T + 1, B, H) record. These tests pin that down:
a step writes into ``out`` bit for bit what it returns without it, a layer's forward and
backward equal a plain loop over fresh steps, float32 stays float32, and neither a step
nor ``bptt`` changes its inputs or the cache.
"""

import numpy as np
import pytest

from rnnlab import GRU, LSTM, RNN, ResidualRNN
from rnnlab.gru import GRUSlopes, GRUStep, gru_step_backward, gru_step_forward
from rnnlab.lstm import LSTMSlopes, LSTMStep, lstm_step_backward, lstm_step_forward

T, B, D, H = 7, 3, 5, 6
LSTM_KW = [{}, {"peephole": True}, {"coupled": True}, {"coupled": True, "peephole": True},
           {"forget_gate": False}, {"forget_gate": False, "peephole": True}]
DTYPES = [np.float64, np.float32]


def _lstm(kw, dtype, seed=0):
    rng = np.random.default_rng(seed)
    layer = LSTM(D, H, rng=rng, dtype=dtype, **kw)
    for name, p in layer.params.items():
        if name.startswith(("b_", "V_")):
            p[:] = rng.uniform(-0.5, 0.5, p.shape)
    return layer, rng


def _gru(reset_after, dtype, seed=0):
    rng = np.random.default_rng(seed)
    layer = GRU(D, H, rng=rng, dtype=dtype, reset_after=reset_after)
    for name, p in layer.params.items():
        if name.startswith("b_"):
            p[:] = rng.uniform(-0.5, 0.5, p.shape)
    return layer, rng


def _data(rng, dtype, *shapes):
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _lstm_by_fresh_steps(layer, X, h0, c0, dH):
    """Forward and backward of an LSTM by the step functions alone, without ``out``."""
    W_all, U_all, b_all, V = layer._stacked()
    h, c, steps = h0, c0, []
    for t in range(len(X)):
        a_t = X[t] @ W_all.T + b_all
        a_copy = a_t.copy()
        h_new, c_new, gates = lstm_step_forward(a_t, h, c, U_all.T, V, layer.coupled)
        assert np.array_equal(a_t, a_copy)  # without out, the input parts are left alone
        G = gates.shape[1] // H
        i, o, c_tilde = gates[:, :H], gates[:, -2 * H:-H], gates[:, -H:]
        f = gates[:, H:2 * H] if G == 4 else (1 - i if layer.coupled else np.ones_like(i))
        steps.append(LSTMStep(h, c, i, f, o, c_tilde, c_new, np.tanh(c_new)))
        h, c = h_new, c_new
    dh_next, dc_next, dA = np.zeros_like(h0), np.zeros_like(c0), []
    for t in reversed(range(len(X))):
        s = steps[t]
        d = LSTMSlopes(s.i * (1 - s.i), s.f * (1 - s.f) if G == 4 else None, s.o * (1 - s.o),
                       1 - s.c_tilde**2, 1 - s.tanh_c**2)
        g = lstm_step_backward(dH[t] + dh_next, dc_next, s, d, U_all, V, layer.coupled)
        dA.insert(0, g.dA)
        dh_next, dc_next = g.dh_prev, g.dc_prev
    return np.stack([s.h_prev for s in steps[1:]] + [h]), steps, np.stack(dA), (dh_next, dc_next)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", LSTM_KW, ids=lambda kw: "+".join(kw) or "standard")
def test_lstm_layer_equals_a_loop_of_fresh_steps(kw, dtype):
    layer, rng = _lstm(kw, dtype)
    X, h0, c0, dH = _data(rng, dtype, (T, B, D), (B, H), (B, H), (T, B, H))
    Hs, cache = layer.forward(X, (h0, c0))
    H_ref, steps, dA_ref, dstate_ref = _lstm_by_fresh_steps(layer, X, h0, c0, dH)
    # the input parts are formed by one (T B, D) product in the layer, per step here: the
    # gates agree to rounding, and the rest is compared bit for bit in float64 below
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-13}
    np.testing.assert_allclose(Hs, H_ref, **tol)
    for name in LSTMStep._fields:
        np.testing.assert_allclose(getattr(cache.steps, name),
                                   np.stack([getattr(s, name) for s in steps]), **tol)
    r = layer.bptt(dH, cache)
    W_all = layer._stacked()[0]
    np.testing.assert_allclose(r.dX, dA_ref @ W_all, **tol)
    for got, want in zip(r.dstate0, dstate_ref, strict=True):
        np.testing.assert_allclose(got, want, **tol)


@pytest.mark.parametrize("kw", LSTM_KW, ids=lambda kw: "+".join(kw) or "standard")
def test_lstm_step_out_buffers_hold_bit_for_bit_what_a_fresh_step_returns(kw):
    layer, rng = _lstm(kw, np.float64)
    W_all, U_all, b_all, V = layer._stacked()
    G = U_all.shape[0] // H
    a_t, h_prev, c_prev, dh, dc = _data(rng, np.float64, (B, G * H), (B, H), (B, H), (B, H),
                                        (B, H))
    fresh = lstm_step_forward(a_t, h_prev, c_prev, U_all.T, V, layer.coupled)
    out = (np.empty((B, H)), np.empty((B, H)), a_t.copy(), np.empty((B, H)))  # gates = a_t
    got = lstm_step_forward(out[2], h_prev, c_prev, U_all.T, V, layer.coupled, out=out)
    assert all(g is o for g, o in zip(got, out[:3], strict=True))
    for g, f in zip(got, fresh, strict=True):
        assert np.array_equal(g, f)
    assert np.array_equal(out[3], np.tanh(fresh[1]))
    i, o, c_tilde = fresh[2][:, :H], fresh[2][:, -2 * H:-H], fresh[2][:, -H:]
    f = fresh[2][:, H:2 * H] if G == 4 else (1 - i if layer.coupled else np.ones_like(i))
    s = LSTMStep(h_prev, c_prev, i, f, o, c_tilde, fresh[1], out[3])
    d = LSTMSlopes(i * (1 - i), f * (1 - f) if G == 4 else None, o * (1 - o),
                   1 - c_tilde**2, 1 - out[3] ** 2)
    dc_before = dc.copy()
    plain = lstm_step_backward(dh, dc, s, d, U_all, V, layer.coupled)
    bufs = (np.empty((B, G * H)), np.empty((B, H)))
    into = lstm_step_backward(dh, dc, s, d, U_all, V, layer.coupled, out=bufs)
    assert into.dA is bufs[0] and into.dc is bufs[1] and np.array_equal(dc, dc_before)
    for g, p in zip(into, plain, strict=True):
        assert np.array_equal(g, p)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reset_after", [False, True])
def test_gru_layer_equals_a_loop_of_fresh_steps(reset_after, dtype):
    layer, rng = _gru(reset_after, dtype)
    p = layer.params
    X, h0, dH = _data(rng, dtype, (T, B, D), (B, H), (T, B, H))
    Hs, cache = layer.forward(X, h0)
    W_all = np.concatenate([p["W_z"], p["W_r"], p["W_h"]])
    b_all = np.concatenate([p["b_z"], p["b_r"], p["b_h"]])
    U_zr = np.concatenate([p["U_z"], p["U_r"]])
    h, steps = h0, []
    for t in range(T):
        h, step = gru_step_forward(X[t] @ W_all.T + b_all, h, U_zr.T, p["U_h"], p.get("b_Uh"),
                                   reset_after)
        steps.append(step)
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-13}
    np.testing.assert_allclose(Hs[-1], h, **tol)
    for name in GRUStep._fields:
        np.testing.assert_allclose(getattr(cache.steps, name),
                                   np.stack([getattr(s, name) for s in steps]), **tol)
    dh_next, dA = np.zeros_like(h0), []
    for t in reversed(range(T)):
        s = steps[t]
        sl = GRUSlopes(s.z * (1 - s.z), s.r * (1 - s.r), 1 - s.h_tilde**2)
        da, _, dh_next = gru_step_backward(dH[t] + dh_next, s, sl, U_zr, p["U_h"], reset_after)
        dA.insert(0, da)
    r = layer.bptt(dH, cache)
    np.testing.assert_allclose(r.dstate0, dh_next, **tol)
    np.testing.assert_allclose(r.dX, np.stack(dA) @ W_all, **tol)


@pytest.mark.parametrize("reset_after", [False, True])
def test_gru_step_out_buffers_hold_bit_for_bit_what_a_fresh_step_returns(reset_after):
    layer, rng = _gru(reset_after, np.float64)
    p = layer.params
    U_zr = np.concatenate([p["U_z"], p["U_r"]])
    a_t, h_prev, dh = _data(rng, np.float64, (B, 3 * H), (B, H), (B, H))
    h, fresh = gru_step_forward(a_t, h_prev, U_zr.T, p["U_h"], p.get("b_Uh"), reset_after)
    out = tuple(np.empty((B, H)) for _ in range(5))
    h2, step = gru_step_forward(a_t, h_prev, U_zr.T, p["U_h"], p.get("b_Uh"), reset_after,
                                out=out)
    assert h2 is out[0] and np.array_equal(h2, h)
    for name, buf in zip(("z", "r", "h_tilde", "n"), out[1:], strict=True):
        assert getattr(step, name) is buf and np.array_equal(buf, getattr(fresh, name))
    sl = GRUSlopes(fresh.z * (1 - fresh.z), fresh.r * (1 - fresh.r), 1 - fresh.h_tilde**2)
    plain = gru_step_backward(dh, fresh, sl, U_zr, p["U_h"], reset_after)
    bufs = (np.empty((B, 3 * H)), np.empty((B, H)))
    into = gru_step_backward(dh, fresh, sl, U_zr, p["U_h"], reset_after, out=bufs)
    assert into[0] is bufs[0] and into[1] is bufs[1]
    for g, q in zip(into, plain, strict=True):
        assert np.array_equal(g, q)


def _layers(dtype):
    rng = np.random.default_rng(3)
    return [RNN(D, H, rng=rng, dtype=dtype), ResidualRNN(D, H, rng=rng, dtype=dtype),
            *(_lstm(kw, dtype)[0] for kw in LSTM_KW), _gru(False, dtype)[0],
            _gru(True, dtype)[0]]


def _arrays(obj):
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _arrays(v)
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            yield from _arrays(v)


@pytest.mark.parametrize("dtype", DTYPES)
def test_records_stay_in_the_layer_dtype_and_bptt_leaves_the_cache_alone(dtype):
    rng = np.random.default_rng(4)
    for layer in _layers(dtype):
        X, dH = _data(rng, dtype, (T, B, D), (T, B, H))
        Hs, cache = layer.forward(X)
        snapshot = [a.copy() for a in _arrays(cache)]
        first = layer.bptt(dH, cache)
        second = layer.bptt(dH, cache)  # a second pass over the same cache: same result
        assert all(np.array_equal(a, b) for a, b in zip(_arrays(cache), snapshot, strict=True))
        for a, b in zip(_arrays(first), _arrays(second), strict=True):
            assert np.array_equal(a, b)
        for a in (Hs, *_arrays(cache), *_arrays(first)):
            assert a.dtype == dtype, type(layer).__name__


@pytest.mark.parametrize("layer_cls", [LSTM, GRU])
def test_h_prev_and_c_prev_records_are_the_states_one_step_back(layer_cls):
    rng = np.random.default_rng(5)
    layer = layer_cls(D, H, rng=rng)
    X = rng.standard_normal((T, B, D))
    state = tuple(rng.standard_normal((B, H)) for _ in range(layer.n_states))
    Hs, cache = layer.forward(X, state if layer.n_states == 2 else state[0])
    s = cache.steps
    assert np.array_equal(s.h_prev[0], state[0]) and np.array_equal(s.h_prev[1:], Hs[:-1])
    if layer_cls is LSTM:
        assert np.array_equal(s.c_prev[0], state[1]) and np.array_equal(s.c_prev[1:], s.c[:-1])
        assert np.array_equal(s.tanh_c, np.tanh(s.c)) and np.array_equal(Hs, s.o * s.tanh_c)
