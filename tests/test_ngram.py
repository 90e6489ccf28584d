"""N-gram character models: normalisation, the limits of the smoothing, a brute-force
reference, and the entropy floor of the bracket language."""

import itertools
import math
from collections import Counter

import numpy as np
import pytest

from rnnlab.data import BracketLanguage, NGramModel, Vocab, context_codes


def _text(n=3000, V=4, seed=0):
    """A random id stream with some structure (a biased Markov chain), V symbols."""
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(V, 0.5), size=V)  # (V, V) transition rows
    ids = [0]
    for u in rng.random(n - 1):
        ids.append(int(np.searchsorted(np.cumsum(P[ids[-1]]), u * 0.999999)))
    return np.array(ids)


def _reference_prob(train, order, V, smoothing, k, history, w):
    """P(w | history) written out with dict counts, one probability at a time."""
    hist = tuple(history[max(0, len(history) - order + 1):])  # at most order - 1 ids
    grams = [Counter() for _ in range(order + 1)]  # grams[m][(ctx..., w)] for m = 1..order
    for m in range(1, order + 1):
        for i in range(m - 1, len(train)):
            grams[m][tuple(train[i - m + 1:i + 1])] += 1

    def stats(ctx):
        m = len(ctx) + 1
        followers = {g[-1]: c for g, c in grams[m].items() if g[:-1] == ctx}
        return followers.get(w, 0), sum(followers.values()), len(followers)

    if smoothing == "add-k":
        c, n, _ = stats(hist)
        return (c + k) / (n + k * V)
    p = 1.0 / V
    for L in range(0, len(hist) + 1):  # from the empty context up to the full history
        c, n, t = stats(hist[len(hist) - L:])
        if n + t > 0:
            p = (c + t * p) / (n + t)
    return p


@pytest.mark.parametrize("smoothing", ["add-k", "interpolated"])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_log2_prob_matches_brute_force_counts(smoothing, order):
    V = 4
    train, test = _text(400, V, 0), _text(60, V, 1)
    model = NGramModel(order, V, smoothing=smoothing, k=0.5).fit(train)
    got = model.log2_prob(test)
    ref = [math.log2(_reference_prob(train.tolist(), order, V, smoothing, 0.5,
                                     test[:i].tolist(), int(test[i])))
           for i in range(len(test))]
    np.testing.assert_allclose(got, ref, rtol=1e-12)


@pytest.mark.parametrize("smoothing", ["add-k", "interpolated"])
def test_probabilities_sum_to_one_for_every_context(smoothing):
    V, order = 4, 3
    model = NGramModel(order, V, smoothing=smoothing, k=0.3).fit(_text(500, V))
    for L in (0, 1, 2, 5):  # shorter, exact and longer histories than order - 1
        ctxs = np.array(list(itertools.product(range(V), repeat=L)), dtype=np.int64)
        ctxs = ctxs.reshape(-1, L) if L else np.zeros((1, 0), np.int64)
        P = model.probs(ctxs)
        assert P.shape == (len(ctxs), V) and (P > 0).all()
        np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-13)
    # probs agrees with log2_prob on the same history
    hist = np.array([2, 0, 3, 1])
    np.testing.assert_allclose(np.log2(model.probs(hist)[1]),
                               model.log2_prob(np.append(hist, 1))[-1], rtol=1e-13)


def test_add_k_tends_to_maximum_likelihood_on_seen_contexts():
    V, order = 4, 3
    train = _text(2000, V)
    model = NGramModel(order, V, smoothing="add-k", k=1e-10).fit(train)
    pairs = Counter(zip(train[:-2], train[1:-1], train[2:], strict=True))
    ctx_tot = Counter()
    for (a, b, _), c in pairs.items():
        ctx_tot[(a, b)] += c
    for (a, b, w), c in pairs.items():
        assert model.probs([a, b])[w] == pytest.approx(c / ctx_tot[(a, b)], rel=1e-8)
    # an unseen context gets the uniform distribution
    seen = set(ctx_tot)
    unseen = next(c for c in itertools.product(range(V), repeat=2) if c not in seen) \
        if len(seen) < V * V else None
    if unseen is not None:
        np.testing.assert_allclose(model.probs(list(unseen)), 1 / V)


