"""Chapter 10's repeated runs (rnnlab.book.lm_seeds), on a tiny configuration."""

import json
import math

from rnnlab.book.lm import hidden_for_budget, n_params
from rnnlab.book.lm_seeds import EDGES, seed_study
from rnnlab.layers.cells import CELLS


def test_one_row_per_cell_and_seed_json_ready_and_repeatable():
    kwargs = dict(n_train=6_400, n_val=4, val_len=300)
    study = seed_study(seeds=(0, 1), **kwargs)
    rows = study["rows"]
    assert [(r["cell"], r["seed"]) for r in rows] == [(c, s) for s in (0, 1) for c in CELLS]
    V = 10  # BracketLanguage: 6 letters and 4 brackets
    budget = n_params("RNN", V, 128)
    assert study["config"]["budget"] == budget
    for r in rows:
        assert r["H"] == hidden_for_budget(r["cell"], V, budget)
        assert 0 < r["bpc"] < math.log2(V) + 1
        assert len(r["share"]) == len(EDGES) - 1
        assert all(s is None or 0 <= s <= 1 for s in r["share"])
    assert any(s is None for r in rows for s in r["share"])  # empty bins in short texts
    json.loads(json.dumps(study))  # plain JSON: no NaN, no NumPy types
    assert seed_study(seeds=(1,), **kwargs)["rows"] == rows[3:]  # a seed repeats exactly
    assert rows[0]["bpc"] != rows[3]["bpc"]  # and another seed differs
