"""rnnlab.data.tasks: the adding problem, the copy task and aⁿbⁿ: shapes, content, baselines,
errors."""

import numpy as np
import pytest

from rnnlab.data import adding_problem, anbn, copy_task
from rnnlab.layers import softmax_cross_entropy


def test_adding_problem_markers_targets_and_dtype():
    X, y = adding_problem(9, 500, np.random.default_rng(0), dtype=np.float32)
    assert X.shape == (9, 500, 2) and y.shape == (500, 1) and X.dtype == np.float32
    marks = X[:, :, 1]
    np.testing.assert_array_equal(marks.sum(0), 2)            # exactly two markers
    np.testing.assert_array_equal(marks[:4].sum(0), 1)        # one in [0, T//2)
    np.testing.assert_array_equal(marks[4:].sum(0), 1)        # one in [T//2, T)
    np.testing.assert_allclose(y[:, 0], (X[:, :, 0] * marks).sum(0), rtol=1e-6)
    assert 0 <= X[:, :, 0].min() and X[:, :, 0].max() < 1
    X2, _ = adding_problem(9, 500, np.random.default_rng(0), dtype=np.float32)
    np.testing.assert_array_equal(X, X2)                      # the seed reproduces it


def test_adding_problem_mean_predictor_has_mse_one_sixth():
    # Var(u1 + u2) = 2/12 for independent U(0, 1); the sample mean must agree within 5 SE.
    _, y = adding_problem(4, 200_000, np.random.default_rng(1))
    sq = (y[:, 0] - 1.0) ** 2
    se = sq.std() / np.sqrt(sq.size)
    assert abs(sq.mean() - 1 / 6) < 5 * se


def test_adding_problem_errors_name_the_argument():
    with pytest.raises(ValueError, match="T must be at least 2"):
        adding_problem(1, 3, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be a np.random.Generator"):
        adding_problem(5, 3, 0)
    with pytest.raises(TypeError, match="B must be a positive int"):
        adding_problem(5, 2.0, np.random.default_rng(0))


def test_copy_task_layout():
    K, L, delay, B = 5, 4, 7, 6
    X, Y, mask = copy_task(B, np.random.default_rng(0), n_symbols=K, length=L, delay=delay)
    T = L + delay + L
    assert X.shape == (T, B, K + 2) and Y.shape == (T, B) and mask.shape == (T, B)
    np.testing.assert_array_equal(X.sum(-1), 1)
    inputs = X.argmax(-1)
    assert inputs[:L].max() < K                                   # the symbols to copy
    np.testing.assert_array_equal(inputs[L:L + delay - 1], K)      # blanks
    np.testing.assert_array_equal(inputs[L + delay - 1], K + 1)    # the go marker
    np.testing.assert_array_equal(inputs[L + delay:], K)
    np.testing.assert_array_equal(Y[L + delay:], inputs[:L])       # recall = the symbols
    np.testing.assert_array_equal(Y[:L + delay], K)
    np.testing.assert_array_equal(mask, np.repeat(np.arange(T)[:, None] >= L + delay, B, 1))


def test_copy_task_chance_level_is_log_n_symbols():
    # Knowing the format (never blank at a recall step) but not the symbols: uniform over K.
    K = 8
    X, Y, mask = copy_task(64, np.random.default_rng(2), n_symbols=K)
    logits = np.zeros(Y.shape + (K + 1,))
    logits[..., K] = -1e9
    loss, _ = softmax_cross_entropy(logits, Y, mask)
    assert loss == pytest.approx(np.log(K), rel=1e-12)


def test_anbn_layout_targets_and_mask():
    X, Y, mask = anbn(np.array([1, 3]), T=7)
    assert X.shape == (7, 2, 3) and Y.shape == (7, 2) and mask.shape == (7, 2)
    np.testing.assert_array_equal(X.argmax(-1).T, [[0, 1, 2, 2, 2, 2, 2], [0, 0, 0, 1, 1, 1, 2]])
    np.testing.assert_array_equal(Y.T[1], [0, 0, 1, 1, 1, 2, 2])  # next symbols: a a b b b end
    np.testing.assert_array_equal(mask.T.astype(int), [[0, 1, 0, 0, 0, 0, 0],
                                                       [0, 0, 0, 1, 1, 1, 0]])
    np.testing.assert_array_equal(mask.sum(0), [1, 3])  # one determined prediction per b
    assert np.all(Y[mask & (np.roll(mask, -1, 0) == 0)] == 2)  # the last b: predict the end


def test_anbn_default_length_and_errors():
    assert anbn(np.array([2, 5])).X.shape[0] == 10
    for bad in ([], [0, 2], [[1]], [1.5]):
        with pytest.raises(ValueError, match="ns"):
            anbn(np.array(bad))
    with pytest.raises(ValueError, match="T"):
        anbn(np.array([4]), T=7)