def test_unigram_bits_per_char_is_the_empirical_entropy_of_the_training_text():
    train = _text(5000, 6, seed=3)
    model = NGramModel(1, 6, smoothing="add-k", k=1e-12).fit(train)
    freq = np.bincount(train, minlength=6) / len(train)
    H = -(freq[freq > 0] * np.log2(freq[freq > 0])).sum()
    assert model.bpc(train, start=0) == pytest.approx(H, rel=1e-9)


def test_interpolated_backs_off_exactly_for_unseen_contexts():
    V = 5
    train = np.array([0, 1, 2, 0, 1, 3, 0, 1, 2] * 20)  # symbol 4 never occurs
    m3 = NGramModel(3, V).fit(train)
    m2 = NGramModel(2, V).fit(train)
    # the context (4, 4) was never seen: the trigram passes the bigram through
    np.testing.assert_allclose(m3.probs([4, 4]), m2.probs([4]), rtol=1e-14)
    np.testing.assert_allclose(m2.probs([4]), NGramModel(1, V).fit(train).probs([]))
    # Witten-Bell on the seen context (0, 1): followers 2 (x40) and 3 (x20), T = 2
    p = m3.probs([0, 1])
    lower = m2.probs([1])
    np.testing.assert_allclose(p[2], (40 + 2 * lower[2]) / 62, rtol=1e-14)


def test_columns_are_independent_streams():
    V = 4
    model = NGramModel(3, V, smoothing="add-k").fit(_text(800, V))
    cols = np.stack([_text(50, V, s) for s in (5, 6, 7)], axis=1)  # (50, 3)
    lp = model.log2_prob(cols)
    for b in range(3):
        np.testing.assert_array_equal(lp[:, b], model.log2_prob(cols[:, b]))
    # fitting on columns counts no n-gram across a column border
    joined = NGramModel(2, V).fit(cols)
    separate = NGramModel(2, V).fit(np.concatenate([cols[:, 0], [0], cols[:, 1]]))
    assert joined.counts[1][1].sum() == 3 * 49 and separate.counts[1][1].sum() == 100


def test_context_codes_by_hand():
    ids = np.array([[1], [2], [0], [3]])
    c = context_codes(ids, 4, 2)
    np.testing.assert_array_equal(c[0][:, 0], [0, 0, 0, 0])
    np.testing.assert_array_equal(c[1][:, 0], [-1, 1, 2, 0])
    np.testing.assert_array_equal(c[2][:, 0], [-1, -1, 1 * 4 + 2, 2 * 4 + 0])


def test_no_ngram_beats_the_entropy_rate_on_held_out_text():
    lang = BracketLanguage()
    vocab = Vocab(lang.alphabet)
    V = len(vocab)
    train = vocab.encode(lang.sample(300_000, np.random.default_rng(0)))
    rng = np.random.default_rng(1)
    cols = np.stack([vocab.encode(lang.sample(5_000, rng)) for _ in range(20)], axis=1)
    h = lang.entropy_rate()
    for order in (1, 3, 5, 7):
        model = NGramModel(order, V).fit(train)
        per_col = -model.log2_prob(cols)[1:].mean(axis=0)  # (20,) independent estimates
        se = per_col.std(ddof=1) / np.sqrt(len(per_col))
        assert per_col.mean() > h - 3 * se
    # the unigram model reaches the unigram entropy of the language
    uni = NGramModel(1, V).fit(train).bpc(cols)
    assert uni == pytest.approx(lang.unigram_entropy(), abs=0.01)
    # ... while a high order "beats" the floor on its own training text: overfitting
    assert NGramModel(8, V).fit(train).bpc(train) < h - 0.2


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="smoothing must be"):
        NGramModel(2, 4, smoothing="kneser-ney")
    with pytest.raises(ValueError, match="k must be a number > 0"):
        NGramModel(2, 4, smoothing="add-k", k=0)
    for bad in (np.inf, np.nan, True):
        with pytest.raises(ValueError, match="k must be a number > 0 and finite"):
            NGramModel(2, 4, smoothing="add-k", k=bad)
    assert NGramModel(2, 4, smoothing="add-k", k=np.float32(0.5)).k == 0.5  # NumPy numbers too
    with pytest.raises(RuntimeError, match="call fit"):
        NGramModel(2, 4).log2_prob([0, 1])
    with pytest.raises(ValueError, match=r"ids must lie in \[0, V=4\)"):
        NGramModel(2, 4).fit([0, 1, 4])


