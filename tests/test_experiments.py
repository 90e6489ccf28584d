"""The long-range experiment runner and the gradient-flow helpers of chapters 3–5."""

import numpy as np
import pytest

from rnnlab import GRU, LSTM, Linear
from rnnlab.diagnostics import jacobian_norms, jacobians
from rnnlab.experiments import (
    CELLS,
    Comparison,
    adding_task,
    compare,
    copy_memory_task,
    count_params,
    depth_time_norms,
    evaluate,
    gradient_profile,
    gru_state_jacobian,
    lstm_cell_jacobian,
    make_cell,
    probe_inputs,
    rnn_lstm_profiles,
    run,
)
from rnnlab.train import SequenceModel


def _constant_model(task, value):
    """A model whose output ignores the input: head weights 0, bias ``value``."""
    layer = CELLS["RNN"](task.input_size, 3, np.random.default_rng(0))
    head = Linear(3, task.output_size, rng=np.random.default_rng(1))
    head.params["W"][:] = 0
    head.params["b"][:] = value
    return SequenceModel(layer, head, loss=task.loss, target=task.target)


def test_tasks_sample_batches_of_the_stated_shapes():
    X, y = adding_task(12).sample(5, np.random.default_rng(0))
    assert X.shape == (12, 5, 2) and y.shape == (5, 1)
    X, Y, mask = copy_memory_task(3, 4, n_symbols=6).sample(5, np.random.default_rng(0))
    assert X.shape == (10, 5, 8) and Y.shape == (10, 5) and mask.sum() == 3 * 5


def test_reached_points_the_right_way():
    assert adding_task(threshold=0.01).reached(0.005)
    assert not adding_task(threshold=0.01).reached(0.02)
    assert copy_memory_task(threshold=0.9).reached(0.95)
    assert not copy_memory_task(threshold=0.9).reached(0.5)


def test_evaluate_adding_against_a_hand_computation():
    task = adding_task(10)
    batch = task.sample(200, np.random.default_rng(3))
    loss, acc = evaluate(_constant_model(task, 1.0), task, batch)
    y = batch[1]
    assert loss == pytest.approx(np.mean((1.0 - y) ** 2), rel=1e-12)
    assert acc == pytest.approx(np.mean(np.abs(1.0 - y) < 0.04))
    assert 0.1 < loss < 0.25  # near the chance level 1/6


def test_evaluate_copy_against_a_hand_computation():
    task = copy_memory_task(4, 3, n_symbols=5)
    X, Y, mask = task.sample(50, np.random.default_rng(4))
    bias = np.zeros(task.output_size)
    bias[2] = 1.5  # always predicts symbol 2
    loss, acc = evaluate(_constant_model(task, bias), task, (X, Y, mask))
    logp = bias - np.log(np.exp(bias).sum())
    assert acc == pytest.approx(np.mean(Y[mask] == 2))
    assert loss == pytest.approx(-np.mean(logp[Y[mask]]), rel=1e-12)


def test_run_records_a_consistent_short_run():
    task = adding_task(8)
    r = run("LSTM", task, seed=3, hidden_size=5, steps=30, eval_every=10, eval_size=16,
            progress=False)
    assert r.cell == "LSTM" and r.seed == 3 and r.steps == 30 and len(r.loss) == 30
    np.testing.assert_array_equal(r.eval_steps, [0, 10, 20, 30])
    assert r.n_params == 4 * 5 * (2 + 5 + 1) + (5 + 1)  # 4 blocks (W, U, b) + head
    assert r.final_metric == r.final_loss == r.eval_metric[-1]
    assert r.seconds > 0 and not r.diverged
    hits = [s for s, m in zip(r.eval_steps, r.eval_metric, strict=True) if task.reached(m)]
    assert r.steps_to_threshold == (hits[0] if hits else None)
    again = run("LSTM", task, seed=3, hidden_size=5, steps=30, eval_every=10, eval_size=16,
                progress=False)
    np.testing.assert_array_equal(r.loss, again.loss)  # a seed reproduces the run


def test_every_cell_sees_the_same_batches_at_a_seed():
    seen = {}

    def recorder(name):
        def make(D, H, rng):
            layer = CELLS[name](D, H, rng)
            forward = layer.forward

            def spy(X, state=None):
                if X.shape[1] == 4:  # training batches only (eval batches are larger)
                    seen.setdefault(name, []).append(X.copy())
                return forward(X, state)
            layer.forward = spy
            return layer
        return make

    task = adding_task(6)
    for name in ("RNN", "GRU"):
        run(recorder(name), task, seed=1, hidden_size=3, steps=5, batch_size=4, eval_size=8,
            progress=False)
    assert len(seen["RNN"]) == 5
    for a, b in zip(seen["RNN"], seen["GRU"], strict=True):
        np.testing.assert_array_equal(a, b)


