"""The textbook step functions: their gradients, and that the layers compute what they do.

Shapes: T steps, B batch, D input size, H hidden size.

``rnn_step_forward``, ``lstm_step_forward`` and ``gru_step_forward`` take x_t, the
previous state and the parameters, as the book writes a step; the layers run the same
equations with stacked gates and one product for all input terms. These tests check
(1) each step's backward against central differences of its forward, and (2) that a
layer's forward and ``bptt`` equal a plain loop of step functions — forward for
t = 1..T, then ``for t in reversed(range(T))`` with the parameter gradients summed by
``+=`` — in float64 and float32, for every variant.
"""

import numpy as np
import pytest

from rnnlab import GRU, LSTM, RNN, ResidualRNN, numerical_gradient, relative_error
from rnnlab.layers import (
    gru_step_backward,
    gru_step_forward,
    lstm_step_backward,
    lstm_step_forward,
    rnn_step_backward,
    rnn_step_forward,
)

T, B, D, H = 5, 3, 4, 6
LSTM_KW = [{}, {"peephole": True}, {"coupled": True}, {"coupled": True, "peephole": True},
           {"forget_gate": False}, {"forget_gate": False, "peephole": True}]
DTYPES = [np.float64, np.float32]
# float64: the layer and the step loop differ only in summation order; float32 allows
# for roundoff of a few units in the last place, amplified over T steps
TOL = {np.float64: {"rtol": 1e-10, "atol": 1e-12}, np.float32: {"rtol": 2e-4, "atol": 2e-5}}


def _lstm(kw, dtype, seed=0):
    rng = np.random.default_rng(seed)
    layer = LSTM(D, H, rng=rng, dtype=dtype, **kw)
    for name, p in layer.params.items():
        if name.startswith(("b_", "V_")):
            p[:] = rng.uniform(-0.5, 0.5, p.shape)  # nonzero: every term is exercised
    return layer, rng


def _gru(reset_after, dtype, seed=0):
    rng = np.random.default_rng(seed)
    layer = GRU(D, H, rng=rng, dtype=dtype, reset_after=reset_after)
    for name, p in layer.params.items():
        if name.startswith("b_"):
            p[:] = rng.uniform(-0.5, 0.5, p.shape)
    return layer, rng


def _rnn(cls, activation, dtype, seed=0):
    rng = np.random.default_rng(seed)
    layer = cls(D, H, rng=rng, dtype=dtype, activation=activation)
    layer.params["b"][:] = rng.uniform(0.1, 0.5, H)  # relu: most units active
    return layer, rng


def _data(rng, dtype, *shapes):
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _assert_grads_equal(r, dX, dstate0, grads, dtype):
    np.testing.assert_allclose(r.dX, dX, **TOL[dtype])
    got_state = r.dstate0 if isinstance(r.dstate0, tuple) else (r.dstate0,)
    for got, want in zip(got_state, dstate0, strict=True):
        np.testing.assert_allclose(got, want, **TOL[dtype])
    assert list(r.grads) == list(grads)
    for k in grads:
        np.testing.assert_allclose(r.grads[k], grads[k], **TOL[dtype], err_msg=k)
        assert r.grads[k].dtype == dtype


# ---- (1) each step's backward against central differences of its forward ---------------

def _step_gradcheck(forward, backward, inputs, params, douts, grads_of):
    """Compare backward(*douts, cache) with central differences of the linear loss
    sum(dout * out) over the step's outputs, for every input and parameter array.

    inputs: {field of the backward's result: input array}; grads_of(result) -> the
    parameter gradients keyed like ``params``."""
    *_, cache = forward(*inputs.values(), params)

    def loss():
        *outs, _ = forward(*inputs.values(), params)
        return sum(float(np.sum(d * y)) for d, y in zip(douts, outs, strict=True))

    g = backward(*douts, cache)
    for field, x in inputs.items():
        assert relative_error(getattr(g, field),
                              numerical_gradient(loss, x, eps=1e-3, order=4)) < 1e-8, field
    grads = grads_of(g)
    for name, p in params.items():
        assert relative_error(grads[name], numerical_gradient(loss, p, eps=1e-3, order=4)) \
            < 1e-8, name


@pytest.mark.parametrize("kw", LSTM_KW, ids=lambda kw: "+".join(kw) or "standard")
def test_lstm_step_backward_matches_central_differences(kw):
    layer, rng = _lstm(kw, np.float64)
    x_t, h_prev, c_prev, dh, dc = _data(rng, np.float64, (B, D), (B, H), (B, H), (B, H), (B, H))
    params = {k: v.copy() for k, v in layer.params.items()}

    def forward(x_t, h_prev, c_prev, p):
        return lstm_step_forward(x_t, h_prev, c_prev, p, **layer._variant())

    _step_gradcheck(forward, lstm_step_backward,
                    {"dx_t": x_t, "dh_prev": h_prev, "dc_prev": c_prev}, params, (dh, dc),
                    lambda g: g.grads)


@pytest.mark.parametrize("reset_after", [False, True])
def test_gru_step_backward_matches_central_differences(reset_after):
    layer, rng = _gru(reset_after, np.float64)
    x_t, h_prev, dh = _data(rng, np.float64, (B, D), (B, H), (B, H))
    params = {k: v.copy() for k, v in layer.params.items()}

    def forward(x_t, h_prev, p):
        return gru_step_forward(x_t, h_prev, p, reset_after=reset_after)

    _step_gradcheck(forward, gru_step_backward, {"dx_t": x_t, "dh_prev": h_prev}, params,
                    (dh,), lambda g: g.grads)


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
def test_rnn_step_backward_matches_central_differences(activation, residual):
    rng = np.random.default_rng(1)
    x_t, h_prev, dh = _data(rng, np.float64, (B, D), (B, H), (B, H))
    params = {"W": rng.standard_normal((H, D)), "U": rng.standard_normal((H, H)),
              "b": rng.standard_normal(H)}

    def forward(x_t, h_prev, p):
        return rnn_step_forward(x_t, h_prev, p["W"], p["U"], p["b"], activation, residual)

    _step_gradcheck(forward, rnn_step_backward, {"dx_t": x_t, "dh_prev": h_prev}, params,
                    (dh,), lambda g: {"W": g.dW, "U": g.dU, "b": g.db})


