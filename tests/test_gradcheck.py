"""Every layer and option: analytic BPTT gradients against central differences (float64)."""

import re

import numpy as np
import pytest

from rnnlab import check_layer, numerical_jacobian, relative_error

from layer_configs import CONFIGS, random_state

TOL = 1e-7


@pytest.mark.parametrize("loss", ["every", "last"])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_bptt_matches_central_differences(name, loss):
    rng = np.random.default_rng([list(CONFIGS).index(name), loss == "last"])
    # random sizes, T up to 20, B > 1; one long sequence and one short
    for T in (int(rng.integers(12, 21)), int(rng.integers(1, 5))):
        D, H, B = (int(v) for v in rng.integers([1, 2, 2], [5, 6, 4]))
        layer = CONFIGS[name](D, H, rng, np.float64, long_memory=(loss == "last"))
        X = rng.standard_normal((T, B, D))
        state = random_state(layer, B, rng, np.float64)
        report = check_layer(layer, X, state, loss=loss, rng=rng)
        assert report.passed, f"{name}, loss={loss}, T={T}:\n{report}"
        # parameters, X and every part of the initial state were all checked
        assert set(layer.params) | {"X"} <= set(report.errors)
        assert any(k.startswith("state") for k in report.errors)


def test_zero_initial_state_equals_none():
    rng = np.random.default_rng(0)
    for name, make in CONFIGS.items():
        layer = make(3, 4, rng, np.float64)
        X = rng.standard_normal((5, 2, 3))
        H_none, _ = layer.forward(X, None)
        H_zero, _ = layer.forward(X, layer.init_state(2))
        np.testing.assert_array_equal(H_none, H_zero, err_msg=name)


def test_check_layer_does_not_mutate_inputs():
    rng = np.random.default_rng(1)
    layer = CONFIGS["LSTM peephole"](3, 4, rng, np.float64)
    X = rng.standard_normal((6, 2, 3))
    state = random_state(layer, 2, rng, np.float64)
    before = ({k: v.copy() for k, v in layer.params.items()}, X.copy(),
              tuple(s.copy() for s in state))
    check_layer(layer, X, state, loss="every", rng=rng)
    for k, v in layer.params.items():
        np.testing.assert_array_equal(v, before[0][k])
    np.testing.assert_array_equal(X, before[1])
    for s, s0 in zip(state, before[2], strict=True):
        np.testing.assert_array_equal(s, s0)


def test_gradcheck_detects_a_wrong_gradient():
    """The check can fail: corrupt one gradient and it must report it."""
    rng = np.random.default_rng(2)
    layer = CONFIGS["GRU reset before (NNDL)"](3, 4, rng, np.float64)
    X = rng.standard_normal((5, 2, 3))
    original = type(layer).bptt

    def wrong_bptt(self, dH, cache, dstate_T=None):
        r = original(self, dH, cache, dstate_T)
        grads = dict(r.grads, U_r=r.grads["U_r"] * 1.001)  # a 0.1 % error
        return r._replace(grads=grads)

    layer.bptt = wrong_bptt.__get__(layer)
    report = check_layer(layer, X, None, loss="every", rng=rng)
    assert not report.passed
    assert max(report.errors, key=report.errors.get) == "U_r"


def test_linear_and_losses_gradients():
    from rnnlab import Linear, mse, numerical_gradient, relative_error, softmax_cross_entropy

    rng = np.random.default_rng(3)
    lin = Linear(4, 5, rng=rng)
    Hs = rng.standard_normal((3, 2, 4))
    targets = rng.integers(0, 5, (3, 2))
    mask = np.array([[True, False], [True, True], [False, True]])
    Y_real = rng.standard_normal((3, 2, 5))

    for loss_name in ("softmax", "mse"):
        def f(loss_name=loss_name):
            logits, _ = lin.forward(Hs)
            if loss_name == "softmax":
                return softmax_cross_entropy(logits, targets, mask)[0]
            return mse(logits, Y_real, mask)[0]

        logits, cache = lin.forward(Hs)
        if loss_name == "softmax":
            _, dlogits = softmax_cross_entropy(logits, targets, mask)
        else:
            _, dlogits = mse(logits, Y_real, mask)
        dHs, grads = lin.backward(dlogits, cache)
        assert relative_error(dHs, numerical_gradient(f, Hs)) < TOL
        for name in ("W", "b"):
            assert relative_error(grads[name], numerical_gradient(f, lin.params[name])) < TOL


