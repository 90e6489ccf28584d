"""BracketLanguage: well-formed samples, exact entropy rate, true log-probabilities."""

import numpy as np
import pytest

from rnnlab.data import BracketLanguage, Vocab


def _H(p):
    p = np.asarray(p, float)
    return float(-(p * np.log2(p)).sum())


def test_default_language_alphabet_and_entropy():
    lang = BracketLanguage()
    assert lang.alphabet == "()[]abcdef" and len(lang.alphabet) <= 16
    assert Vocab(lang.alphabet).chars == lang.alphabet  # same ids as a Vocab of the alphabet
    h = lang.entropy_rate()
    assert h == pytest.approx(2.2423687, abs=1e-6)  # pins the defaults the book quotes
    # memory is worth something, and the language is far from uniform
    assert h < lang.unigram_entropy() - 0.3 < np.log2(len(lang.alphabet)) - 0.5
    np.testing.assert_allclose(lang.probs.sum(1), 1, rtol=0, atol=1e-15)
    assert ((lang.probs > 0) == (lang.next_state >= 0)).all()
    # letters agree with the context: the favourite is 'a' at top level, 'c' inside '(',
    # 'e' inside '[' (Zipf rotated by 6 // 3 = 2 letters per context), also deeper down
    for stack, fav in [("", "a"), ("(", "c"), ("[", "e"), ("[(", "c"), ("([", "e")]:
        row = lang.probs[lang.states.index(stack)]
        letters = [lang.alphabet.index(c) for c in lang.letters]
        assert lang.alphabet[letters[int(np.argmax(row[letters]))]] == fav


def test_samples_are_well_formed():
    lang = BracketLanguage(max_depth=3)
    text = lang.sample(20_000, np.random.default_rng(0))
    assert len(text) == 20_000 and set(text) <= set(lang.alphabet)
    stack = []
    for c in text:  # an independent checker: each closer matches the innermost opener
        if c in "([":
            stack.append(c)
            assert len(stack) <= 3
        elif c in ")]":
            assert stack and stack.pop() == {")": "(", "]": "["}[c]
    assert lang.sample(50, np.random.default_rng(1)) == lang.sample(50, np.random.default_rng(1))


def test_entropy_rate_matches_closed_form_for_max_depth_one():
    # One pair, depth <= 1: two states. Outside: '(' w.p. a, letters (1-a)(2/3, 1/3)
    # (Zipf 1/rank, 'a' first); inside: ')' w.p. b, letters (1-b)(1/3, 2/3) (rotated).
    a, b = 0.3, 0.2
    lang = BracketLanguage(pairs=("()",), letters="ab", max_depth=1, p_open=a, p_close=b,
                           zipf=1.0)
    pi_out, pi_in = b / (a + b), a / (a + b)  # balance: pi_out a = pi_in b
    H_out = _H([a, (1 - a) * 2 / 3, (1 - a) / 3])
    H_in = _H([b, (1 - b) / 3, (1 - b) * 2 / 3])
    assert lang.entropy_rate() == pytest.approx(pi_out * H_out + pi_in * H_in, rel=1e-13)
    # and the per-character log-probabilities of a hand-checked string
    lp = lang.log2_prob("a(b)")
    np.testing.assert_allclose(lp, np.log2([(1 - a) * 2 / 3, a, (1 - b) * 2 / 3, b]))


