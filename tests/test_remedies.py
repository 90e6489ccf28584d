"""Tests of rnnlab.book.remedies: the gated and the normalised residual updates and the damped
antisymmetric U (exercise 6-3)."""

import numpy as np
import pytest

from rnnlab import ResidualRNN, check_layer
from rnnlab.book import (
    LABELS,
    GatedResidualRNN,
    NormalizedResidualRNN,
    damped_antisymmetric,
    grad_norm_comparison,
)
from rnnlab.grad import jacobians, state_grad_norms

LAYERS = {
    "gated tanh": lambda D, H, rng: GatedResidualRNN(D, H, rng=rng),
    "gated sigmoid": lambda D, H, rng: GatedResidualRNN(D, H, rng=rng, activation="sigmoid"),
    "coupled tanh": lambda D, H, rng: GatedResidualRNN(D, H, rng=rng, coupled=True),
    "coupled sigmoid": lambda D, H, rng: GatedResidualRNN(D, H, rng=rng, coupled=True,
                                                          activation="sigmoid"),
    "normalised tanh": lambda D, H, rng: NormalizedResidualRNN(D, H, rng=rng),
    "normalised sigmoid": lambda D, H, rng: NormalizedResidualRNN(D, H, rng=rng,
                                                                  activation="sigmoid"),
}


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("loss", ["every", "last"])
def test_gradients_match_central_differences(name, loss):
    rng = np.random.default_rng(7)
    layer = LAYERS[name](3, 4, rng)
    X = rng.standard_normal((6, 2, 3))
    h0 = rng.standard_normal((2, 4))
    report = check_layer(layer, X, h0, loss=loss, rng=rng)
    assert report.max_error < 1e-7, str(report)


@pytest.mark.parametrize("name", LAYERS)
def test_shapes_and_final_state(name):
    rng = np.random.default_rng(0)
    layer = LAYERS[name](3, 5, rng)
    X = rng.standard_normal((7, 2, 3))
    H, cache = layer.forward(X)
    assert H.shape == (7, 2, 5)
    np.testing.assert_array_equal(layer.final_state(cache), H[-1])
    dX, dh0, grads = layer.backward(np.ones_like(H), cache)
    assert dX.shape == X.shape and dh0.shape == (2, 5)
    assert list(grads) == list(layer.params)
    assert all(grads[k].shape == p.shape for k, p in layer.params.items())


def test_gate_one_is_the_residual_update():
    """With f = 1 (b_f huge, W_f = U_f = 0) the uncoupled gated layer is (6.50) exactly."""
    rng = np.random.default_rng(1)
    gated = GatedResidualRNN(3, 4, rng=rng)
    res = ResidualRNN(3, 4, rng=rng)
    for k in ("W", "U", "b"):
        gated.params[k][:] = res.params[k]
    gated.params["W_f"][:] = 0
    gated.params["U_f"][:] = 0
    gated.params["b_f"][:] = 1e4  # sigma(1e4) == 1.0 exactly
    X = rng.standard_normal((5, 2, 3))
    np.testing.assert_allclose(gated.forward(X)[0], res.forward(X)[0], rtol=0, atol=1e-14)


def test_coupled_state_stays_between_previous_state_and_increment():
    """Coupled: h_t is a convex combination of h_{t-1} and g(z_t), so it stays in (0, 1)
    with a logistic g and h_0 = 0, for any input."""
    rng = np.random.default_rng(2)
    layer = GatedResidualRNN(3, 6, rng=rng, coupled=True, activation="sigmoid")
    H, cache = layer.forward(5 * rng.standard_normal((300, 4, 3)))
    assert np.all((H >= 0) & (H <= 1))
    H_prev = np.concatenate([np.zeros((1, 4, 6)), H[:-1]])
    lo, hi = np.minimum(H_prev, cache.A), np.maximum(H_prev, cache.A)
    assert np.all((H >= lo - 1e-15) & (H <= hi + 1e-15))


def test_residual_state_grows_but_normalised_state_has_rms_one():
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 1, (200, 4, 3))
    H_res, _ = ResidualRNN(3, 6, rng=np.random.default_rng(4), activation="sigmoid").forward(X)
    norm = NormalizedResidualRNN(3, 6, rng=np.random.default_rng(4), activation="sigmoid")
    H_norm, _ = norm.forward(X)
    assert np.linalg.norm(H_res[-1], axis=-1).min() > 50  # h_t accumulates every increment
    np.testing.assert_allclose(np.sqrt(np.mean(H_norm**2, axis=-1)), 1.0, rtol=1e-7)


def test_normalised_jacobian_formula():
    """dh_t/dh_{t-1} = (I - h_t h_t^T / H) / r_t (I + diag(g') U) (exact, eps included),
    against the Jacobian that rnnlab.grad.jacobians() obtains from the layer's backward."""
    rng = np.random.default_rng(5)
    H = 5
    layer = NormalizedResidualRNN(3, H, rng=rng, eps=0.5)  # a large eps: still exact
    X = rng.standard_normal((2, 1, 3))
    h, cache = layer.forward(X)
    h2, r2, slope = h[1, 0], cache.R[1, 0, 0], 1 - cache.A[1, 0] ** 2
    J = (np.eye(H) - np.outer(h2, h2) / H) / r2 @ (np.eye(H) + slope[:, None] * layer.params["U"])
    np.testing.assert_allclose(jacobians(layer, X)[0], J, rtol=1e-12, atol=1e-14)