def test_unknown_cell_name_is_a_clear_error():
    with pytest.raises(ValueError, match="cell must be one of"):
        run("LTSM", adding_task(5), steps=1, progress=False)


def test_compare_table_and_plot():
    import matplotlib.pyplot as plt  # the Agg backend is set in conftest.py

    c = compare(["RNN", "GRU"], adding_task(6), seeds=(0, 1), hidden_size=3, steps=12,
                eval_every=4, eval_size=8, progress=False)
    assert isinstance(c, Comparison) and len(c.records) == 4
    rows = c.summary()
    assert [r["cell"] for r in rows] == ["RNN", "GRU"]
    assert rows[0]["params"] == 3 * (2 + 3 + 1) + 4 and rows[1]["runs"] == 2
    md = c.to_markdown().splitlines()
    assert md[1].startswith("|---") and len(md) == 4
    assert "GRU" in str(c)
    fig, ax = plt.subplots()
    assert c.plot(ax) is ax and len(ax.lines) == 2 * 2 + 1  # one line per run, chance
    plt.close(fig)


def test_count_params_of_the_cells():
    D, H = 3, 4
    rng = np.random.default_rng(0)
    n = {name: count_params(make(D, H, rng).params) for name, make in CELLS.items()}
    assert n["RNN"] == H * (D + H + 1)
    assert n["LSTM"] == 4 * n["RNN"] and n["GRU"] == 3 * n["RNN"]
    assert n["LSTM, coupled"] == n["LSTM, no forget gate"] == 3 * n["RNN"]
    assert n["LSTM, peephole"] == 4 * n["RNN"] + 3 * H
    assert n["GRU, reset after"] == 3 * n["RNN"] + H


# ---- gradient flow ------------------------------------------------------------------------
def test_probe_inputs_are_prefixes():
    np.testing.assert_array_equal(probe_inputs(5), probe_inputs(9)[:5])


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_make_cell_scales_every_recurrent_matrix(kind):
    layer = make_cell(kind, 3, 6, np.random.default_rng(0), scale=1.7)
    Us = [p for n, p in layer.params.items() if n.startswith("U")]
    assert len(Us) == {"RNN": 1, "LSTM": 4, "GRU": 3}[kind]
    for U in Us:
        np.testing.assert_allclose(np.linalg.svd(U, compute_uv=False), 1.7, rtol=1e-12)


def test_make_cell_rejects_unknown_kinds():
    with pytest.raises(ValueError, match="kind must be"):
        make_cell("LSMT", 2, 3, np.random.default_rng(0))


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


def test_gradient_profile_without_recurrent_weights_is_the_gate_path():
    """With every U_g = 0 the cell path diag(f) is the only path: ||dc_T/dc_k|| = ||prod f||."""
    rng = np.random.default_rng(1)
    layer = make_cell("LSTM", 4, 5, rng, scale=0.0)
    prof = gradient_profile(layer, probe_inputs(12))
    assert prof.dh.shape == prof.dc.shape == prof.gate_path.shape == (12,)
    np.testing.assert_allclose(prof.dc, prof.gate_path, rtol=1e-12)
    g = gradient_profile(make_cell("GRU", 4, 5, rng, scale=0.0), probe_inputs(12))
    assert g.dc is None and g.gate_path.shape == (12,)
    r = gradient_profile(make_cell("RNN", 4, 5, rng), probe_inputs(12))
    assert r.dc is None and r.gate_path is None


def test_gradient_profile_dc_is_the_jacobian_norm():
    layer = make_cell("LSTM", 4, 5, np.random.default_rng(2), scale=1.0)
    X = probe_inputs(9)
    np.testing.assert_allclose(gradient_profile(layer, X).dc,
                               jacobian_norms(layer, X, wrt="c"))


def test_depth_time_norms_shape_and_top_layer_end():
    N = depth_time_norms("GRU", 3, probe_inputs(7), H=5)
    assert N.shape == (3, 7)
    assert N[-1, -1] == pytest.approx(1.0)  # the loss seed is a unit vector per sample


