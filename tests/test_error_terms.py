"""delta_matrix: the error terms of BPTT, against the library's backward pass."""

import numpy as np
import pytest

from rnnlab import RNN
from rnnlab.grad import delta_matrix


def test_column_sums_are_bptts_total_errors_and_the_future_is_zero():
    rng = np.random.default_rng(0)
    T, B, D, H = 7, 3, 2, 5
    layer = RNN(D, H, rng=rng)
    X, G = rng.standard_normal((T, B, D)), rng.standard_normal((T, B, H))
    Hs, cache = layer.forward(X)
    slope = 1 - Hs**2
    delta = delta_matrix(slope, G, layer.params["U"])
    assert delta.shape == (T, T, B, H)
    assert np.all(delta[np.triu_indices(T, 1)] == 0)          # L_t does not depend on z_k, k > t
    # sum over t >= k of delta_(t,k) = dL/dz_k, which rnnlab's BPTT computes in one sweep
    total = slope * layer.bptt(G, cache).dH_total
    np.testing.assert_allclose(delta.sum(axis=0), total, rtol=1e-12, atol=1e-14)


def test_one_step_is_the_product_with_u_transpose():
    slope = np.full((2, 1, 2), 0.5)
    G = np.array([[[0.0, 0.0]], [[1.0, 2.0]]])
    U = np.array([[1.0, 2.0], [3.0, 4.0]])
    d = delta_matrix(slope, G, U)
    np.testing.assert_allclose(d[1, 1, 0], [0.5, 1.0])
    np.testing.assert_allclose(d[1, 0, 0], 0.5 * (U.T @ [0.5, 1.0]))   # diag(f') U^T delta


def test_shape_errors_name_the_arguments():
    with pytest.raises(ValueError, match="slope"):
        delta_matrix(np.ones((3, 2, 4)), np.ones((3, 2, 5)), np.eye(4))