def test_relu_layers_are_checked_away_from_the_kink():
    """Many random draws: the default check of a relu RNN never straddles z = 0 badly."""
    rng = np.random.default_rng(11)
    worst = 0.0
    for _ in range(10):
        layer = CONFIGS["RNN relu"](4, 5, rng, np.float64)
        X = rng.standard_normal((20, 3, 4))
        worst = max(worst, check_layer(layer, X, None, loss="every", rng=rng).max_error)
    assert worst <= TOL


@pytest.mark.parametrize("seed", [0, 4, 5])
def test_residual_rnn_at_default_init_passes_the_default_check(seed):
    """(6.50) at its default initialisation: |h| grows to about 18 in 20 steps, L varies on
    a scale near eps = 1e-3 and the fixed five-point stencil is off by up to 3e-5 (a false
    alarm); the default check notices the truncation error and shrinks eps."""
    from rnnlab import ResidualRNN

    rng = np.random.default_rng(seed)
    layer = ResidualRNN(3, 4, rng=rng)
    X = rng.standard_normal((20, 3, 3))
    state = rng.uniform(-0.5, 0.5, (3, 4))
    assert np.abs(layer.forward(X, state)[0]).max() > 15
    report = check_layer(layer, X, state, loss="every", rng=np.random.default_rng(seed))
    assert report.passed and report.max_error <= TOL, str(report)
    if seed == 4:  # the fixed eps = 1e-3 reports an error of 6e-6 for this correct layer
        fixed = check_layer(layer, X, state, loss="every", rng=np.random.default_rng(seed),
                            refine=False)
        assert fixed.max_error > 30 * TOL


def test_refined_check_still_detects_a_wrong_gradient():
    from rnnlab import ResidualRNN

    rng = np.random.default_rng(4)
    layer = ResidualRNN(3, 4, rng=rng)
    X = rng.standard_normal((20, 3, 3))
    original = type(layer).bptt

    def wrong_bptt(self, dH, cache, dstate_T=None):
        r = original(self, dH, cache, dstate_T)
        return r._replace(grads=dict(r.grads, W=r.grads["W"] * (1 + 1e-6)))

    layer.bptt = wrong_bptt.__get__(layer)
    report = check_layer(layer, X, None, loss="every", rng=rng)
    assert not report.passed and max(report.errors, key=report.errors.get) == "W"


def test_state_parts_are_labelled_by_the_layer_structure():
    from rnnlab import GRU, LSTM, RNN, Bidirectional, Stacked

    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, 2, 3))
    cases = [
        (Bidirectional(RNN(3, 2, rng=rng), RNN(3, 3, rng=rng)), ["state.fwd", "state.bwd"]),
        (Bidirectional(LSTM(3, 2, rng=rng), GRU(3, 2, rng=rng)),
         ["state.fwd.h", "state.fwd.c", "state.bwd"]),
        (Stacked([RNN(3, 2, rng=rng), LSTM(2, 2, rng=rng)]),
         ["state[0]", "state[1].h", "state[1].c"]),
        (LSTM(3, 2, rng=rng), ["state.h", "state.c"]),
        (GRU(3, 2, rng=rng), ["state"]),
    ]
    for layer, labels in cases:
        state = random_state(layer, 2, rng, np.float64)
        report = check_layer(layer, X, state, loss="every", rng=rng)
        assert [k for k in report.errors if k.startswith("state")] == labels
        assert report.passed, str(report)
    deep = Stacked([RNN(3, 2, rng=rng), GRU(2, 2, rng=rng)])  # a part's zero state is skipped
    report = check_layer(deep, X, [None, rng.uniform(-1, 1, (2, 2))], loss="every", rng=rng)
    assert [k for k in report.errors if k.startswith("state")] == ["state[1]"]