# ---- (2) the layers equal a loop of step functions -------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", LSTM_KW, ids=lambda kw: "+".join(kw) or "standard")
def test_lstm_layer_equals_a_loop_of_steps(kw, dtype):
    layer, rng = _lstm(kw, dtype)
    p = layer.params
    X, h0, c0, dH = _data(rng, dtype, (T, B, D), (B, H), (B, H), (T, B, H))
    Hs, cache = layer.forward(X, (h0, c0))
    h, c, caches = h0, c0, []
    for t in range(T):
        h, c, step = lstm_step_forward(X[t], h, c, p, **layer._variant())
        caches.append(step)
        np.testing.assert_allclose(Hs[t], h, **TOL[dtype])
        assert h.dtype == c.dtype == dtype
    for name in cache.steps._fields:  # every record: h_prev, c_prev, i, f, o, c~, c, tanh c
        np.testing.assert_allclose(getattr(cache.steps, name),
                                   np.stack([getattr(s, name) for s in caches]), **TOL[dtype])
    dX = np.empty_like(X)
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(c0)
    for t in reversed(range(T)):
        g = lstm_step_backward(dH[t] + dh_next, dc_next, caches[t])
        dX[t], dh_next, dc_next = g.dx_t, g.dh_prev, g.dc_prev
        for k in grads:
            grads[k] += g.grads[k]
    _assert_grads_equal(layer.bptt(dH, cache), dX, (dh_next, dc_next), grads, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reset_after", [False, True])
def test_gru_layer_equals_a_loop_of_steps(reset_after, dtype):
    layer, rng = _gru(reset_after, dtype)
    p = layer.params
    X, h0, dH = _data(rng, dtype, (T, B, D), (B, H), (T, B, H))
    Hs, cache = layer.forward(X, h0)
    h, caches = h0, []
    for t in range(T):
        h, step = gru_step_forward(X[t], h, p, reset_after=reset_after)
        caches.append(step)
        np.testing.assert_allclose(Hs[t], h, **TOL[dtype])
        assert h.dtype == dtype
    for name in cache.steps._fields:  # h_prev, z, r, h~, n
        np.testing.assert_allclose(getattr(cache.steps, name),
                                   np.stack([getattr(s, name) for s in caches]), **TOL[dtype])
    dX = np.empty_like(X)
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        g = gru_step_backward(dH[t] + dh_next, caches[t])
        dX[t], dh_next = g.dx_t, g.dh_prev
        for k in grads:
            grads[k] += g.grads[k]
    _assert_grads_equal(layer.bptt(dH, cache), dX, (dh_next,), grads, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "identity"])
@pytest.mark.parametrize("cls", [RNN, ResidualRNN])
def test_rnn_layer_equals_a_loop_of_steps(cls, activation, dtype):
    layer, rng = _rnn(cls, activation, dtype)
    W, U, b = layer.params["W"], layer.params["U"], layer.params["b"]
    X, h0, dH = _data(rng, dtype, (T, B, D), (B, H), (T, B, H))
    Hs, cache = layer.forward(X, h0)
    h, caches = h0, []
    for t in range(T):
        h, step = rnn_step_forward(X[t], h, W, U, b, activation, layer.residual)
        caches.append(step)
        np.testing.assert_allclose(Hs[t], h, **TOL[dtype])
        np.testing.assert_allclose(cache.A[t], step.a_t, **TOL[dtype])
        assert h.dtype == dtype
    dX = np.empty_like(X)
    dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(T)):
        g = rnn_step_backward(dH[t] + dh_next, caches[t])
        dX[t], dh_next = g.dx_t, g.dh_prev
        dW += g.dW
        dU += g.dU
        db += g.db
    _assert_grads_equal(layer.bptt(dH, cache), dX, (dh_next,),
                        {"W": dW, "U": dU, "b": db}, dtype)


def test_step_functions_leave_their_inputs_alone():
    layer, rng = _lstm({"peephole": True}, np.float64)
    x_t, h_prev, c_prev, dh, dc = _data(rng, np.float64, (B, D), (B, H), (B, H), (B, H), (B, H))
    before = [a.copy() for a in (x_t, h_prev, c_prev, dh, dc, *layer.params.values())]
    _, _, cache = lstm_step_forward(x_t, h_prev, c_prev, layer.params, peephole=True)
    lstm_step_backward(dh, dc, cache)
    after = (x_t, h_prev, c_prev, dh, dc, *layer.params.values())
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_no_forget_gate_and_coupled_record_their_implied_forget_gate():
    # (6.60): f_t = 1; (6.64): f_t = 1 - i_t, in the step cache and in the layer's record
    for kw, implied in [({"forget_gate": False}, lambda i: np.ones_like(i)),
                        ({"coupled": True}, lambda i: 1 - i)]:
        layer, rng = _lstm(kw, np.float64)
        X = rng.standard_normal((T, B, D))
        s = layer.forward(X)[1].steps
        assert np.array_equal(s.f, implied(s.i))
        _, _, step = lstm_step_forward(X[0], np.zeros((B, H)), np.zeros((B, H)),
                                       layer.params, **layer._variant())
        assert np.array_equal(step.f, implied(step.i))