# ---- slope profile (chapter 0) ------------------------------------------------------------
def test_slope_profile_against_the_forward_record():
    """Slopes are 1 - h_t^2 of the tanh states; rms, saturated fraction and factor norms
    follow from them and from U by their definitions."""
    from rnnlab import RNN
    from rnnlab.experiments import slope_profile

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
    from rnnlab.experiments import slope_profile

    X = np.zeros((3, 2, 2))
    with pytest.raises(TypeError, match="simple RNN"):
        slope_profile(LSTM(2, 3, rng=np.random.default_rng(0)), X)
    with pytest.raises(ValueError, match="sample"):
        slope_profile(RNN(2, 3, rng=np.random.default_rng(0)), X, sample=2)


# ---- spreads over seeds -------------------------------------------------------------------
def test_per_seed_and_spread_table():
    from rnnlab.experiments import per_seed, spread_table

    c = compare(["RNN", "GRU"], adding_task(6), seeds=(2, 0, 1), hidden_size=3, steps=8,
                eval_every=4, eval_size=8, progress=False)
    finals = per_seed(c, "GRU", "final_metric")
    by_seed = sorted(c.by_cell("GRU"), key=lambda r: r.seed)
    np.testing.assert_array_equal(finals, [r.final_metric for r in by_seed])  # seed order
    steps = per_seed(c, "RNN")
    expected = [np.inf if r.steps_to_threshold is None else r.steps_to_threshold
                for r in sorted(c.by_cell("RNN"), key=lambda r: r.seed)]
    np.testing.assert_array_equal(steps, expected)
    rows = spread_table(c).splitlines()
    assert len(rows) == 2 + 2 and rows[1].startswith("|---")
    m = np.median(finals)
    assert f"{m:.3g} [{finals.min():.3g}, {finals.max():.3g}]" in rows[3]
    with pytest.raises(ValueError, match="cell must be one of"):
        per_seed(c, "LSTM")
    with pytest.raises(ValueError, match="field"):
        per_seed(c, "GRU", "accuracy")


def test_spread_table_counts_runs_that_reached():
    """A task with a threshold every model passes: every run reaches it at step 0."""
    from rnnlab.experiments import per_seed, spread_table

    task = adding_task(5, threshold=10.0)
    c = compare(["RNN"], task, seeds=(0, 1), hidden_size=2, steps=4, eval_every=2,
                eval_size=4, progress=False)
    np.testing.assert_array_equal(per_seed(c, "RNN"), [0, 0])
    assert "|2/2|0 [0, 0]|" in spread_table(c)


def test_ahead_on_every_seed_pairs_runs_by_seed():
    from rnnlab.experiments import RunRecord, ahead_on_every_seed

    task = adding_task(5)

    def rec(cell, seed, steps):
        return RunRecord(cell, task.name, seed, 1, 100, 0.0, np.zeros(1), np.zeros(1),
                         np.zeros(1), 0.0, 0.0, 0.0, steps, False)

    c = Comparison([rec("A", 0, 100), rec("A", 1, 150), rec("B", 1, 200), rec("B", 0, 175),
                    rec("C", 0, None), rec("C", 1, None)], task)
    assert ahead_on_every_seed(c, "A", "B", margin=50)  # 100 vs 175, 150 vs 200
    assert not ahead_on_every_seed(c, "A", "B", margin=75)  # seed 1: only 50 ahead
    assert not ahead_on_every_seed(c, "B", "A")
    assert ahead_on_every_seed(c, "A", "C")  # C never reached the threshold
    assert not ahead_on_every_seed(c, "C", "C")  # never reaching is never ahead


def test_rnn_lstm_profiles_are_the_two_layers_gradient_profiles():
    X = probe_inputs(12, D=3, B=2)
    got = rnn_lstm_profiles(2.0, 1.5, X, H=5, seed=3)
    lstm = make_cell("LSTM", 3, 5, np.random.default_rng(3), scale=1.5, forget_bias=2.0)
    rnn = make_cell("RNN", 3, 5, np.random.default_rng(3), scale=1.5)
    np.testing.assert_array_equal(got["back"], np.arange(11, -1, -1))
    np.testing.assert_array_equal(got["lstm"].dh, gradient_profile(lstm, X).dh)
    np.testing.assert_array_equal(got["lstm"].gate_path, gradient_profile(lstm, X).gate_path)
    np.testing.assert_array_equal(got["rnn"].dh, gradient_profile(rnn, X).dh)
