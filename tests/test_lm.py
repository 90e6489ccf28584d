"""Character language models: parameter budgets, stream probabilities, closer analysis,
a short training run."""

import numpy as np
import pytest

from rnnlab.data import BracketLanguage, Vocab
from rnnlab.lm import (
    CELLS,
    binned_mean,
    char_model,
    closer_type_probability,
    column_mean_se,
    hidden_for_budget,
    kl_bits,
    n_params,
    stream_probs,
    target_log2_probs,
    train_lm,
    true_next_probs,
)
from rnnlab.optim import Adam
from rnnlab.tbptt import evaluate_bpc, one_hot


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("V, H", [(10, 7), (3, 20)])
def test_n_params_counts_every_array(cell, V, H):
    model = char_model(cell, V, H, np.random.default_rng(0))
    assert n_params(cell, V, H) == sum(p.size for p in model.params.values())


def test_equal_budgets():
    budget = n_params("RNN", 10, 128)
    assert budget == 19_082
    sizes = {c: hidden_for_budget(c, 10, budget) for c in CELLS}
    assert sizes == {"RNN": 128, "LSTM": 63, "GRU": 73}
    for c, H in sizes.items():  # no other H is closer to the budget
        gaps = [abs(n_params(c, 10, h) - budget) for h in (H - 1, H, H + 1)]
        assert gaps[1] == min(gaps)
        assert gaps[1] / budget < 0.02


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_stream_probs_equal_one_pass_and_do_not_depend_on_the_chunk(cell):
    V = 6
    model = char_model(cell, V, 5, np.random.default_rng(1))
    cols = np.random.default_rng(2).integers(0, V, size=(40, 3))
    P = stream_probs(model, cols, V, seq_len=7)
    assert P.shape == (39, 3, V)
    whole = model.predict(one_hot(cols[:-1], V))  # the whole stream in one forward pass
    np.testing.assert_allclose(P, whole, rtol=1e-12)
    np.testing.assert_allclose(stream_probs(model, cols, V, seq_len=1000), P, rtol=1e-12)
    # the mean of -target_log2_probs is what evaluate_bpc reports for these columns
    lp = target_log2_probs(P, cols)
    assert -lp.mean() == pytest.approx(
        evaluate_bpc(model, cols.T.reshape(-1), V, batch_size=3), rel=1e-12)


def test_closer_type_probability_by_hand():
    V = 4  # ids: 0 '(' 1 ')' 2 '[' 3 ']'
    cols = np.array([[0, 1], [1, 3], [2, 2]])  # column 0 "()[", column 1 ")]["
    probs = np.zeros((2, 2, V))
    probs[0, 0] = [0.1, 0.6, 0.1, 0.2]  # before ')' in column 0: 0.6 / (0.6 + 0.2)
    probs[0, 1] = [0.5, 0.1, 0.0, 0.4]  # before ']' in column 1: 0.4 / (0.1 + 0.4)
    got = closer_type_probability(probs, cols, [1, 3], [np.array([1]), np.array([1])])
    np.testing.assert_allclose(got, [0.75, 0.8])


def test_binned_mean_against_a_loop():
    rng = np.random.default_rng(0)
    x, y = rng.integers(1, 100, 500), rng.random(500)
    edges = np.array([1, 4, 16, 64, 100, 200])
    mean, se, count = binned_mean(x, y, edges)
    for j in range(5):
        sel = y[(x >= edges[j]) & (x < edges[j + 1])]
        assert count[j] == len(sel)
        if len(sel) > 1:
            assert mean[j] == pytest.approx(sel.mean(), rel=1e-12)
            assert se[j] == pytest.approx(sel.std(ddof=1) / np.sqrt(len(sel)), rel=1e-9)
    assert count[-1] == 0 and np.isnan(mean[-1])


def test_train_lm_learns_and_records():
    lang = BracketLanguage()
    vocab = Vocab(lang.alphabet)
    V = len(vocab)
    train = vocab.encode(lang.sample(40_000, np.random.default_rng(0)))
    val = vocab.encode(lang.sample(4_000, np.random.default_rng(1)))
    model = char_model("GRU", V, 16, np.random.default_rng(2))
    opt = Adam(1e-2)
    run = train_lm(model, train, val, V, opt, batch_size=16, seq_len=32, n_segments=4,
                   lr_decay=0.5, val_batch_size=4, progress=False)
    assert run.chars_seen.tolist() == [0, 10_000, 20_000, 30_000, 40_000]
    assert run.val_bpc.shape == (5,) and run.val_bpc[-1] < run.val_bpc[0] - 0.5
    assert run.val_bpc[-1] == evaluate_bpc(model, val, V, 4)
    # one step per chunk of each piece: 10_000 // 16 = 625 rows -> ceil(624 / 32) = 20
    assert run.history.loss.shape == (80,) and np.all(np.diff(run.history.seconds) >= 0)
    assert opt.lr == pytest.approx(1e-2 * 0.5 ** 4)
    assert run.chars_per_second == pytest.approx(40_000 / run.seconds)


def test_true_next_probs_agree_with_the_grammar():
    lang = BracketLanguage()
    vocab = Vocab(lang.alphabet)
    rng = np.random.default_rng(4)
    texts = [lang.sample(300, rng) for _ in range(3)]
    cols = np.stack([vocab.encode(t) for t in texts], axis=1)
    P = true_next_probs(lang, cols)
    assert P.shape == (299, 3, len(vocab))
    np.testing.assert_allclose(P.sum(axis=-1), 1.0, atol=1e-14)
    for b, t in enumerate(texts):
        np.testing.assert_allclose(target_log2_probs(P, cols)[:, b], lang.log2_prob(t)[1:],
                                   rtol=1e-14)
    bad = cols.copy()
    bad[0, 1] = vocab.encode(")")[0]  # a closer at the start: impossible
    with pytest.raises(ValueError, match="column 1 is not in the language at row 0"):
        true_next_probs(lang, bad)


def test_kl_bits_and_column_standard_error():
    p = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    q = np.array([[0.25, 0.25, 0.5], [0.2, 0.3, 0.5]])
    np.testing.assert_allclose(kl_bits(p, q), [1.0, 0.0], atol=1e-15)
    x = np.array([[1.0, 3.0, 5.0], [3.0, 5.0, 7.0]])  # column means 2, 4, 6
    mean, se = column_mean_se(x)
    assert mean == pytest.approx(4.0) and se == pytest.approx(2.0 / np.sqrt(3))
