"""rnnlab.layers.cells: the cells by name, their parameter counts, and recurrent matrices
with a chosen largest singular value."""

import numpy as np
import pytest

from rnnlab.book import VARIANTS, make_variant
from rnnlab.layers import CELLS, GATE_BLOCKS, count_params, make_cell, recurrent_matrix


def test_count_params_of_the_cells():
    D, H = 3, 4
    rng = np.random.default_rng(0)
    n = {name: count_params(make_variant(name, D, H, rng).params) for name in VARIANTS}
    assert n["RNN"] == H * (D + H + 1)
    assert n["LSTM"] == 4 * n["RNN"] and n["GRU"] == 3 * n["RNN"]
    assert n["LSTM, coupled"] == n["LSTM, no forget gate"] == 3 * n["RNN"]
    assert n["LSTM, peephole"] == 4 * n["RNN"] + 3 * H
    assert n["GRU, reset after"] == 3 * n["RNN"] + H


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_make_cell_scales_every_recurrent_matrix(kind):
    layer = make_cell(kind, 3, 6, np.random.default_rng(0), sigma_1=1.7, flat=True)
    Us = [p for n, p in layer.params.items() if n.startswith("U")]
    assert len(Us) == {"RNN": 1, "LSTM": 4, "GRU": 3}[kind]
    for U in Us:
        np.testing.assert_allclose(np.linalg.svd(U, compute_uv=False), 1.7, rtol=1e-12)


def test_make_cell_rejects_unknown_kinds():
    with pytest.raises(ValueError, match="kind must be"):
        make_cell("LSMT", 2, 3, np.random.default_rng(0))


@pytest.mark.parametrize("cell", CELLS)
def test_make_cell_sets_the_largest_singular_value_of_every_recurrent_matrix(cell):
    layer = make_cell(cell, 3, 5, np.random.default_rng(0), sigma_1=1.7)
    Us = [p for n, p in layer.params.items() if n == "U" or n.startswith("U_")]
    assert Us
    for U in Us:
        assert abs(np.linalg.norm(U, 2) - 1.7) < 1e-12



def test_gate_blocks_count_the_stacked_blocks_of_each_cell():
    for kind, G in GATE_BLOCKS.items():
        layer = CELLS[kind](3, 4, rng=np.random.default_rng(0))
        assert count_params(layer.params) == G * 4 * (3 + 4 + 1)


def test_make_cell_refuses_a_negative_sigma_1():
    with pytest.raises(ValueError, match="sigma_1"):
        make_cell("RNN", 3, 5, np.random.default_rng(0), sigma_1=-1.0)


@pytest.mark.parametrize("kind", ["gaussian", "orthogonal"])
def test_recurrent_matrix_scaling(kind):
    rng = np.random.default_rng(8)
    U = recurrent_matrix(20, rng, spectral_radius=0.9, kind=kind)
    assert np.max(np.abs(np.linalg.eigvals(U))) == pytest.approx(0.9, rel=1e-10)
    U = recurrent_matrix(20, rng, sigma_max=1.7, kind=kind)
    assert np.linalg.norm(U, 2) == pytest.approx(1.7, rel=1e-10)
    if kind == "orthogonal":
        np.testing.assert_allclose(np.linalg.svd(U, compute_uv=False), 1.7, rtol=1e-10)
    with pytest.raises(ValueError, match="exactly one"):
        recurrent_matrix(3, rng)
    with pytest.raises(ValueError, match="kind"):
        recurrent_matrix(3, rng, sigma_max=1.0, kind="unitary")


def test_recurrent_matrix_refuses_integer_dtypes():
    """int would round every entry (|U_ij| < 1 for a radius near 1) to 0."""
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="dtype must be np.float32 or np.float64; got int"):
        recurrent_matrix(4, rng, spectral_radius=0.9, dtype=int)
    assert recurrent_matrix(4, rng, sigma_max=0.9, dtype=np.float32).dtype == np.float32
    for bad, exc in ((np.nan, ValueError), (-1.0, ValueError), ("1", TypeError)):
        with pytest.raises(exc, match="sigma_max must be a"):
            recurrent_matrix(4, rng, sigma_max=bad)
