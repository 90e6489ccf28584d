"""Sampling with a temperature: the limits τ → 0 and τ = 1, frequencies, reproducibility."""

import numpy as np
import pytest

from rnnlab.book import char_model
from rnnlab.layers import softmax
from rnnlab.train import apply_temperature, next_char_distribution, sample

V = 5


def _model(seed=0, cell="LSTM"):
    model = char_model(cell, V, 8, np.random.default_rng(seed))
    model.params["out.W"][:] *= 6  # a peaked, far from uniform next-character distribution
    return model


def test_apply_temperature_limits():
    logits = np.array([[0.3, 2.0, -1.0, 1.9], [1.0, 1.0, 0.0, -2.0]])
    np.testing.assert_allclose(apply_temperature(logits, 1.0), softmax(logits), rtol=1e-15)
    np.testing.assert_array_equal(apply_temperature(logits, 0), [[0, 1, 0, 0], [1, 0, 0, 0]])
    np.testing.assert_allclose(apply_temperature(logits[:1], 1e-3), [[0, 1, 0, 0]], atol=1e-40)
    np.testing.assert_allclose(apply_temperature(logits, 1e6), 0.25, rtol=1e-5)
    # a lower temperature puts more mass on the most probable character
    tops = [apply_temperature(logits[0], t)[1] for t in (2.0, 1.0, 0.5, 0.2)]
    assert np.all(np.diff(tops) > 0)
    with pytest.raises(ValueError, match="temperature must be a finite number >= 0"):
        apply_temperature(logits, -1.0)


def test_temperature_zero_is_greedy_decoding():
    model, prompt = _model(), np.array([1, 3, 0])
    got = sample(model, prompt, 12, np.random.default_rng(0), temperature=0)
    ids = list(prompt)
    for _ in range(12):  # the definition: append the argmax, read everything again
        ids.append(int(np.argmax(next_char_distribution(model, np.array(ids)))))
    np.testing.assert_array_equal(got, ids[3:])
    tiny = sample(model, prompt, 12, np.random.default_rng(5), temperature=1e-4)
    np.testing.assert_array_equal(tiny, got)


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_sample_frequencies_match_the_distribution(temperature):
    model, prompt = _model(1), np.array([2, 2, 4])
    n = 40_000
    first = sample(model, prompt, 1, np.random.default_rng(2), temperature=temperature,
                   n_samples=n)[0]
    p = next_char_distribution(model, prompt, temperature)
    assert p.min() > 1e-3 and p.max() < 0.95  # the test has something to detect
    freq = np.bincount(first, minlength=V) / n
    # each frequency within 5 binomial standard deviations (fails w.p. < 1e-5 per entry)
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / n))
    # and the pairs: the second character follows P(. | prompt + first), the state carries
    two = sample(model, prompt, 2, np.random.default_rng(3), temperature=temperature,
                 n_samples=n)
    a = int(np.argmax(p))
    sel = two[1][two[0] == a]
    q = next_char_distribution(model, np.append(prompt, a), temperature)
    freq2 = np.bincount(sel, minlength=V) / len(sel)
    assert np.all(np.abs(freq2 - q) < 5 * np.sqrt(q * (1 - q) / len(sel)))


def test_seeded_samples_are_reproducible():
    model, prompt = _model(2, "GRU"), np.array([0])
    a = sample(model, prompt, 50, np.random.default_rng(7))
    b = sample(model, prompt, 50, np.random.default_rng(7))
    c = sample(model, prompt, 50, np.random.default_rng(8))
    assert a.shape == (50,) and a.dtype == np.int64
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    batch = sample(model, prompt, 50, np.random.default_rng(7), n_samples=3)
    assert batch.shape == (50, 3) and 0 <= batch.min() and batch.max() < V


def test_errors_name_the_argument():
    model = _model()
    with pytest.raises(ValueError, match="prompt must be a non-empty 1-D array"):
        sample(model, np.array([], int), 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"prompt ids must lie in \[0, V=5\)"):
        next_char_distribution(model, np.array([7]))
    with pytest.raises(TypeError, match="rng must be a np.random.Generator"):
        sample(model, np.array([1]), 3, 0)


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
def test_next_char_distribution_is_the_stream_prediction_after_the_whole_prompt(cell):
    """At τ = 1 the distribution after a prompt is the row of ``stream_probs`` that has read
    every prompt character: the last row once one more (never read) id is appended, and not
    the last row of the prompt alone (which has not read the final character)."""
    from rnnlab.book import stream_probs

    model = _model(1, cell)
    prompt = np.random.default_rng(2).integers(0, V, size=9)
    q = next_char_distribution(model, prompt, temperature=1.0)
    after = stream_probs(model, np.append(prompt, 0)[:, None], V)[-1, 0]
    np.testing.assert_allclose(q, after, rtol=1e-12)
    before = stream_probs(model, prompt[:, None], V)[-1, 0]
    assert not np.allclose(q, before, rtol=1e-6)


@pytest.mark.parametrize("tau", [1e-300, 1e-320, 5e-324])
def test_a_tiny_temperature_is_greedy_decoding(tau):
    """logits / τ overflows for τ = 1e-320: the draw must still be the argmax, not id 0."""
    logits = np.array([[0.3, 2.0, -1.0, 1.9], [-5.0, -4.0, -3.0, -3.5]])
    np.testing.assert_array_equal(apply_temperature(logits, tau), [[0, 1, 0, 0], [0, 0, 1, 0]])
    model, prompt = _model(), np.array([1, 3, 0])
    greedy = sample(model, prompt, 12, np.random.default_rng(0), temperature=0)
    tiny = sample(model, prompt, 12, np.random.default_rng(1), temperature=tau)
    np.testing.assert_array_equal(tiny, greedy)


def test_tiny_temperature_shares_the_mass_between_tied_logits():
    p = apply_temperature(np.array([1.0, 3.0, 3.0, -np.inf]), 1e-320)
    np.testing.assert_array_equal(p, [0.0, 0.5, 0.5, 0.0])
