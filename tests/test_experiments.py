"""rnnlab.book.experiments: the long-range memory experiment, its runs and comparisons."""

import numpy as np
import pytest

from rnnlab import RNN, Linear
from rnnlab.book import (
    Comparison,
    adding_task,
    compare,
    copy_memory_task,
    evaluate,
    make_variant,
    run,
)
from rnnlab.train import SequenceModel


def _constant_model(task, value):
    """A model whose output ignores the input: head weights 0, bias ``value``."""
    layer = RNN(task.input_size, 3, rng=np.random.default_rng(0))
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
            layer = make_variant(name, D, H, rng)
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




# ---- spreads over seeds -------------------------------------------------------------------
def test_per_seed_and_spread_table():
    from rnnlab.book import per_seed, spread_table

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
    from rnnlab.book import per_seed, spread_table

    task = adding_task(5, threshold=10.0)
    c = compare(["RNN"], task, seeds=(0, 1), hidden_size=2, steps=4, eval_every=2,
                eval_size=4, progress=False)
    np.testing.assert_array_equal(per_seed(c, "RNN"), [0, 0])
    assert "|2/2|0 [0, 0]|" in spread_table(c)


def test_ahead_on_every_seed_pairs_runs_by_seed():
    from rnnlab.book import RunRecord, ahead_on_every_seed

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




def test_select_rows_solved_by_and_median_range():
    from rnnlab.book import median_range, select_rows, solved_by
    rows = [{"cell": "A", "lr": 0.01, "solved_at": 100},
            {"cell": "A", "lr": 0.03, "solved_at": None},
            {"cell": "B", "lr": 0.01, "solved_at": 500}]
    assert len(select_rows(rows, cell="A")) == 2 and select_rows(rows, lr=0.03)[0]["cell"] == "A"
    with pytest.raises(ValueError, match="no row"):
        select_rows(rows, cell="C")
    assert solved_by(rows, 100) == 1 and solved_by(rows, 500) == 2
    assert median_range([3, 1, 2]) == "2 [1, 3]"
    assert median_range([0.5, 0.25], ".2f") == "0.38 [0.25, 0.50]"
