"""rnnlab.book.remedy_training: the antisymmetric layer and the rows of exercise 6-3's sweep."""

import numpy as np
import pytest

from rnnlab import check_layer
from rnnlab.book.remedy_training import (
    REMEDIES,
    AntisymmetricResidualRNN,
    first_step_gradient,
    make_remedy,
    remedy_row,
)


def test_antisymmetric_layer_gradients_match_central_differences():
    rng = np.random.default_rng(0)
    layer = AntisymmetricResidualRNN(3, 5, rng=rng, rotation=0.6)
    layer.params["b"][:] = rng.normal(0, 0.3, 5)
    report = check_layer(layer, rng.standard_normal((6, 2, 3)), rng.standard_normal((2, 5)),
                         rng=rng)
    assert report.passed and report.max_error < 1e-7


def test_antisymmetric_layer_keeps_its_structure_and_starts_contracting():
    layer = AntisymmetricResidualRNN(2, 8, rng=np.random.default_rng(1), rotation=0.5)
    layer.params["M"] += np.random.default_rng(2).standard_normal((8, 8))  # "after training"
    U = layer.recurrent_matrix()
    np.testing.assert_allclose(U + U.T, -2 * layer.damping * np.eye(8), atol=1e-12)
    fresh = AntisymmetricResidualRNN(2, 8, rng=np.random.default_rng(1), rotation=0.5)
    assert np.abs(np.linalg.eigvals(np.eye(8) + fresh.recurrent_matrix())).max() < 1
    assert set(fresh.params) == {"W", "M", "b"}


def test_remedy_row_and_first_step_gradient():
    row = remedy_row("coupled gate", 6, seed=0, steps=40, checkpoints=(20,))
    assert row["params"] == 2 * (16 * 2 + 16 * 16 + 16) + 16 + 1
    assert row["mse_20"] > 0 and row["mse_40"] > 0 and not row["diverged"]
    for name in REMEDIES:
        g = first_step_gradient(name, T=10)
        assert np.isfinite(g) and g > 0
    with pytest.raises(ValueError, match="name"):
        make_remedy("LSTM", 2, 4, np.random.default_rng(0))


def test_remedy_table_counts_solved_runs_per_cell_and_length():
    from rnnlab.book import remedy_table
    runs = [{"cell": c, "T": T, "seed": s, "lr": lr, "mse_800": 0.1, "mse_1600": 0.01 * (s + 1),
             "solved_at": 500 if c == "coupled gate" else None}
            for c in REMEDIES for T in (20, 50) for s in range(3)
            for lr in ((0.003, 0.01, 0.03) if T == 20 else (0.01,))]
    results = {"short": 800, "steps": 1600, "lrs": [0.003, 0.01, 0.03], "lengths": [20, 50],
               "lr_lengths": [20], "params": dict.fromkeys(REMEDIES, 321), "runs": runs}
    lines = remedy_table(results).splitlines()
    assert len(lines) == 2 + 2 * len(REMEDIES)
    assert "| coupled gate | 20 | 321 | 3 / 3 of 3 | 0.02 [0.01, 0.03] | 3 / 3 of 3 |" in lines
    assert "| normalised | 50 | 321 | 0 / 0 of 3 | 0.02 [0.01, 0.03] | — |" in lines
