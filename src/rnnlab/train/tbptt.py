"""Truncated backpropagation through time over one long character stream.

Shape legend: ``n`` stream length, ``T`` steps per chunk (``seq_len``), ``B`` parallel
streams (``batch_size``), ``V`` vocabulary size, ``H`` hidden size.

A long text cannot be unrolled in one piece. The standard recipe ("batchify"): cut the
id stream into ``B`` contiguous pieces, one per batch column, and walk down all of them
together in chunks of ``T`` characters. Each chunk starts from the hidden state the
previous chunk ended in (``final_state``), so the model sees the whole stream in order —
but the gradient stops at the chunk border: dependencies longer than ``T`` steps are
visible to the forward pass and invisible to learning. That is what "truncated" drops.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_positive_int
from ..data.text import one_hot
from ..layers.losses import log_softmax
from .loop import SequenceModel, TrainHistory, TrainRecorder, train_step

__all__ = ["check_ids", "check_char_model", "batchify", "stream_batches", "train_tbptt",
           "evaluate_bpc"]


def check_ids(ids, vocab_size: int | None = None) -> np.ndarray:
    """A stream of character ids as a 1-D integer array (n,), in [0, vocab_size) if given."""
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids must be a 1-D integer array (n,); got {ids.dtype} {ids.shape}")
    if vocab_size is not None and ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(f"ids must lie in [0, vocab_size={vocab_size}); got range "
                         f"[{ids.min()}, {ids.max()}]")
    return ids


def batchify(ids, batch_size: int) -> np.ndarray:
    """ids (n,) -> (n // B, B): column b is the b-th contiguous piece of the stream.

    The last ``n % B`` ids are dropped so that every column has the same length.
    """
    ids = check_ids(ids)
    B = check_positive_int(batch_size, "batch_size")
    n = len(ids) // B
    if n < 2:
        raise ValueError(f"ids must hold at least 2 * batch_size = {2 * B} ids (an input and "
                         f"a next-symbol target per stream); got {len(ids)}")
    return ids[:n * B].reshape(B, n).T  # (n, B): time-major


def stream_batches(ids, batch_size: int, seq_len: int):
    """Yield consecutive chunks ``(inputs (T, B), targets (T, B))`` of a batchified stream.

    ``targets[t] = inputs[t + 1]`` within each column (the next symbol), and chunk k + 1
    starts where chunk k ended, so together the chunks cover each column once, in order.
    The last chunk may be shorter than ``seq_len``.
    """
    data = batchify(ids, batch_size)  # (n, B)
    T = check_positive_int(seq_len, "seq_len")
    for start in range(0, len(data) - 1, T):
        stop = min(start + T, len(data) - 1)
        yield data[start:stop], data[start + 1:stop + 1]


def check_char_model(model, vocab_size: int) -> int:
    """Refuse a model that is not a next-character predictor over ``vocab_size`` symbols."""
    V = check_positive_int(vocab_size, "vocab_size")
    if not isinstance(model, SequenceModel) or model.loss != "softmax" \
            or model.target != "every":
        raise ValueError("model must be a SequenceModel with loss='softmax' and "
                         "target='every' (a next-character predictor)")
    if model.layer.input_size != V or model.head.output_size != V:
        raise ValueError(f"model must map vocab_size={V} one-hot inputs to {V} logits; got "
                         f"layer.input_size={model.layer.input_size}, "
                         f"head.output_size={model.head.output_size}")
    return V


def train_tbptt(model: SequenceModel, ids, vocab_size: int, optimizer, *, batch_size: int,
                seq_len: int, n_epochs: int | None = None, n_steps: int | None = None,
                clip_norm=None, clip_value=None, progress: bool = True,
                desc: str = "TBPTT", leave: bool = True) -> TrainHistory:
    """Train a next-character model on the stream ``ids`` (n,) by truncated BPTT.

    One step = one chunk of ``seq_len`` characters in each of ``batch_size`` streams
    (:func:`stream_batches`), inputs one-hot encoded (T, B, V). The state is carried from
    chunk to chunk and reset to zeros when an epoch (one pass over the stream) starts.
    Give exactly one of ``n_epochs`` and ``n_steps`` (steps wrap around the stream).
    Losses are in nats per character; divide by ln 2 for bits.
    """
    V = check_char_model(model, vocab_size)
    ids = check_ids(ids, V)
    chunks = sum(1 for _ in stream_batches(ids, batch_size, seq_len))
    if (n_epochs is None) == (n_steps is None):
        raise ValueError("give exactly one of n_epochs and n_steps")
    total = (check_positive_int(n_epochs, "n_epochs") * chunks if n_steps is None
             else check_positive_int(n_steps, "n_steps"))
    rec = TrainRecorder(total, progress, desc, leave)
    ok, done = True, 0
    while done < total and ok:
        state = None  # a new pass over the stream starts from the zero state
        for inputs, targets in stream_batches(ids, batch_size, seq_len):
            X = one_hot(inputs, V, model.dtype)  # (T, B, V)
            res, norm, ok = train_step(model, optimizer, X, targets, state=state,
                                       clip_norm=clip_norm, clip_value=clip_value)
            rec.record(res.loss, norm)
            state = res.final_state  # forward flows on; no gradient flows back into it
            done += 1
            if done == total or not ok:
                break
    return rec.finish(diverged=not ok)


def _stream_log_probs(model: SequenceModel, ids, vocab_size: int, batch_size: int,
                      seq_len: int):
    """Yield (log p(target) (T, B) in nats) chunk by chunk, carrying the state."""
    V = check_char_model(model, vocab_size)
    ids = check_ids(ids, V)
    state = None
    for inputs, targets in stream_batches(ids, batch_size, seq_len):
        H, cache = model.layer.forward(one_hot(inputs, V, model.dtype), state)
        logits, _ = model.head.forward(H)  # (T, B, V)
        logp = log_softmax(logits)
        yield np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
        state = model.layer.final_state(cache)


def evaluate_bpc(model: SequenceModel, ids, vocab_size: int, batch_size: int = 16,
                 seq_len: int = 128) -> float:
    """Mean cross-entropy in bits per character on the stream ``ids`` (n,).

    Every character but the first of each of the ``batch_size`` streams is predicted from
    everything before it in its stream (the state is carried across chunks, no
    truncation in the forward pass). Compare with ``log2(V)`` (uniform guessing) and, for
    a :class:`~rnnlab.data.brackets.BracketLanguage`, with its exact entropy rate.
    """
    total, count = 0.0, 0
    for lp in _stream_log_probs(model, ids, vocab_size, batch_size, seq_len):
        total += float(lp.sum(dtype=np.float64))
        count += lp.size
    return -total / count / np.log(2)
