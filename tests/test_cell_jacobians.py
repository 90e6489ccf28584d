"""rnnlab.grad.cell_jacobians: one-step Jacobians of the gated cells, and the LSTM's products."""

import numpy as np
import pytest

from rnnlab import GRU, LSTM, numerical_gradient
from rnnlab.grad import (
    direct_cell_jacobian,
    gru_state_jacobian,
    jacobians,
    lstm_cell_jacobian,
    lstm_dc_products,
    lstm_state_jacobian,
)


def _step_inputs(rng, D=3, H=4):
    return rng.standard_normal((1, 1, D)), rng.standard_normal((1, H)), rng.standard_normal((1, H))


def test_direct_cell_jacobian_is_diag_f_and_identity_without_forget_gate():
    """The cell path holding h_(t-1) fixed: diag(f_t), or I without a forget gate (1e-10)."""
    rng = np.random.default_rng(0)
    x, h_prev, c_prev = _step_inputs(rng)
    lstm = LSTM(3, 4, rng=rng)
    f = lstm.forward(x, (h_prev, c_prev))[1].steps.f[0, 0]
    np.testing.assert_allclose(direct_cell_jacobian(lstm, x, h_prev, c_prev), np.diag(f),
                               atol=1e-10)
    no_f = LSTM(3, 4, rng=rng, forget_gate=False)
    np.testing.assert_allclose(direct_cell_jacobian(no_f, x, h_prev, c_prev), np.eye(4),
                               atol=1e-10)
    c_before = c_prev.copy()
    direct_cell_jacobian(lstm, x, h_prev, c_prev)
    np.testing.assert_array_equal(c_prev, c_before)  # the caller's array is not touched
    with pytest.raises(ValueError, match="x"):
        direct_cell_jacobian(lstm, x[0], h_prev, c_prev)


@pytest.mark.parametrize("t", [1, 3, 5])
def test_state_jacobian_blocks_against_central_differences(t):
    """J_t of one step against differences of the layer's forward pass in (h, c) (1e-9)."""
    rng = np.random.default_rng(t)
    lstm = LSTM(3, 4, rng=rng)
    X = rng.standard_normal((5, 1, 3))
    _, cache = lstm.forward(X)
    s = cache.steps
    h_prev, c_prev = s.h_prev[t - 1].copy(), s.c_prev[t - 1].copy()
    J_num = np.empty((8, 8))
    for j in range(8):
        def out(j=j):  # entry j of (h_t, c_t)
            H_seq, step = lstm.forward(X[t - 1:t], (h_prev, c_prev))
            return np.concatenate([H_seq[0, 0], step.steps.c[0, 0]])[j]
        J_num[j, :4] = numerical_gradient(out, h_prev, eps=1e-4, order=4)[0]
        J_num[j, 4:] = numerical_gradient(out, c_prev, eps=1e-4, order=4)[0]
    np.testing.assert_allclose(lstm_state_jacobian(lstm, cache, t), J_num, atol=1e-9)


def test_state_jacobian_refuses_variants_and_bad_steps():
    layer = LSTM(2, 3, rng=np.random.default_rng(0), coupled=True)
    _, cache = layer.forward(np.zeros((3, 1, 2)))
    with pytest.raises(ValueError, match="standard LSTM"):
        lstm_state_jacobian(layer, cache, 2)
    layer = LSTM(2, 3, rng=np.random.default_rng(0))
    _, cache = layer.forward(np.zeros((3, 1, 2)))
    with pytest.raises(ValueError, match="1..T=3"):
        lstm_state_jacobian(layer, cache, 4)


def test_state_product_is_the_exact_total_and_the_step_product_is_not():
    """[0 I] J_T...J_(k+1) [dh_k/dc_k; I] is BPTT's dc_T/dc_k (1e-12 relative); the product
    of one-step totals misses the output-gate paths (> 1e-3) unless every U_o = 0."""
    rng = np.random.default_rng(8)
    lstm = LSTM(3, 4, rng=rng)
    X = rng.standard_normal((8, 2, 3))
    for U_o_zero in (False, True):
        if U_o_zero:
            lstm.params["U_o"][:] = 0
        exact = jacobians(lstm, X, wrt="c", sample=1)
        via_state, via_steps = lstm_dc_products(lstm, X, sample=1)
        scale = np.abs(exact).max(axis=(1, 2))[:, None, None]
        assert (np.abs(via_state - exact) / scale).max() < 1e-12
        gap = (np.abs(via_steps - exact) / scale).max()
        assert gap < 1e-12 if U_o_zero else gap > 1e-3
    # the dh_T/dh_k Jacobian of BPTT (cell held fixed) is the h-h block of the same product
    _, cache = lstm.forward(X)
    J = np.eye(8)
    for t in range(8, 3, -1):
        J = J @ lstm_state_jacobian(lstm, cache, t, sample=1)
    np.testing.assert_allclose(J[:4, :4], jacobians(lstm, X, sample=1)[2], atol=1e-13)


@pytest.mark.parametrize("t", [2, 3, 5])
def test_lstm_cell_jacobian_is_the_exact_one_step_derivative(t):
    """The formula equals dc_t/dc_{t-1} of the layer's own backward pass (chain rule)."""
    rng = np.random.default_rng(t)
    layer = LSTM(3, 4, rng=rng)
    X = rng.standard_normal((5, 2, 3))
    _, cache = layer.forward(X[:t])
    J = lstm_cell_jacobian(layer, cache, t, sample=1)
    np.testing.assert_allclose(J, jacobians(layer, X[:t], sample=1, wrt="c")[t - 2],
                               atol=1e-13)


def test_lstm_cell_jacobian_is_diag_f_without_recurrent_weights():
    rng = np.random.default_rng(0)
    layer = LSTM(3, 4, rng=rng)
    for g in "ifoc":
        layer.params[f"U_{g}"][:] = 0
    _, cache = layer.forward(rng.standard_normal((4, 1, 3)))
    np.testing.assert_array_equal(lstm_cell_jacobian(layer, cache, 3),
                                  np.diag(cache.steps.f[2, 0]))


def test_lstm_cell_jacobian_refuses_variants():
    layer = LSTM(2, 3, rng=np.random.default_rng(0), peephole=True)
    _, cache = layer.forward(np.zeros((3, 1, 2)))
    with pytest.raises(ValueError, match="standard LSTM"):
        lstm_cell_jacobian(layer, cache, 2)


@pytest.mark.parametrize("reset_after", [False, True])
def test_gru_state_jacobians_multiply_to_dh_T_dh_k(reset_after):
    rng = np.random.default_rng(5)
    layer = GRU(3, 4, rng=rng, reset_after=reset_after, update_bias=0.5)
    if reset_after:
        layer.params["b_Uh"][:] = rng.uniform(-0.5, 0.5, 4)
    X = rng.standard_normal((6, 2, 3))
    _, cache = layer.forward(X)
    P = np.eye(4)
    for t in range(6, 1, -1):
        P = P @ gru_state_jacobian(layer, cache, t)
    np.testing.assert_allclose(P, jacobians(layer, X)[0], atol=1e-13)
