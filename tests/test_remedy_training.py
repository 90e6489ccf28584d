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
