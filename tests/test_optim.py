"""Optimisers against hand-rolled recursions; clipping by norm and by value."""

import numpy as np
import pytest

from rnnlab.train import (
    SGD,
    Adagrad,
    Adam,
    Momentum,
    clip_grad_norm,
    clip_grad_value,
    global_norm,
)


def _problem(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    params = {"W": rng.normal(size=(3, 4)).astype(dtype), "b": rng.normal(size=3).astype(dtype)}
    grads = [{k: rng.normal(size=v.shape) for k, v in params.items()} for _ in range(3)]
    return params, grads


def _cos(a: dict, b: dict) -> float:
    va = np.concatenate([np.ravel(a[k]) for k in sorted(a)])
    vb = np.concatenate([np.ravel(b[k]) for k in sorted(b)])
    return float(va @ vb / (np.linalg.norm(va) * np.linalg.norm(vb)))


def test_sgd_step_is_minus_lr_times_gradient_in_place():
    params, grads = _problem()
    W = params["W"]
    expected = W - 0.1 * grads[0]["W"]
    SGD(0.1).step(params, grads[0])
    assert params["W"] is W  # updated in place: a layer sharing the array is trained
    np.testing.assert_allclose(W, expected, rtol=0, atol=1e-15)


def test_momentum_matches_hand_recursion_for_three_steps():
    params, grads = _problem()
    ref = {k: v.copy() for k, v in params.items()}
    vel = {k: np.zeros_like(v) for k, v in params.items()}
    opt = Momentum(0.05, beta=0.8)
    for g in grads:
        opt.step(params, g)
        for k in ref:  # v <- beta v - lr g; theta <- theta + v
            vel[k] = 0.8 * vel[k] - 0.05 * g[k]
            ref[k] = ref[k] + vel[k]
    for k in ref:
        np.testing.assert_allclose(params[k], ref[k], rtol=0, atol=1e-14)


def test_adagrad_matches_hand_recursion_for_three_steps():
    params, grads = _problem(1)
    ref = {k: v.copy() for k, v in params.items()}
    G = {k: np.zeros_like(v) for k, v in params.items()}
    opt = Adagrad(0.1, eps=1e-8)
    for g in grads:
        opt.step(params, g)
        for k in ref:
            G[k] = G[k] + g[k] ** 2
            ref[k] = ref[k] - 0.1 * g[k] / (np.sqrt(G[k]) + 1e-8)
    for k in ref:
        np.testing.assert_allclose(params[k], ref[k], rtol=0, atol=1e-14)


def test_adam_first_step_is_lr_times_sign_of_gradient():
    params, grads = _problem(2)
    g = {k: v + np.sign(v) * 0.1 for k, v in grads[0].items()}  # |g| >= 0.1 >> eps
    before = {k: v.copy() for k, v in params.items()}
    Adam(lr=0.01).step(params, g)
    for k in params:  # |g| / (|g| + eps) = 1 - O(1e-7)
        np.testing.assert_allclose(before[k] - params[k], 0.01 * np.sign(g[k]), rtol=1e-6)


def test_adam_matches_hand_recursion_with_bias_correction():
    params, grads = _problem(3)
    ref = {k: v.copy() for k, v in params.items()}
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(x) for k, x in params.items()}
    b1, b2, lr, eps = 0.8, 0.9, 0.02, 1e-8
    opt = Adam(lr, b1, b2, eps)
    for t, g in enumerate(grads, start=1):
        opt.step(params, g)
        for k in ref:
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            v[k] = b2 * v[k] + (1 - b2) * g[k] ** 2
            mh, vh = m[k] / (1 - b1**t), v[k] / (1 - b2**t)
            ref[k] = ref[k] - lr * mh / (np.sqrt(vh) + eps)
    for k in ref:
        np.testing.assert_allclose(params[k], ref[k], rtol=0, atol=1e-14)


@pytest.mark.parametrize("opt", [SGD(0.1), Momentum(0.1), Adagrad(0.1), Adam(0.1)],
                         ids=lambda o: type(o).__name__)
