"""The few names the workbook needs that ``rnnlab`` does not export at top level.

Every import from a module other than the top-level package is here, inside a function, so
that a move of those modules changes this one file and nothing else in
:mod:`rnnlab.practice`.

Shape legend: ``T`` steps, ``B`` batch, ``V`` vocabulary size, ``n`` stream length.
"""

from __future__ import annotations

import numpy as np


def one_hot(ids, V: int, dtype=np.float64) -> np.ndarray:
    """Integer ids (...,) in [0, V) -> one-hot vectors (..., V)."""
    from rnnlab.data import one_hot as _one_hot
    return _one_hot(ids, V, dtype)


def stream_batches(ids, batch_size: int, seq_len: int):
    """Consecutive chunks ``(inputs (T, B), targets (T, B))`` of the stream ``ids`` (n,) cut
    into ``batch_size`` contiguous columns; ``targets[t] = inputs[t + 1]``."""
    from rnnlab.tbptt import stream_batches as _stream_batches
    return _stream_batches(ids, batch_size, seq_len)


def sequence_model(layer, head):
    """A next-character model: the recurrent ``layer`` and the output layer ``head``."""
    from rnnlab.train import SequenceModel
    return SequenceModel(layer, head, loss="softmax", target="every")


def reference_train_tbptt(model, ids, V: int, optimizer, *, batch_size: int, seq_len: int,
                          clip_norm: float) -> np.ndarray:
    """The package's truncated-BPTT loop, one pass over ``ids``: the loss of every chunk."""
    from rnnlab.tbptt import train_tbptt
    hist = train_tbptt(model, ids, V, optimizer, batch_size=batch_size, seq_len=seq_len,
                       n_epochs=1, clip_norm=clip_norm, progress=False)
    return hist.loss


def reference_apply_temperature(logits: np.ndarray, temperature: float) -> np.ndarray:
    """The package's softmax(logits / τ) over the last axis."""
    from rnnlab.sampling import apply_temperature
    return apply_temperature(logits, temperature)


def reference_sample(model, prompt, n_chars: int, rng: np.random.Generator,
                     temperature: float) -> np.ndarray:
    """The package's sampler: ``n_chars`` ids (n_chars,) continuing ``prompt`` (P,)."""
    from rnnlab.sampling import sample
    return sample(model, prompt, n_chars, rng, temperature=temperature)
