"""Diagnostics against explicitly built Jacobians, and the Pascanu et al. (2013) bound."""

import numpy as np
import pytest

from rnnlab import LSTM, RNN, numerical_gradient
from rnnlab.book import probe_inputs
from rnnlab.grad import (
    forget_gate_products,
    gradient_profile,
    jacobian_norms,
    jacobians,
    product_bound,
    slope_profile,
    state_grad_norms,
)
from rnnlab.layers import make_cell, recurrent_matrix, sigmoid

from layer_configs import CONFIGS

SINGLE = [n for n in CONFIGS if not n.startswith(("Stacked", "Bidirectional"))]


def _state_at(layer, H, cache, k, sample):
    """The state (h_k[, c_k]) of one sample after step k (1-based), shape (1, H) each."""
    h = H[k - 1, sample:sample + 1].copy()
    if layer.n_states == 2:
        return h, cache.steps.c[k - 1, sample:sample + 1].copy()
    return h


@pytest.mark.parametrize("name", SINGLE)
def test_jacobians_match_finite_differences_of_the_forward_pass(name):
    """dh_T/dh_k from one backward pass equals the Jacobian of the map h_k -> h_T
    obtained by running the layer forward from step k (central differences)."""
    rng = np.random.default_rng(SINGLE.index(name))
    T, B, D, Hn, sample = 7, 3, 2, 4, 1
    layer = CONFIGS[name](D, Hn, rng, np.float64)
    X = rng.standard_normal((T, B, D))
    J = jacobians(layer, X, sample=sample)
    H, cache = layer.forward(X)
    assert J.shape == (T, Hn, Hn)
    np.testing.assert_allclose(J[-1], np.eye(Hn))
    for k in (1, 3, T - 1):
        state = _state_at(layer, H, cache, k, sample)
        h = state[0] if isinstance(state, tuple) else state
        num = np.empty((Hn, Hn))
        for j in range(Hn):
            def f(j=j, k=k, state=state):
                return layer.forward(X[k:, sample:sample + 1], state)[0][-1, 0, j]
            num[j] = numerical_gradient(f, h, eps=1e-4, order=4)[0]
        np.testing.assert_allclose(J[k - 1], num, atol=1e-9, err_msg=f"k={k}")


@pytest.mark.parametrize("peephole", [False, True])
def test_lstm_cell_path_is_the_total_derivative(peephole):
    """dc_T/dc_k with h_k = o_k ⊙ tanh(c_k) moving with c_k (o_k too, with peepholes)."""
    rng = np.random.default_rng(7)
    layer = CONFIGS["LSTM peephole" if peephole else "LSTM"](3, 4, rng, np.float64)
    X = rng.standard_normal((6, 2, 3))
    Jc = jacobians(layer, X, wrt="c")
    H, cache = layer.forward(X)
    s, V_o = cache.steps, layer.params.get("V_o", 0.0)
    for k in (1, 4):
        c_k = s.c[k - 1, :1].copy()
        o = s.o[k - 1, :1]
        z_o_without_cell = np.log(o / (1 - o)) - c_k * V_o

        def c_T_entry(j, c_k=c_k, z=z_o_without_cell, k=k):
            h_k = sigmoid(z + c_k * V_o) * np.tanh(c_k)
            return layer.final_state(layer.forward(X[k:, :1], (h_k, c_k))[1])[1][0, j]

        num = np.stack([numerical_gradient(lambda j=j: c_T_entry(j), c_k, 1e-4, order=4)[0]
                        for j in range(4)])
        np.testing.assert_allclose(Jc[k - 1], num, atol=1e-9)


def test_rnn_jacobian_is_the_product_of_diag_fprime_U():
    """NNDL (6.47): dh_T/dh_k = prod_{i=k+1}^T diag(f'(z_i)) U, built explicitly."""
    rng = np.random.default_rng(3)
    layer = RNN(3, 5, rng=rng)
    X = rng.standard_normal((9, 2, 3))
    J = jacobians(layer, X, sample=0)
    A = layer.forward(X)[0][:, 0]  # (T, H) = tanh(z_t)
    P = np.eye(5)
    for k in range(8, 0, -1):  # k = T-1 .. 1
        P = P @ ((1 - A[k] ** 2)[:, None] * layer.params["U"])  # times dh_{k+1}/dh_k
        np.testing.assert_allclose(J[k - 1], P, atol=1e-13)


@pytest.mark.parametrize("activation,gamma", [("tanh", 1.0), ("sigmoid", 0.25)])
@pytest.mark.parametrize("sigma_1", [0.5, 1.0, 1.5, 4.0])
def test_pascanu_bound(activation, gamma, sigma_1):
    """||dh_T/dh_k|| <= (gamma sigma_1)^(T-k) for every k, for a Gaussian U."""
    rng = np.random.default_rng(int(sigma_1 * 10))
    T, Hn = 30, 16
    layer = RNN(4, Hn, rng=rng, activation=activation)
    layer.params["U"][:] = recurrent_matrix(Hn, rng, sigma_max=sigma_1)
    X = rng.standard_normal((T, 3, 4))
    for sample in range(3):
        norms = jacobian_norms(layer, X, sample=sample)
        bound = product_bound(gamma, sigma_1, T)
        assert np.all(norms <= bound * (1 + 1e-12))
    if gamma * sigma_1 < 1:  # then the gradient vanishes geometrically
        assert norms[0] <= (gamma * sigma_1) ** (T - 1) * (1 + 1e-12)


