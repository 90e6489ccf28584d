"""SequenceModel gradients against finite differences; the training loop."""

import numpy as np
import pytest

from rnnlab.data import adding_problem, copy_task
from rnnlab.layers import GRU, LSTM, RNN, Linear, Stacked
from rnnlab.train import SGD, Adam, SequenceModel, TrainHistory, train

T, B, D, H, K = 4, 3, 3, 5, 4


def _model(loss, target, layer_cls=RNN, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    return SequenceModel(layer_cls(D, H, rng=rng, dtype=dtype), Linear(H, K, rng=rng, dtype=dtype),
                         loss=loss, target=target)


def _data(loss, target, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(T, B, D))
    lead = (T, B) if target == "every" else (B,)
    Y = rng.integers(0, K, size=lead) if loss == "softmax" else rng.normal(size=lead + (K,))
    mask = rng.random(lead) < 0.7
    mask.flat[0] = True
    return X, Y, mask


def _central_difference(f, x, eps=1e-6):
    """d f() / dx by (f(x + eps e_i) - f(x - eps e_i)) / 2 eps, restoring x exactly."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        fp = f()
        x[i] = old - eps
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


def _rnn_gru(D, H, *, rng, dtype=np.float64):
    """A two-layer stack, so the state is a list (one entry per layer)."""
    return Stacked([RNN(D, 4, rng=rng, dtype=dtype), GRU(4, H, rng=rng, dtype=dtype)])


def _random_state(state, rng):
    if isinstance(state, list):
        return [_random_state(s, rng) for s in state]
    if isinstance(state, tuple):
        return tuple(rng.normal(size=s.shape) for s in state)
    return rng.normal(size=state.shape)


@pytest.mark.parametrize("layer_cls", [RNN, LSTM, _rnn_gru], ids=["RNN", "LSTM", "RNN+GRU"])
@pytest.mark.parametrize("loss", ["softmax", "mse"])
@pytest.mark.parametrize("target", ["every", "last"])
def test_gradients_match_finite_differences(loss, target, layer_cls):
    model = _model(loss, target, layer_cls)
    X, Y, mask = _data(loss, target)
    rng = np.random.default_rng(2)
    state = _random_state(model.layer.init_state(B), rng)  # a nonzero carried-in state
    res = model.loss_and_grads(X, Y, state=state, mask=mask)
    assert set(res.grads) == set(model.params)
    for name, p in model.params.items():
        num = _central_difference(lambda: model.loss_and_grads(X, Y, state, mask).loss, p)
        err = np.linalg.norm(res.grads[name] - num) / (
            np.linalg.norm(res.grads[name]) + np.linalg.norm(num) + 1e-300)
        assert err < 1e-6, f"{name}: relative error {err:.2e}"


def test_params_share_the_arrays_of_the_parts():
    model = _model("softmax", "every")
    assert model.params["rnn.U"] is model.layer.params["U"]
    assert model.params["out.W"] is model.head.params["W"]
    assert sorted(model.params) == ["out.W", "out.b", "rnn.U", "rnn.W", "rnn.b"]
    stacked = _model("softmax", "every", _rnn_gru)
    assert stacked.params["rnn.l2.U_z"] is stacked.layer.layers[1].params["U_z"]
    X, Y, _ = _data("softmax", "every")
    U_z = stacked.layer.layers[1].params["U_z"].copy()
    SGD(0.1).step(stacked.params, stacked.loss_and_grads(X, Y).grads)  # reaches the part
    assert not np.array_equal(stacked.layer.layers[1].params["U_z"], U_z)


def test_loss_result_fields_and_predict():
    model = _model("softmax", "every")
    X, Y, _ = _data("softmax", "every")
    res = model.loss_and_grads(X, Y)
    H, _ = model.layer.forward(X)
    np.testing.assert_array_equal(res.final_state, H[-1])
    assert res.logits.shape == (T, B, K) and isinstance(res.loss, float)
    P = model.predict(X)
    np.testing.assert_allclose(P.sum(-1), 1, rtol=1e-12)
    np.testing.assert_allclose(np.log(P), res.logits - np.log(np.exp(res.logits).sum(-1,
                               keepdims=True)), rtol=1e-12)
    last = _model("mse", "last")
    assert last.predict(X).shape == (B, K)


@pytest.mark.parametrize("target", ["every", "last"])
def test_mask_counts_only_the_selected_positions(target):
    for loss in ("softmax", "mse"):
        model = _model(loss, target)
        X, Y, mask = _data(loss, target)
        res = model.loss_and_grads(X, Y, mask=mask)
        out = res.logits[mask]  # (n_selected, K)
        if loss == "mse":
            expected = np.mean((out - Y[mask]) ** 2)
        else:
            logp = out - np.log(np.exp(out).sum(-1, keepdims=True))
            expected = -np.mean(logp[np.arange(len(out)), Y[mask]])
        assert res.loss == pytest.approx(expected, rel=1e-12)


def test_last_target_reads_only_the_final_hidden_state():
    model = _model("mse", "last")
    X, Y, _ = _data("mse", "last")
    H, _ = model.layer.forward(X)
    out, _ = model.head.forward(H[-1])  # (B, K) from h_T alone
    res = model.loss_and_grads(X, Y)
    assert res.logits.shape == (B, K)
    assert res.loss == pytest.approx(np.mean((out - Y) ** 2), rel=1e-12)


def test_bad_targets_are_named_with_the_expected_shape():
    model = _model("softmax", "every")
    X, Y, _ = _data("softmax", "every")
    with pytest.raises(ValueError, match=r"Y must have shape \(T=4, B=3\); got \(3, 4\)"):
        model.loss_and_grads(X, Y.T)
    with pytest.raises(TypeError, match="Y must hold integer class indices"):
        model.loss_and_grads(X, Y.astype(float))
    with pytest.raises(ValueError, match=r"Y must hold class indices in \[0, K=4\)"):
        model.loss_and_grads(X, Y + 4)
    with pytest.raises(ValueError, match=r"Y must have shape \(B=3, K=4\)"):
        _model("mse", "last").loss_and_grads(X, np.zeros((T, B, K)))
    with pytest.raises(ValueError, match="head.input_size must equal layer.hidden_size=5"):
        SequenceModel(RNN(D, H, rng=np.random.default_rng(0)),
                      Linear(H + 1, K, rng=np.random.default_rng(0)))


def test_float32_model_stays_float32_through_training():
    model = _model("mse", "every", dtype=np.float32)
    X, Y, _ = _data("mse", "every")
    X = X.astype(np.float32)
    res = model.loss_and_grads(X, Y)  # float64 targets are converted
    assert all(g.dtype == np.float32 for g in res.grads.values())
    train(model, Adam(1e-2), lambda step: (X, Y), 3, progress=False)
    assert all(p.dtype == np.float32 for p in model.params.values())


def test_train_learns_the_adding_problem():
    # T = 8 is short enough for a simple RNN; the mean predictor scores 1/6.
    rng = np.random.default_rng(0)
    model = SequenceModel(RNN(2, 24, rng=rng), Linear(24, 1, rng=rng), loss="mse",
                          target="last")
    data_rng = np.random.default_rng(100)
    hist = train(model, Adam(1e-2), lambda step: adding_problem(8, 64, data_rng), 400,
                 progress=False)
    assert isinstance(hist, TrainHistory) and hist.loss.shape == hist.grad_norm.shape == (400,)
    assert not hist.diverged and np.all(np.diff(hist.seconds) >= 0)
    X, y = adding_problem(8, 2000, np.random.default_rng(999))
    test_mse = np.mean((model.predict(X) - y) ** 2)
    assert test_mse < 0.06 < 1 / 6


def test_train_records_norm_before_clipping_and_clips_the_step():
    model = _model("softmax", "every")
    X, Y, mask = _data("softmax", "every")
    before = {k: v.copy() for k, v in model.params.items()}
    hist = train(model, SGD(1.0), lambda step: (X, Y, mask), 1, clip_norm=1e-3,
                 progress=False)
    step = np.sqrt(sum(((model.params[k] - before[k]) ** 2).sum() for k in before))
    assert hist.grad_norm[0] > 1e-2  # the raw norm is recorded ...
    assert step == pytest.approx(1e-3, rel=1e-9)  # ... the update is lr * max_norm long


def test_train_accepts_masked_batches_and_rejects_bad_ones():
    rng = np.random.default_rng(0)
    model = SequenceModel(RNN(7, 8, rng=rng), Linear(8, 6, rng=rng))
    hist = train(model, Adam(1e-2), lambda step: copy_task(4, rng, n_symbols=5, length=3,
                                                           delay=4), 5, progress=False)
    assert hist.loss.shape == (5,)
    with pytest.raises(ValueError, match=r"batches\(0\) must return \(X, Y\) or"):
        train(model, Adam(), lambda step: (1, 2, 3, 4), 2, progress=False)
    with pytest.raises(TypeError, match="batches must be a callable"):
        train(model, Adam(), [(1, 2)], 2, progress=False)


@pytest.mark.filterwarnings("ignore:overflow encountered")
def test_train_stops_on_a_nonfinite_loss_without_updating():
    model = _model("mse", "every")
    X, Y, _ = _data("mse", "every")
    before = {k: v.copy() for k, v in model.params.items()}
    with pytest.warns(RuntimeWarning, match="training stopped at step 0"):
        hist = train(model, SGD(0.1), lambda step: (X, np.full_like(Y, 1e300)), 10,
                     progress=False)
    assert hist.diverged and hist.loss.shape == (1,) and not np.isfinite(hist.loss[0])
    for k in before:
        np.testing.assert_array_equal(model.params[k], before[k])
