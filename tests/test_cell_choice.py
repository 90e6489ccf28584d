"""rnnlab.book.cell_choice: the rows of exercise 6-1P's experiment, on tiny configurations."""

import numpy as np
import pytest

from rnnlab import LSTM, Linear
from rnnlab.book.cell_choice import (
    COUNTING_CELLS,
    MEMORY_CELLS,
    counting_run,
    counts_to,
    memory_row,
    memory_tasks,
)
from rnnlab.train import SequenceModel


def _model_predicting(symbol):
    """A model whose prediction is always ``symbol`` (head weights 0, a bias on it)."""
    head = Linear(4, 3, rng=np.random.default_rng(0))
    head.params["W"][:] = 0
    head.params["b"][:] = 0
    head.params["b"][symbol] = 1
    return SequenceModel(LSTM(3, 4, rng=np.random.default_rng(1)), head)


def test_counts_to_of_constant_predictors():
    assert counts_to(_model_predicting(1), 10) == 0  # always "b": fails already on ab
    assert counts_to(_model_predicting(2), 10) == 1  # always "end": right only for n = 1


def test_memory_row_reads_the_checkpoints_of_one_run():
    row = memory_row("GRU", "copy 5", seed=0, lr=1e-2, steps=40, checkpoints=(20,))
    assert set(row) >= {"metric_20", "metric_40", "solved_at", "params"}
    assert 0 <= row["metric_20"] <= 1 and 0 <= row["metric_40"] <= 1
    assert row["params"] == 972  # GRU with 14 units on 6 symbols in, 6 out
    again = memory_row("GRU", "copy 5", seed=0, lr=1e-2, steps=20, checkpoints=())
    assert again["metric_20"] == row["metric_20"]  # the model after 20 of 40 steps


def test_counting_run_is_reproducible_and_records_every_checkpoint():
    a = counting_run("LSTM", seed=3, lr=1e-2, steps=20, eval_every=10, n_train=3, n_test=6)
    b = counting_run("LSTM", seed=3, lr=1e-2, steps=20, eval_every=10, n_train=3, n_test=6)
    assert a == b and len(a["counts"]) == 2 and 0 <= a["counts_to"] <= 6
    assert a["params"] == 4 * 8 * (3 + 8 + 1) + 8 * 3 + 3


def test_cell_sizes_and_bad_names():
    assert set(memory_tasks()) == {"adding 10", "adding 25", "adding 50", "copy 5", "copy 10",
                                   "copy 20"}
    assert MEMORY_CELLS["LSTM"] == ("LSTM", 12) and COUNTING_CELLS["GRU"] == ("GRU", 10)
    with pytest.raises(ValueError, match="cell"):
        memory_row("RNN", "adding 10", seed=0, lr=1e-2, steps=20)
    with pytest.raises(ValueError, match="task_key"):
        memory_row("LSTM", "adding 11", seed=0, lr=1e-2, steps=20)
    with pytest.raises(ValueError, match="cell"):
        counting_run("tanh RNN", seed=0, lr=1e-2)


def test_tables_count_solved_runs_and_show_the_spread():
    from rnnlab.book.cell_choice import counting_table, memory_table
    memory = [{"cell": c, "task": t, "seed": s, "lr": 0.01, "params": 700,
               "solved_at": 300 if c == "GRU" else None, "metric_400": 0.1 + s,
               "metric_1200": 0.01 * (s + 1)}
              for t in memory_tasks() for c in MEMORY_CELLS for s in range(3)]
    table = memory_table({"memory_steps": 1200, "memory": memory}).splitlines()
    assert len(table) == 2 + 6 * 3
    gru = next(line for line in table if "| adding 50 | GRU |" in line)
    assert "| 3/3 | 1.1 [0.1, 2.1] | 3/3 | 0.02 [0.01, 0.03] |" in gru
    counting = [{"cell": c, "seed": s, "lr": lr, "params": 400, "counts_to": 20 + s}
                for c in COUNTING_CELLS for lr in (0.01, 0.03) for s in range(3)]
    rows = counting_table({"lrs": [0.01, 0.03], "counting": counting}).splitlines()
    assert len(rows) == 2 + 4 and "| 20, 21, 22 | 21 [20, 22] |" in rows[2]