def test_float32_parameters_stay_float32(opt):
    params, grads = _problem(dtype=np.float32)  # float64 gradients
    arrays = dict(params)
    for g in grads:
        opt.step(params, g)
    for k, p in params.items():
        assert p.dtype == np.float32 and p is arrays[k]
    for s in vars(opt).values():  # the optimiser's running state is float32 too
        if isinstance(s, dict):
            assert all(a.dtype == np.float32 for a in s.values())


def test_step_rejects_mismatched_keys_and_shapes():
    params, grads = _problem()
    with pytest.raises(KeyError, match=r"missing \['b'\]"):
        SGD(0.1).step(params, {"W": grads[0]["W"]})
    with pytest.raises(KeyError, match=r"unexpected \['c'\]"):
        SGD(0.1).step(params, {**grads[0], "c": np.zeros(1)})
    with pytest.raises(ValueError, match=r"grads\['W'\] must have the shape of params\['W'\]"):
        SGD(0.1).step(params, {**grads[0], "W": np.zeros((4, 3))})


@pytest.mark.parametrize("make, name", [(lambda: SGD(0.0), "lr"), (lambda: SGD(-1), "lr"),
                                        (lambda: Momentum(0.1, beta=1.0), "beta"),
                                        (lambda: Adam(beta2=1.5), "beta2"),
                                        (lambda: Adagrad(0.1, eps=0), "eps")])
def test_bad_hyperparameters_are_named(make, name):
    with pytest.raises(ValueError, match=f"^{name} must lie in"):
        make()


def test_clip_grad_norm_rescales_to_max_norm_and_keeps_direction():
    _, grads = _problem()
    g = grads[0]
    saved = {k: v.copy() for k, v in g.items()}
    norm = np.sqrt(sum((v**2).sum() for v in g.values()))
    clipped, total = clip_grad_norm(g, max_norm=0.5)
    assert total == pytest.approx(norm, rel=1e-14)
    assert global_norm(clipped) == pytest.approx(0.5, rel=1e-12)
    assert _cos(clipped, g) == pytest.approx(1.0, abs=1e-12)  # direction unchanged
    for k in g:  # the input is untouched
        np.testing.assert_array_equal(g[k], saved[k])


def test_clip_grad_norm_below_threshold_copies_unchanged():
    _, grads = _problem()
    clipped, total = clip_grad_norm(grads[0], max_norm=1e6)
    for k, v in grads[0].items():
        np.testing.assert_array_equal(clipped[k], v)
        assert clipped[k] is not v  # a new array: changing it cannot change the input
    assert total < 1e6


def test_clip_grad_norm_keeps_float32_and_reports_nonfinite_norm():
    g = {"W": np.full((2, 2), 3.0, np.float32)}
    clipped, total = clip_grad_norm(g, 1.0)
    assert clipped["W"].dtype == np.float32 and total == pytest.approx(6.0)
    clipped, _ = clip_grad_norm(g, 5.0)  # just above the threshold: clipped too
    np.testing.assert_allclose(clipped["W"], 2.5, rtol=1e-6)
    _, total_inf = clip_grad_norm({"W": np.array([np.inf, 1.0])}, 1.0)
    assert total_inf == np.inf


def test_clip_grad_value_bounds_entries_but_turns_the_direction():
    g = {"a": np.array([10.0, 1.0]), "b": np.array([-0.5])}
    clipped = clip_grad_value(g, 1.0)
    np.testing.assert_array_equal(clipped["a"], [1.0, 1.0])
    np.testing.assert_array_equal(clipped["b"], [-0.5])
    np.testing.assert_array_equal(g["a"], [10.0, 1.0])  # input untouched
    # cos((10, 1, -.5), (1, 1, -.5)) = 11.25 / (sqrt(101.25) sqrt(2.25)) = 0.745
    assert _cos(clipped, g) == pytest.approx(11.25 / np.sqrt(101.25 * 2.25), rel=1e-12)
    assert _cos(clipped, g) < 0.75


