"""rnnlab.data.text: one-hot vectors, vocabularies (Chinese included), corpora and files."""

import numpy as np
import pytest

from rnnlab.data import CharCorpus, Vocab, load_text, one_hot


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
