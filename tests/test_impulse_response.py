"""Impulse responses of a time-delay network (finite) and an RNN (infinite)."""

import numpy as np

from rnnlab import RNN
from rnnlab.book import rnn_impulse_response, tdnn_forward, tdnn_impulse_response


def test_tdnn_forward_is_a_causal_convolution():
    rng = np.random.default_rng(0)
    x, A = rng.standard_normal((6, 2, 3)), rng.standard_normal((2, 4, 3))
    h = tdnn_forward(x, A)
    assert h.shape == (6, 2, 4)
    np.testing.assert_allclose(h[0], np.tanh(x[0] @ A[0].T), rtol=1e-13)           # no x_0
    np.testing.assert_allclose(h[3], np.tanh(x[3] @ A[0].T + x[2] @ A[1].T), rtol=1e-13)


def test_tdnn_response_is_finite_and_matches_the_analytic_gradient():
    rng = np.random.default_rng(1)
    x, A = rng.standard_normal((8, 1, 3)), rng.standard_normal((3, 4, 3))
    resp = tdnn_impulse_response(x, A)
    assert np.all(resp[:3] > 0) and np.all(resp[3:] == 0)       # window of p = 3 steps
    # analytic: d(sum h_t)/dx_1 = A_(t-1)^T (1 - h_t^2) for t <= p
    h = tdnn_forward(x, A)
    exact = [np.linalg.norm(A[t].T @ (1 - h[t, 0] ** 2)) for t in range(3)]
    np.testing.assert_allclose(resp[:3], exact, rtol=1e-7)


def test_rnn_response_matches_finite_differences_and_never_vanishes():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 1, 3))
    layer = RNN(3, 4, rng=rng)
    resp = rnn_impulse_response(layer, x)
    assert resp.shape == (6,) and np.all(resp > 0)
    t, eps = 4, 1e-6
    fd = np.zeros(3)
    for i in range(3):
        e = np.zeros_like(x)
        e[0, 0, i] = eps
        fd[i] = (layer.forward(x + e)[0][t].sum() - layer.forward(x - e)[0][t].sum()) / (2 * eps)
    np.testing.assert_allclose(resp[t], np.linalg.norm(fd), rtol=1e-6)