def test_check_layer_fails_when_the_gradients_overflow():
    """A linear RNN with U = 40 I overflows within 200 steps: H and every gradient are inf or
    NaN. The check must fail and name every array, not skip the NaN entries (or report 0)."""
    from rnnlab import RNN

    rng = np.random.default_rng(0)
    layer = RNN(2, 2, rng=rng, activation="identity")
    layer.params["U"][:] = 40 * np.eye(2)
    X = rng.standard_normal((200, 1, 2))
    with np.errstate(over="ignore", invalid="ignore"):
        assert not np.isfinite(layer.forward(X)[0]).all()
    report = check_layer(layer, X, rng.standard_normal((1, 2)), loss="every", rng=rng,
                         max_entries=3)
    assert not report.passed
    assert np.isnan(report.max_error)  # max() would skip a NaN; the report must not
    assert set(report.failed) == {"W", "U", "b", "X", "state"}
    assert "nan" in str(report) and "max relative error <= 1e-07: False" in str(report)


def test_relative_error_is_nan_for_non_finite_gradients_and_exact_for_huge_ones():
    from rnnlab import relative_error

    assert np.isnan(relative_error(np.array([1.0, np.nan]), np.array([1.0, 1.0])))
    assert np.isnan(relative_error(np.array([1.0, 1.0]), np.array([np.nan, 1.0])))
    assert np.isnan(relative_error(np.array([np.inf]), np.array([np.inf])))
    # finite but huge: the norms must not overflow (inf / inf) or report 0
    a = np.full(3, 1e300)
    assert relative_error(a, a * (1 + 1e-10)) == pytest.approx(5e-11, rel=1e-3)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_report_max_propagates_nan():
    from rnnlab import GradCheckReport

    report = GradCheckReport({"W": 1e-9, "U": float("nan"), "b": 1e-10}, 1e-7)
    assert np.isnan(report.max_error) and not report.passed
    assert report.failed == ["U"]
    assert re.search(r"^U +nan +False$", str(report), re.MULTILINE)


@pytest.mark.parametrize("which", ["all", "c only"])
def test_check_layer_catches_a_bptt_that_ignores_dstate_T(which):
    """check_layer puts a loss on the final state, so the gradient that enters bptt as
    dstate_T is checked: an LSTM that drops it (or only its cell part dc_T) must fail."""
    from rnnlab import LSTM

    rng = np.random.default_rng(3)
    layer = LSTM(3, 4, rng=rng)
    X = rng.standard_normal((5, 2, 3))
    state = random_state(layer, 2, rng, np.float64)
    original = type(layer).bptt

    def bptt_dropping_dstate_T(self, dH, cache, dstate_T=None):
        if which == "c only" and dstate_T is not None:
            return original(self, dH, cache, (dstate_T[0], np.zeros_like(dstate_T[1])))
        return original(self, dH, cache)

    assert check_layer(layer, X, state, loss="every", rng=np.random.default_rng(4)).passed
    layer.bptt = bptt_dropping_dstate_T.__get__(layer)
    report = check_layer(layer, X, state, loss="every", rng=np.random.default_rng(4))
    assert not report.passed
    assert report.max_error > 1e-3  # not a rounding effect: a whole term is missing


def test_check_layer_refuses_float32_layers():
    from rnnlab import GRU

    layer = GRU(3, 4, rng=np.random.default_rng(0), dtype=np.float32)
    X = np.zeros((5, 2, 3), np.float32)
    with pytest.raises(TypeError, match="gradient checks need float64: build the layer with "
                                        "dtype=np.float64; got a float32 layer"):
        check_layer(layer, X, rng=np.random.default_rng(0))


def test_numerical_jacobian_of_a_tanh_layer():
    rng = np.random.default_rng(0)
    A, x = rng.standard_normal((3, 4)), rng.standard_normal(4)
    x0 = x.copy()
    J = numerical_jacobian(lambda v: np.tanh(A @ v), x)
    exact = np.diag(1 - np.tanh(A @ x) ** 2) @ A          # (3, 4)
    assert J.shape == (3, 4) and relative_error(J, exact) < 1e-10
    np.testing.assert_array_equal(x, x0)                   # x is not changed
    with pytest.raises(ValueError, match="x must be a 1-D float64 array"):
        numerical_jacobian(lambda v: v, np.zeros((2, 2)))