def test_state_grad_norms_are_the_norms_of_the_bptt_gradients():
    rng = np.random.default_rng(4)
    layer = LSTM(3, 6, rng=rng)
    X = rng.standard_normal((12, 5, 3))
    norms = state_grad_norms(layer, X)
    J = np.stack([jacobians(layer, X, sample=b) for b in range(5)], axis=1)  # (T, B, H, H)
    seed = np.full(6, 1 / np.sqrt(6))
    expected = np.linalg.norm(np.einsum("tbjh,j->tbh", J, seed), axis=-1).mean(axis=1)
    np.testing.assert_allclose(norms, expected, rtol=1e-12)
    assert norms[-1] == pytest.approx(1.0)


def test_stacked_state_grad_norms_have_one_row_per_layer():
    from rnnlab import GRU, Stacked
    rng = np.random.default_rng(5)
    deep = Stacked([RNN(2, 4, rng=rng), GRU(4, 4, rng=rng), LSTM(4, 3, rng=rng)])
    norms = state_grad_norms(deep, rng.standard_normal((10, 2, 2)))
    assert norms.shape == (3, 10)
    assert norms[2, -1] == pytest.approx(1.0)
    assert np.all(norms > 0)


def test_forget_gate_products():
    rng = np.random.default_rng(6)
    layer = LSTM(2, 3, rng=rng, forget_bias=2.0)
    X = rng.standard_normal((8, 2, 2))
    _, cache = layer.forward(X)
    P = forget_gate_products(cache, sample=1)
    F = cache.steps.f[:, 1]
    for k in range(1, 9):
        assert P[k - 1] == pytest.approx(np.prod(F[k:], axis=0).max(), rel=1e-12)
    assert P[-1] == 1.0  # the empty product at k = T


@pytest.mark.parametrize("gamma, sigma_1, name", [(np.nan, 1.0, "gamma"), (1.0, np.inf, "sigma_1"),
                                                  (-0.5, 1.0, "gamma"), (1.0, "2", "sigma_1")])
def test_product_bound_refuses_non_finite_or_negative_factors(gamma, sigma_1, name):
    with pytest.raises((ValueError, TypeError), match=f"{name} must be a"):
        product_bound(gamma, sigma_1, 5)
    np.testing.assert_array_equal(product_bound(np.float32(0.5), 2, 3), [1.0, 1.0, 1.0])


def test_gradient_profile_without_recurrent_weights_is_the_gate_path():
    """With every U_g = 0 the cell path diag(f) is the only path: ||dc_T/dc_k|| = ||prod f||."""
    rng = np.random.default_rng(1)
    layer = make_cell("LSTM", 4, 5, rng, sigma_1=0.0, flat=True)
    prof = gradient_profile(layer, probe_inputs(12))
    assert prof.dh.shape == prof.dc.shape == prof.gate_path.shape == (12,)
    np.testing.assert_allclose(prof.dc, prof.gate_path, rtol=1e-12)
    g = gradient_profile(make_cell("GRU", 4, 5, rng, sigma_1=0.0, flat=True), probe_inputs(12))
    assert g.dc is None and g.gate_path.shape == (12,)
    r = gradient_profile(make_cell("RNN", 4, 5, rng), probe_inputs(12))
    assert r.dc is None and r.gate_path is None


def test_gradient_profile_dc_is_the_jacobian_norm():
    layer = make_cell("LSTM", 4, 5, np.random.default_rng(2), sigma_1=1.0, flat=True)
    X = probe_inputs(9)
    np.testing.assert_allclose(gradient_profile(layer, X).dc,
                               jacobian_norms(layer, X, wrt="c"))


def test_slope_profile_against_the_forward_record():
    """Slopes are 1 - h_t^2 of the tanh states; rms, saturated fraction and factor norms
    follow from them and from U by their definitions."""
    from rnnlab import RNN

    rng = np.random.default_rng(0)
    layer = RNN(3, 5, rng=rng)
    layer.params["U"][:] *= 6  # large weights: some units saturate
    X = 2 * rng.standard_normal((7, 2, 3))
    prof = slope_profile(layer, X, sample=1)
    S = 1 - layer.forward(X)[0][:, 1] ** 2  # (T, H)
    np.testing.assert_allclose(prof.slopes, S, rtol=1e-14)
    np.testing.assert_allclose(prof.rms, np.sqrt((S**2).mean(axis=1)), rtol=1e-14)
    np.testing.assert_array_equal(prof.low, (S < 0.1).mean(axis=1))
    assert 0 < prof.low.max() <= 1
    for t in range(7):
        J = np.diag(S[t]) @ layer.params["U"]
        assert prof.factor_norms[t] == pytest.approx(np.linalg.svd(J)[1][0], rel=1e-12)


def test_slope_profile_rejects_gated_cells_and_bad_samples():
    from rnnlab import RNN

    X = np.zeros((3, 2, 2))
    with pytest.raises(TypeError, match="simple RNN"):
        slope_profile(LSTM(2, 3, rng=np.random.default_rng(0)), X)
    with pytest.raises(ValueError, match="sample"):
        slope_profile(RNN(2, 3, rng=np.random.default_rng(0)), X, sample=2)