def test_grad_norm_comparison_shapes_and_the_qualitative_picture():
    data = grad_norm_comparison(0.5, 60)
    assert tuple(data) == LABELS
    assert all(v.shape == (60,) for v in data.values())
    # every curve starts from the same seed norm at k = T
    np.testing.assert_allclose([v[-1] for v in data.values()], data["simple RNN"][-1])
    assert data["(6.50) residual"][0] > data["(6.50) residual"][-1]  # grows back in time
    assert data["simple RNN"][0] < 1e-10 * data["simple RNN"][-1]  # vanishes


def test_bad_arguments_raise():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="eps"):
        NormalizedResidualRNN(3, 4, rng=rng, eps=0.0)
    with pytest.raises(ValueError, match="activation"):
        GatedResidualRNN(3, 4, rng=rng, activation="softplus")
    with pytest.raises(ValueError, match="T"):
        grad_norm_comparison(0.5, 0)


@pytest.mark.parametrize("rotation", [0.01, 0.3, 0.9, 0.999])
def test_damped_antisymmetric_keeps_the_linear_factor_inside_the_unit_disc(rotation):
    """U = rotation A - eps I with A antisymmetric (radius 1), eps = 1 - sqrt(1 - r^2) + margin:
    its symmetric part is -eps I, its rotation is r, and rho(I + U) = ||I + U||_2 < 1."""
    H = 16
    U = damped_antisymmetric(H, np.random.default_rng(4), rotation=rotation)
    eps = 1 - np.sqrt(1 - rotation**2) + 1e-3
    np.testing.assert_allclose((U + U.T) / 2, -eps * np.eye(H), rtol=0, atol=1e-15)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(U).imag).max(), rotation, rtol=1e-12)
    factor = np.eye(H) + U
    rho = np.abs(np.linalg.eigvals(factor)).max()
    assert rho < 1 and np.linalg.norm(factor, 2) < 1 + 1e-15
    # the closed form of the docstring, to rounding error
    room = np.sqrt(1 - rotation**2)
    np.testing.assert_allclose(rho, np.sqrt(1 - 2e-3 * room + 1e-6), rtol=1e-12)


def test_damped_antisymmetric_at_full_rotation_needs_zero_margin():
    U = damped_antisymmetric(8, np.random.default_rng(0), rotation=1.0, margin=0.0)
    assert np.abs(np.linalg.eigvals(np.eye(8) + U)).max() <= 1 + 1e-12  # on the unit circle
    with pytest.raises(ValueError, match="margin"):
        damped_antisymmetric(8, np.random.default_rng(0), rotation=1.0)  # default margin 1e-3


def test_the_damping_s2_over_2_is_not_enough():
    """The lower bound matters: eps = r^2 / 2 (below 1 - sqrt(1 - r^2)) puts the extreme
    eigenvalues of I + U outside the unit circle, |1 - r^2/2 + i r|^2 = 1 + r^4 / 4."""
    r = 0.9
    A = damped_antisymmetric(16, np.random.default_rng(4), rotation=r, margin=0.0)
    A = (A - A.T) / (2 * r)  # recover the antisymmetric A of radius 1
    rho = np.abs(np.linalg.eigvals(np.eye(16) + r * A - r**2 / 2 * np.eye(16))).max()
    np.testing.assert_allclose(rho, np.sqrt(1 + r**4 / 4), rtol=1e-12)
    assert rho > 1


def test_linear_residual_update_with_damped_antisymmetric_u_does_not_explode():
    """(6.50) with g the identity and this U: every factor is I + U, a contraction, so the
    gradient from the last step never grows, over 300 steps (norm 1 at k = T)."""
    rng = np.random.default_rng(1)
    layer = ResidualRNN(3, 16, rng=rng, activation="identity")
    layer.params["U"][:] = damped_antisymmetric(16, rng, rotation=0.5)
    norms = state_grad_norms(layer, rng.standard_normal((300, 2, 3)))
    assert norms[-1] == pytest.approx(1.0) and np.all(norms <= 1 + 1e-12)


def test_damped_antisymmetric_bad_arguments_raise():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="rotation"):
        damped_antisymmetric(8, rng, rotation=1.1)
    with pytest.raises(ValueError, match="margin"):
        damped_antisymmetric(8, rng, rotation=0.5, margin=2.0)
    with pytest.raises(ValueError, match="hidden_size"):
        damped_antisymmetric(1, rng, rotation=0.5)


@pytest.mark.parametrize("name", ["gated tanh", "normalised tanh"])
def test_caches_of_another_layer_are_refused(name):
    rng = np.random.default_rng(2)
    layer, twin = LAYERS[name](3, 4, rng), LAYERS[name](3, 4, rng)
    X = rng.standard_normal((5, 2, 3))
    H, cache = layer.forward(X)
    foreign = twin.forward(X)[1]
    with pytest.raises(ValueError, match="cache was produced by a different layer"):
        layer.final_state(foreign)
    with pytest.raises(ValueError, match="cache was produced by a different layer"):
        layer.bptt(np.ones_like(H), foreign)
    with pytest.raises(TypeError, match="cache must be the"):
        layer.bptt(np.ones_like(H), ResidualRNN(3, 4, rng=rng).forward(X)[1])
    np.testing.assert_array_equal(layer.final_state(cache), H[-1])  # its own cache is fine
