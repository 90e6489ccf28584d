"""rnnlab.book.deep: stacks of a chosen cell type, the depth x time gradient map, and the
next-symbol task on which a bidirectional RNN sees the answer."""

import numpy as np
import pytest

from rnnlab import RNN, Bidirectional
from rnnlab.book import depth_time_norms, fit_next_symbol, make_stack, next_symbol_batch
from rnnlab.layers import CELLS


def test_bad_arguments_are_named():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="L"):
        make_stack("RNN", 0, 3, 5, rng)
    with pytest.raises(ValueError, match="input_size"):
        fit_next_symbol(RNN(4, 3, rng=rng), 5, steps=1)


@pytest.mark.parametrize("cell", CELLS)
def test_stack_shapes_and_the_depth_time_map(cell):
    stack = make_stack(cell, 3, 4, 6, np.random.default_rng(0))
    assert [layer.input_size for layer in stack.layers] == [4, 6, 6]
    norms = depth_time_norms(cell, 3, 10, H=6)
    assert norms.shape == (3, 10)
    assert np.all(np.isfinite(norms)) and np.all(norms > 0)


def test_one_vertical_step_at_the_last_time_step():
    # Two RNN layers, loss <s, h_T^(2)>: dL/dh_T^(1) = W2^T diag(f'(z_T^(2))) s exactly,
    # since h_T^(1) reaches the loss only through layer 2 at step T.
    T, B, D, H, seed = 7, 8, 4, 16, 3
    norms = depth_time_norms("RNN", 2, T, H=H, D=D, B=B, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((T, B, D))
    stack = make_stack("RNN", 2, D, H, rng, sigma=1.0)
    Hs, _ = stack.layers[0].forward(X)
    H2, _ = stack.layers[1].forward(Hs)
    s = np.full((B, H), 1 / np.sqrt(H))
    g = (s * (1 - H2[-1] ** 2)) @ stack.layers[1].params["W"]  # (B, H)
    expected = np.linalg.norm(g, axis=1).mean()
    assert abs(norms[0, -1] - expected) <= 1e-12 * expected
    assert abs(norms[1, -1] - 1.0) < 1e-12  # the seed itself is a unit vector


def test_next_symbol_targets_are_the_following_inputs():
    X, Y = next_symbol_batch(6, 3, 5, np.random.default_rng(0))
    assert X.shape == (6, 3, 5) and Y.shape == (6, 3)
    assert np.array_equal(X[1:].argmax(-1), Y[:-1])


def test_the_bidirectional_leak_beats_the_causal_floor_and_the_causal_model_does_not():
    V = 8
    _, uni = fit_next_symbol(RNN(V, 16, rng=np.random.default_rng(1)), V)
    bi_layer = Bidirectional(RNN(V, 8, rng=np.random.default_rng(1)),
                             RNN(V, 8, rng=np.random.default_rng(2)))
    _, bi = fit_next_symbol(bi_layer, V)
    floor = np.log(V)
    assert uni.loss[-20:].mean() > floor - 0.05
    assert bi.loss[-20:].mean() < 0.5 * floor
