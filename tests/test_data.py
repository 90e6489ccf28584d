"""Synthetic tasks (adding, copy) and character corpora: shapes, content, baselines, errors."""

import numpy as np
import pytest

from rnnlab.data import CharCorpus, Vocab, adding_problem, copy_task, load_text, one_hot
from rnnlab.losses import softmax_cross_entropy


def test_one_hot_shape_dtype_and_inverse():
    ids = np.array([[0, 2], [1, 2], [2, 0]])  # (T=3, B=2)
    X = one_hot(ids, 4, np.float32)
    assert X.shape == (3, 2, 4) and X.dtype == np.float32
    np.testing.assert_array_equal(X.sum(-1), 1)
    np.testing.assert_array_equal(X.argmax(-1), ids)
    with pytest.raises(ValueError, match=r"ids must lie in \[0, V=4\)"):
        one_hot(np.array([4]), 4)
    with pytest.raises(TypeError, match="ids must be an integer array"):
        one_hot(np.array([0.5]), 4)


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


def test_vocab_round_trips_chinese_text():
    text = "循环神经网络的记忆能力，循环。"
    vocab = Vocab(text)
    assert len(vocab) == len(set(text)) == 13
    assert list(vocab.chars) == sorted(set(text))
    ids = vocab.encode(text)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    assert vocab.decode(ids) == text
    assert ids[0] == ids[12]  # the two 循 share an id
    with pytest.raises(ValueError, match="'x' at position 1"):
        vocab.encode("循x")
    with pytest.raises(ValueError, match=r"ids must lie in \[0, V=13\)"):
        vocab.decode(np.array([13]))


def test_char_corpus_split():
    text = "abcabcabcd" * 10
    corpus = CharCorpus(text, val_fraction=0.2)
    assert len(corpus.vocab) == 4
    assert len(corpus.train_ids) == 80 and len(corpus.val_ids) == 20
    assert corpus.vocab.decode(np.concatenate([corpus.train_ids, corpus.val_ids])) == text
    with pytest.raises(ValueError, match="val_fraction"):
        CharCorpus(text, val_fraction=1.0)


def test_load_text_utf8_bom_and_error(tmp_path):
    good = tmp_path / "zh.txt"
    good.write_bytes("\ufeff神经网络\n".encode())
    assert load_text(good) == "神经网络\n"  # byte-order mark dropped
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("café".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.txt is not UTF-8 text: byte 0xe9 at offset 3"):
        load_text(bad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_hot_scatters_without_a_V_by_V_identity(dtype):
    """The same bits as np.eye(V)[ids], with memory for the result only: an identity of
    V = 5000 would take 200 MB (3.2 GB at V = 20,000) on every call."""
    import tracemalloc

    rng = np.random.default_rng(0)
    for shape, V in (((3, 2), 7), ((5,), 1), ((), 4), ((0, 3), 5), ((2, 3, 4), 11)):
        ids = rng.integers(0, V, shape)
        np.testing.assert_array_equal(one_hot(ids, V, dtype), np.eye(V, dtype=dtype)[ids])
        assert one_hot(ids, V, dtype).dtype == dtype
    ids = rng.integers(0, 5000, (10, 2))
    tracemalloc.start()
    X = one_hot(ids, 5000, dtype)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert X.shape == (10, 2, 5000)
    assert peak < 2 * X.nbytes + 2**20  # the result (800 kB in float64), not 200 MB


@pytest.mark.parametrize("text, frac, empty", [("ab", 0.9, "training"),
                                               ("abc", 0.1, "validation")])
def test_char_corpus_refuses_an_empty_split(text, frac, empty):
    with pytest.raises(ValueError, match=f"leaves the {empty} split empty"):
        CharCorpus(text, frac)


def test_char_corpus_takes_numpy_fractions():
    text = "the quick brown fox jumps over the lazy dog " * 5
    for frac in (np.float32(0.1), np.float64(0.1)):
        corpus = CharCorpus(text, frac)
        np.testing.assert_array_equal(corpus.val_ids, CharCorpus(text, 0.1).val_ids)
    assert len(CharCorpus("abc", 0).val_ids) == 0  # no validation split, by request
    for bad in (True, np.nan, 1.0, "0.1"):
        with pytest.raises(ValueError, match="val_fraction must be a number in"):
            CharCorpus(text, bad)
