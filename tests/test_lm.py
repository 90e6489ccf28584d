"""Character language models: parameter budgets, stream probabilities, closer analysis,
a short training run."""

import numpy as np
import pytest

from rnnlab.book import (
    binned_mean,
    char_model,
    closer_type_probability,
    column_mean_se,
    hidden_for_budget,
    kl_bits,
    n_params,
    results_table,
    sample_lm_data,
    stream_probs,
    target_log2_probs,
    train_lm,
    true_next_probs,
)
from rnnlab.data import BracketLanguage, NGramModel, Vocab, one_hot
from rnnlab.layers import CELLS
from rnnlab.train import Adam, evaluate_bpc


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


def _bracket_ids(n, seed):
    lang = BracketLanguage()
    vocab = Vocab(lang.alphabet)
    return vocab.encode(lang.sample(n, np.random.default_rng(seed))), len(vocab)


def test_train_lm_carries_the_state_across_chunks_and_segments(monkeypatch):
    train, V = _bracket_ids(40_000, 0)
    val, _ = _bracket_ids(2_000, 1)
    model = char_model("LSTM", V, 8, np.random.default_rng(2))
    calls = []  # (state passed in, final state returned) of every training step
    inner = model.loss_and_grads

    def recording(X, Y, state=None, mask=None):
        res = inner(X, Y, state=state, mask=mask)
        calls.append((state, res.final_state))
        return res

    monkeypatch.setattr(model, "loss_and_grads", recording)
    run = train_lm(model, train, val, V, Adam(1e-2), batch_size=16, seq_len=32,
                   n_segments=4, val_batch_size=4, progress=False)
    assert len(calls) == run.history.loss.size == 80  # 20 chunks per segment
    assert calls[0][0] is None  # the pass starts from the zero state, once
    for k in range(1, len(calls)):  # every step starts where the one before ended:
        prev_final, state = calls[k - 1][1], calls[k][0]  # also at steps 20, 40, 60
        assert state is not None and len(state) == len(prev_final) == 2  # LSTM: (h, c)
        for a, b in zip(state, prev_final, strict=True):
            np.testing.assert_array_equal(a, b)


def test_segments_only_pause_training_for_validation():
    # 16 columns of 640 rows, segments of 160 rows = 5 chunks of 32: the same chunks in one
    # segment or in four, so with lr_decay = 1 the trained weights must be identical
    train, V = _bracket_ids(16 * 640, 3)
    val, _ = _bracket_ids(1_000, 4)
    params = []
    for n_segments in (1, 4):
        model = char_model("GRU", V, 8, np.random.default_rng(5))
        run = train_lm(model, train, val, V, Adam(1e-2), batch_size=16, seq_len=32,
                       n_segments=n_segments, val_batch_size=4, progress=False)
        assert run.history.loss.size == 20 and run.chars_seen[-1] == 16 * 640
        params.append(model.params)
    for name in params[0]:
        np.testing.assert_array_equal(params[0][name], params[1][name])


def test_train_lm_refuses_a_stream_too_short_for_its_segments():
    train, V = _bracket_ids(600, 0)  # 18 rows of 32 columns: fewer than 2 per segment
    with pytest.raises(ValueError, match="at least 2 \\* n_segments \\* batch_size = 640"):
        train_lm(char_model("RNN", V, 4, np.random.default_rng(0)), train, train, V,
                 Adam(1e-2), batch_size=32, n_segments=10, progress=False)


def test_results_table_rows_and_columns():
    train, V = _bracket_ids(4_000, 0)
    model = char_model("RNN", V, 4, np.random.default_rng(0))
    run = train_lm(model, train, train, V, Adam(1e-2), batch_size=4, seq_len=16,
                   n_segments=2, val_batch_size=4, progress=False)
    ngram = NGramModel(3, V).fit(train)
    text = results_table({"RNN": (2.3012, 0.0591, 0.0012), "3-gram": (2.4789, 0.2371, 0.0014)},
                         2.2401, params={"RNN": n_params("RNN", V, 4), "3-gram": ngram.n_counts},
                         hidden={"RNN": 4}, runs={"RNN": run})
    lines = text.splitlines()
    assert len(lines) == 4 and lines[0].split() == ["model", "H", "params", "bpc", "excess",
                                                    "PPL", "train", "s", "chars/s"]
    rnn, gram, oracle = (line.split() for line in lines[1:])
    assert rnn[:8] == ["RNN", "4", f"{n_params('RNN', V, 4):,}", "2.30", "0.059", "±", "0.001",
                       f"{2 ** 2.3012:.2f}"]
    assert rnn[8:] == [f"{run.seconds:.1f}", f"{run.chars_per_second:,.0f}"]
    assert gram == ["3-gram", f"{ngram.n_counts:,}", "2.48", "0.237", "±", "0.001",
                    f"{2 ** 2.4789:.2f}"]  # no H and no timing for a count-based model
    assert oracle == ["oracle", "2.24", "0.000", f"{2 ** 2.2401:.2f}"]


def test_sample_lm_data_matches_drawing_by_hand():
    lang = BracketLanguage()
    data = sample_lm_data(lang, 500, 3, 40, train_rng=np.random.default_rng(0),
                          val_rng=np.random.default_rng(1))
    vocab = Vocab(lang.alphabet)
    np.testing.assert_array_equal(data.train_ids,
                                  vocab.encode(lang.sample(500, np.random.default_rng(0))))
    rng = np.random.default_rng(1)
    texts = [lang.sample(40, rng) for _ in range(3)]
    assert data.val_texts == texts and data.val_cols.shape == (40, 3)
    np.testing.assert_array_equal(data.val_cols[:, 2], vocab.encode(texts[2]))
    np.testing.assert_array_equal(data.val_ids[40:80], vocab.encode(texts[1]))
    with pytest.raises(ValueError, match="n_val"):
        sample_lm_data(lang, 500, 0, 40, train_rng=np.random.default_rng(0),
                       val_rng=np.random.default_rng(1))