def _rule_probs(stack, pairs, letters, max_depth, p_open, p_close, zipf):
    """The grammar written out again from the docstring: {char: (prob, next stack)}."""
    out = {}
    d, L = len(stack), len(letters)
    po = p_open if d < max_depth else 0.0
    pc = p_close if d > 0 else 0.0
    for k, pair in enumerate(pairs):
        if po:
            out[pair[0]] = (po / len(pairs), stack + (k,))
    if pc:
        out[pairs[stack[-1]][1]] = (pc, stack[:-1])
    ctx = 0 if d == 0 else stack[-1] + 1
    w = np.array([1.0 / (((i - ctx * L // (len(pairs) + 1)) % L) + 1) ** zipf
                  for i in range(L)])
    for c, q in zip(letters, w / w.sum(), strict=True):
        out[c] = ((1 - po - pc) * q, stack)
    return out


def test_entropy_rate_matches_brute_force_power_iteration():
    cfg = dict(pairs=("()", "[]"), letters="abc", max_depth=2, p_open=0.2, p_close=0.25,
               zipf=1.2)
    lang = BracketLanguage(**cfg)
    dist = {(): 1.0}
    for _ in range(400):  # propagate the distribution over stacks until it is stationary
        new = {}
        for s, p in dist.items():
            for q, s2 in _rule_probs(s, **cfg).values():
                new[s2] = new.get(s2, 0.0) + p * q
        dist = new
    h = sum(p * _H([q for q, _ in _rule_probs(s, **cfg).values()]) for s, p in dist.items())
    assert len(dist) == 7 == len(lang.states)
    assert lang.entropy_rate() == pytest.approx(h, rel=1e-12)


def test_log2_prob_mean_estimates_entropy_rate():
    # 20 independent samples; their means are i.i.d., so 5 standard errors is a test that
    # a wrong entropy (or wrong log-probabilities) fails. A right one fails (false alarm)
    # with probability P(|t_19| > 5) ≈ 8e-5: se is estimated from the same 20 means, so the
    # statistic is Student t with 19 degrees of freedom (the normal tail, 6e-7, is too small).
    lang = BracketLanguage()
    rng = np.random.default_rng(0)
    means = np.array([-lang.log2_prob(lang.sample(20_000, rng)).mean() for _ in range(20)])
    se = means.std(ddof=1) / np.sqrt(len(means))
    assert 0 < se < 0.01
    assert abs(means.mean() - lang.entropy_rate()) < 5 * se


def test_closing_distances_by_hand():
    lang = BracketLanguage()
    pos, dist = lang.closing_distances("a(b[c]d)e[]")
    np.testing.assert_array_equal(pos, [5, 7, 10])
    np.testing.assert_array_equal(dist, [2, 6, 1])


def test_default_closing_distances_reach_tens_of_characters():
    lang = BracketLanguage()
    _, dist = lang.closing_distances(lang.sample(100_000, np.random.default_rng(3)))
    q25, q50, q75 = np.percentile(dist, [25, 50, 75])
    assert len(dist) > 2_000 and q25 >= 4 and 10 <= q50 <= 30 and 35 <= q75 <= 70


def test_text_outside_the_language_is_rejected():
    lang = BracketLanguage()
    with pytest.raises(ValueError, match=r"position 1: '\]' is impossible after the open "
                                         r"brackets '\('"):
        lang.log2_prob("(]")
    with pytest.raises(ValueError, match="'x', which is not in the alphabet"):
        lang.log2_prob("ax")
    with pytest.raises(ValueError, match="position 0"):
        lang.closing_distances(")")
    with pytest.raises(ValueError, match="pairs must be two-character strings"):
        BracketLanguage(pairs=("(",))
    with pytest.raises(ValueError, match="p_open \\+ p_close must be < 1"):
        BracketLanguage(p_open=0.5, p_close=0.5)
    with pytest.raises(ValueError, match="distinct"):
        BracketLanguage(letters="a(")


@pytest.mark.parametrize("zipf", [np.nan, np.inf, -0.5, "1"])
def test_zipf_must_be_a_finite_number_at_least_zero(zipf):
    """zipf = NaN made every letter probability NaN without a word."""
    with pytest.raises(ValueError, match="zipf must be a finite number >= 0"):
        BracketLanguage(zipf=zipf)


def test_numpy_probabilities_are_accepted():
    lang = BracketLanguage(p_open=np.float32(0.04), p_close=np.float64(0.05),
                           zipf=np.float32(1.5))
    ref = BracketLanguage()
    assert lang.p_open == pytest.approx(ref.p_open, rel=1e-7)
    assert lang.entropy_rate() == pytest.approx(ref.entropy_rate(), rel=1e-6)
    with pytest.raises(ValueError, match="p_open must lie in"):
        BracketLanguage(p_open=np.nan)