def test_stream_probs_line_up_with_log2_prob():
    V = 4
    model = NGramModel(3, V).fit(_text(600, V))
    cols = np.stack([_text(30, V, s) for s in (8, 9)], axis=1)  # (30, 2)
    P = model.stream_probs(cols)
    assert P.shape == (29, 2, V)
    np.testing.assert_allclose(P.sum(axis=-1), 1.0, atol=1e-13)
    picked = np.take_along_axis(P, cols[1:, :, None], axis=-1)[..., 0]
    np.testing.assert_allclose(np.log2(picked), model.log2_prob(cols)[1:], rtol=1e-13)


@pytest.mark.parametrize("smoothing", ["add-k", "interpolated"])
def test_ranked_codes_give_exactly_the_same_probabilities(smoothing):
    V, order = 4, 4
    train = _text(700, V)
    cols = np.stack([_text(80, V, s) for s in (11, 12)], axis=1)  # held out: unseen contexts
    direct = NGramModel(order, V, smoothing=smoothing, k=0.5).fit(train)
    ranked = NGramModel(order, V, smoothing=smoothing, k=0.5)
    ranked.ranked = True  # force the numbering a large vocabulary uses
    ranked.fit(train)
    assert ranked.ranked and not direct.ranked
    assert (np.unique(ranked.counts[1][0] // V) < len(ranked.counts[0][0])).all()
    unseen = [c for c in itertools.product(range(V), repeat=order - 1)
              if c not in set(zip(train[:-3], train[1:-2], train[2:-1], strict=True))]
    assert unseen, "the check needs a context that training never saw"
    np.testing.assert_array_equal(ranked.log2_prob(cols), direct.log2_prob(cols))
    np.testing.assert_array_equal(ranked.stream_probs(cols), direct.stream_probs(cols))
    ctxs = np.array(list(itertools.product(range(V), repeat=order - 1)))
    np.testing.assert_array_equal(ranked.probs(ctxs), direct.probs(ctxs))


@pytest.mark.parametrize("smoothing", ["add-k", "interpolated"])
def test_large_vocabulary_where_direct_codes_would_overflow_int64(smoothing):
    V, order = 10_000, 5  # V**5 = 1e20 overflows int64: a Chinese-sized vocabulary
    assert V ** order > 2 ** 63
    rng = np.random.default_rng(0)
    train = np.concatenate([rng.integers(0, V, 300), np.tile(rng.integers(0, V, 7), 40)])
    test = np.concatenate([train[-20:], rng.integers(0, V, 10)])  # seen and unseen contexts
    model = NGramModel(order, V, smoothing=smoothing, k=0.5).fit(train)
    assert model.ranked
    got = model.log2_prob(test)
    ref = [math.log2(_reference_prob(train.tolist(), order, V, smoothing, 0.5,
                                     test[:i].tolist(), int(test[i])))
           for i in range(len(test))]
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    P = model.probs(np.stack([test[:4], test[-4:]]))  # a seen and an unseen context
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert model.bpc(test) < np.log2(V)  # the repeated phrase is predicted


def test_n_counts_is_one_per_distinct_m_gram():
    train = np.array([0, 1, 0, 1, 2])  # 1-grams {0,1,2}; 2-grams {01,10,12}; 3-grams {010,101,012}
    assert NGramModel(3, 3).fit(train).n_counts == 3 + 3 + 3
    assert NGramModel(1, 3).fit(train).n_counts == 3
    with pytest.raises(RuntimeError, match="call fit"):
        NGramModel(2, 3).n_counts  # noqa: B018