def test_clip_thresholds_must_be_positive():
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm({"a": np.ones(2)}, 0.0)
    with pytest.raises(TypeError, match="clip_value"):
        clip_grad_value({"a": np.ones(2)}, "1")


def test_global_norm_of_huge_finite_gradients_is_finite_and_clippable():
    g = {"W": np.array([3e200, 4e200])}  # sum of squares overflows float64
    assert global_norm(g) == pytest.approx(5e200, rel=1e-14)
    clipped, _ = clip_grad_norm(g, 1.0)
    np.testing.assert_allclose(clipped["W"], [0.6, 0.8], rtol=1e-14)


def test_clip_grad_norm_when_the_norm_itself_overflows_float64():
    """||(1e308, 1e308, 1e308, 1e308)|| = 2e308 is beyond float64 (inf); the entries are
    finite, so the gradient can still be clipped: to max_norm = 1, every entry 0.5."""
    g = {"a": np.full(4, 1e308)}
    clipped, total = clip_grad_norm(g, 1)
    assert total == np.inf
    np.testing.assert_allclose(clipped["a"], 0.5, rtol=1e-15)
    assert global_norm(clipped) == pytest.approx(1.0, rel=1e-15)


def test_global_norm_of_tiny_gradients_does_not_underflow_to_zero():
    assert global_norm({"a": np.full(4, 1e-200)}) == pytest.approx(2e-200, rel=1e-15, abs=0)


@pytest.mark.parametrize("bad", [np.array([3, 4]), np.array([True, False]), [1, 2]])
def test_clipping_refuses_non_float_gradients(bad):
    """Integer gradients rescaled in their own dtype came back as zeros."""
    with pytest.raises(TypeError, match=r"grads\['a'\] must be a float array"):
        clip_grad_norm({"a": bad, "b": np.ones(2)}, 1.0)
    with pytest.raises(TypeError, match=r"grads\['a'\] must be a float array"):
        global_norm({"a": bad})
    with pytest.raises(TypeError, match=r"grads\['a'\] must be a float array"):
        clip_grad_value({"a": bad}, 1.0)


OPTIMISERS = [lambda: SGD(0.1), lambda: Momentum(0.1), lambda: Adagrad(0.1), lambda: Adam(0.1)]


@pytest.mark.parametrize("make", OPTIMISERS, ids=["SGD", "Momentum", "Adagrad", "Adam"])
@pytest.mark.parametrize("bad, exc, msg", [
    (np.array([1.0, np.nan, 0.0]), ValueError, r"grads\['b'\] contains NaN or inf; no "
                                               r"parameter was updated"),
    (np.array([1.0, np.inf, 0.0]), ValueError, r"grads\['b'\] contains NaN or inf"),
    (np.array([1, 2, 3]), TypeError, r"grads\['b'\] must be a float array; got dtype int64"),
    (np.ones((1, 3)), ValueError, r"grads\['b'\] must have the shape of params\['b'\]"),
])
def test_a_step_with_a_bad_gradient_changes_no_parameter(make, bad, exc, msg):
    """The check comes first: W (checked and updated first in a naive loop) stays as it was."""
    params, grads = _problem()
    opt = make()
    opt.step(params, grads[0])  # one good step, so that running statistics exist
    before = {k: v.copy() for k, v in params.items()}
    state = {k: {n: a.copy() for n, a in v.items()} for k, v in vars(opt).items()
             if isinstance(v, dict)}
    with pytest.raises(exc, match=msg):
        opt.step(params, {"W": grads[1]["W"], "b": bad})
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
    assert opt.t == 1
    for k, slots in state.items():  # the running statistics are untouched too
        for n, a in slots.items():
            np.testing.assert_array_equal(getattr(opt, k)[n], a)


def test_a_gradient_beyond_the_float32_range_is_refused():
    params = {"W": np.zeros(2, np.float32)}
    with pytest.raises(ValueError, match=r"grads\['W'\] has entries beyond the range of "
                                         r"params\['W'\].dtype float32"):
        SGD(0.1).step(params, {"W": np.array([1e39, 0.0])})
    np.testing.assert_array_equal(params["W"], 0)
