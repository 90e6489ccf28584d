"""RTRL (NNDL (6.42)–(6.46)) against BPTT, and how their costs scale."""

import numpy as np
import pytest

from rnnlab import LSTM, RNN, ResidualRNN, relative_error
from rnnlab.grad.rtrl import _zeros, flops, measure_cost, rtrl_gradients, rtrl_step

CASES = [(RNN, "tanh"), (RNN, "sigmoid"), (RNN, "relu"), (RNN, "identity"),
         (ResidualRNN, "tanh"), (ResidualRNN, "sigmoid")]


@pytest.mark.parametrize("cls, activation", CASES)
@pytest.mark.parametrize("draw", range(4))
def test_rtrl_equals_bptt_on_random_cases(cls, activation, draw):
    """The forward-mode gradient is BPTT's gradient to 1e-10 (relative), with and
    without an initial state, for random sizes, inputs and losses on every step."""
    rng = np.random.default_rng(100 * draw + CASES.index((cls, activation)))
    T, B, D, H = (int(v) for v in rng.integers([1, 1, 1, 1], [9, 5, 5, 7]))
    layer = cls(D, H, rng=rng, activation=activation)
    if cls is ResidualRNN:
        layer.params["U"] *= 0.5
    X = rng.standard_normal((T, B, D))
    h0 = None if draw % 2 else 0.5 * rng.standard_normal((B, H))
    dH = rng.standard_normal((T, B, H))
    _, cache = layer.forward(X, h0)
    bptt = layer.bptt(dH, cache).grads
    rtrl = rtrl_gradients(layer, X, dH, h0).grads
    assert set(rtrl) == set(bptt) == {"W", "U", "b"}
    for name in bptt:
        assert rtrl[name].shape == bptt[name].shape
        assert relative_error(rtrl[name], bptt[name]) < 1e-10, name


def test_online_loss_callback_sees_each_state_once_and_matches_bptt():
    """With dH given as a function of (t, h_t), RTRL calls it at t = 0..T-1 in order with
    the layer's own h_t, and the gradient equals BPTT's for the same dL_t/dh_t."""
    rng = np.random.default_rng(7)
    T, B, D, H = 6, 3, 2, 4
    layer = RNN(D, H, rng=rng)
    X = rng.standard_normal((T, B, D))
    G = rng.standard_normal((T, B, H))
    Hs, cache = layer.forward(X)
    seen = []

    def dH(t, h_t):
        seen.append(t)
        np.testing.assert_allclose(h_t, Hs[t], rtol=0, atol=1e-14)
        return G[t]

    res = rtrl_gradients(layer, X, dH)
    assert seen == list(range(T))
    np.testing.assert_allclose(res.h_T, Hs[-1], rtol=0, atol=1e-14)
    bptt = layer.bptt(G, cache).grads
    for name in bptt:
        assert relative_error(res.grads[name], bptt[name]) < 1e-10


def test_sensitivities_are_the_jacobian_of_h_t_by_finite_differences():
    """After one step from h_0, dh_1/dU[j, k] = f'(z_1)[i] [i == j] h_0[k] exactly,
    and after two steps the sensitivity matches a central difference of h_2."""
    rng = np.random.default_rng(3)
    B, D, H = 2, 3, 4
    layer = RNN(D, H, rng=rng)
    X = rng.standard_normal((2, B, D))
    h0 = rng.standard_normal((B, H))
    W, U, b = (layer.params[k] for k in "WUb")
    df = layer.activation.df
    S = _zeros(B, D, H, np.float64)
    a1 = np.tanh(X[0] @ W.T + h0 @ U.T + b)
    S1 = rtrl_step(S, X[0], h0, a1, U, df)
    expected = np.einsum("ni,ij,nk->nijk", df(a1), np.eye(H), h0)
    np.testing.assert_allclose(S1.U, expected, rtol=0, atol=1e-15)
    a2 = np.tanh(X[1] @ W.T + a1 @ U.T + b)
    S2 = rtrl_step(S1, X[1], a1, a2, U, df)
    eps, (j, k) = 1e-6, (1, 2)
    Up, Um = U.copy(), U.copy()
    Up[j, k] += eps
    Um[j, k] -= eps

    def _h2(Uq):
        h1 = np.tanh(X[0] @ W.T + h0 @ Uq.T + b)
        return np.tanh(X[1] @ W.T + h1 @ Uq.T + b)

    numeric = (_h2(Up) - _h2(Um)) / (2 * eps)
    np.testing.assert_allclose(S2.U[:, :, j, k], numeric, rtol=1e-7, atol=1e-9)


def test_rtrl_memory_does_not_grow_with_T_and_bptt_memory_does():
    """Peak memory (tracemalloc): RTRL's is the same for T = 20 and T = 160 (only the
    sensitivities, B H^2 (D + H + 1) numbers); BPTT's grows at least 4-fold with T."""
    table = measure_cost([20, 160], B=4, D=3, H=8, repeats=1, rng=np.random.default_rng(0))
    assert table.peak_rtrl[1] <= 1.05 * table.peak_rtrl[0]
    assert table.peak_bptt[1] >= 4 * table.peak_bptt[0]
    sens_bytes = 8 * 4 * 8 * 8 * (3 + 8 + 1)
    assert table.peak_rtrl[0] >= sens_bytes  # at least the sensitivities are held


def test_rtrl_time_is_many_bptt_times_at_moderate_H():
    """Best-of-3 wall time: at H = 24 an RTRL gradient costs several BPTT gradients
    (the flop ratio is about H^2 (D + H + 1) / (3 (D + H)) ~ 200; we only ask for 3x,
    which holds on any machine however loaded)."""
    table = measure_cost([30], B=4, D=4, H=24, repeats=3, rng=np.random.default_rng(1))
    assert table.seconds_rtrl[0] > 3 * table.seconds_bptt[0]


def test_flop_counts():
    """The operation counts grow linearly in T for both methods and as H^4 for RTRL."""
    assert flops("bptt", 20, 2, 3, 5) == 2 * flops("bptt", 10, 2, 3, 5)
    assert flops("rtrl", 20, 2, 3, 5) == 2 * flops("rtrl", 10, 2, 3, 5)
    r = flops("rtrl", 1, 1, 1, 64) / flops("rtrl", 1, 1, 1, 32)
    assert 15 < r < 17  # dominated by 2 H^2 * H (D + H + 1) ~ H^4
    assert flops("bptt", 10, 2, 3, 5) == 6 * 10 * 2 * 5 * (3 + 5)
    with pytest.raises(ValueError, match="method"):
        flops("forward", 1, 1, 1, 1)


def test_rtrl_rejects_gated_layers_and_bad_dH():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="simple RNN"):
        rtrl_gradients(LSTM(2, 3, rng=rng), np.zeros((2, 1, 2)), np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match="dH"):
        rtrl_gradients(RNN(2, 3, rng=rng), np.zeros((2, 1, 2)), np.zeros((3, 1, 3)))
