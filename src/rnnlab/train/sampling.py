"""Sampling text from a trained character model, with a temperature.

Shape legend: ``P`` prompt length, ``n`` characters to generate, ``B`` independent
samples drawn side by side (the batch axis), ``V`` vocabulary size.

A model trained on next-character prediction gives logits ``s`` (V,) after any prefix;
the softmax turns them into P(· | prefix). Generating text feeds each drawn character back
as the next input. A temperature ``τ > 0`` reshapes the distribution before drawing:

    p_τ(v) = exp(s_v / τ) / sum_u exp(s_u / τ)

``τ = 1`` samples from the model itself; ``τ < 1`` sharpens it (``τ → 0`` always takes the
most probable character, greedy decoding); ``τ > 1`` flattens it towards uniform. Every
draw comes from the ``rng`` passed in, so a seed reproduces a sample exactly.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_positive_int, check_rng
from ..data.text import one_hot
from ..layers.losses import softmax
from .loop import SequenceModel

__all__ = ["apply_temperature", "next_char_distribution", "sample"]


def _check_temperature(temperature) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.number)) \
            or not np.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a finite number >= 0; got {temperature!r}")
    return float(temperature)


def apply_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(logits / τ) over the last axis: (..., V) -> (..., V).

    ``temperature = 0`` gives the limit τ → 0: all mass on the largest logit (the first
    one when several tie), i.e. greedy decoding. A τ so small that logits / τ overflows
    (τ = 1e-320) is that limit too: every logit below the row's largest gets exactly 0
    (tied largest logits share the mass equally).
    """
    tau = _check_temperature(temperature)
    logits = np.asarray(logits, np.float64)
    if tau == 0:
        return one_hot(np.argmax(logits, axis=-1), logits.shape[-1])
    with np.errstate(over="ignore"):
        scaled = logits / tau
    if (np.isinf(scaled) & np.isfinite(logits)).any():  # overflowed: a finite logit became inf
        # shift first: the largest logits give 0 and the others -inf, the limit of softmax
        with np.errstate(over="ignore"):
            scaled = (logits - logits.max(axis=-1, keepdims=True)) / tau
    return softmax(scaled)


def _check_model(model) -> int:
    if not isinstance(model, SequenceModel) or model.loss != "softmax" \
            or model.target != "every":
        raise ValueError("model must be a SequenceModel with loss='softmax' and "
                         "target='every' (a next-character predictor)")
    return model.head.output_size


def _check_prompt(prompt, V: int) -> np.ndarray:
    prompt = np.asarray(prompt)
    if prompt.ndim != 1 or prompt.size == 0 or not np.issubdtype(prompt.dtype, np.integer):
        raise ValueError(f"prompt must be a non-empty 1-D array of ids (P,); got "
                         f"{prompt.dtype} {prompt.shape} (encode a text with vocab.encode)")
    if prompt.min() < 0 or prompt.max() >= V:
        raise ValueError(f"prompt ids must lie in [0, V={V}); got range "
                         f"[{prompt.min()}, {prompt.max()}]")
    return prompt


def _read(model: SequenceModel, ids: np.ndarray, V: int, state=None):
    """Feed ids (T, B) from ``state``; return the logits after the last one (B, V), state."""
    H, cache = model.layer.forward(one_hot(ids, V, model.dtype), state)
    logits, _ = model.head.forward(H[-1])  # (B, V)
    return logits, model.layer.final_state(cache)


def next_char_distribution(model: SequenceModel, prompt, temperature: float = 1.0
                           ) -> np.ndarray:
    """P_τ(next character | prompt) (V,): the model reads the prompt ids (P,) from the zero
    state and its logits are passed through :func:`apply_temperature`."""
    V = _check_model(model)
    prompt = _check_prompt(prompt, V)
    logits, _ = _read(model, prompt[:, None], V)
    return apply_temperature(logits[0], temperature)


def sample(model: SequenceModel, prompt, n_chars: int,
           rng: np.random.Generator, *, temperature: float = 1.0,
           n_samples: int | None = None) -> np.ndarray:
    """Extend ``prompt`` (P,) by ``n_chars`` characters drawn one at a time.

    The model reads the prompt from the zero state; then, ``n_chars`` times,
    the next id is drawn from :func:`apply_temperature` of the logits by
    inverse-CDF sampling with one uniform number from ``rng`` per sample, and
    fed back as the next input (the state is carried, one forward step per
    character). ``n_samples = B`` draws B independent continuations at once,
    as the columns of a batch.

    Returns the generated ids (without the prompt): (n_chars,) when
    ``n_samples`` is None, else (n_chars, B).
    """
    V = _check_model(model)
    prompt = _check_prompt(prompt, V)
    n_chars = check_positive_int(n_chars, "n_chars")
    rng = check_rng(rng)
    tau = _check_temperature(temperature)
    B = (1 if n_samples is None
         else check_positive_int(n_samples, "n_samples"))
    # logits (B, V) after the prompt, repeated in each of the B columns
    logits, state = _read(model, np.repeat(prompt[:, None], B, axis=1), V)
    out = np.empty((n_chars, B), np.int64)
    for t in range(n_chars):
        p = apply_temperature(logits, tau)  # (B, V)
        cdf = np.cumsum(p, axis=1)
        # (B, 1), scaled to the total: rounding cannot overrun the cdf
        u = rng.random(B)[:, None] * cdf[:, -1:]
        # the first v with cdf[v] > u
        out[t] = np.minimum((cdf <= u).sum(axis=1), V - 1)
        if t + 1 < n_chars:  # feed the drawn character back in
            logits, state = _read(model, out[t][None], V, state)
    return out[:, 0] if n_samples is None else out
