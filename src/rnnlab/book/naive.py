"""A per-character reference char-RNN: one sequence, column vectors, a Python loop per step.

Shape legend: ``T`` steps per chunk, ``V`` vocabulary size, ``H`` hidden size; every
vector is a column ``(n, 1)``, as in the classic minimal NumPy char-RNN (Karpathy's
min-char-rnn), which this module re-derives in the book's notation:

    h_t = tanh(W x_t + U h_{t-1} + b)        NNDL (6.5)–(6.6), x_t one-hot (V, 1)
    y_t = softmax(V_out h_t + c)             the output layer, (V, 1)
    L   = - sum_t log y_t[target_t]          summed (not averaged) over the chunk

Every step does its own matrix-vector products — the input projection W x_t, the output
layer, the softmax — and the backward pass walks ``reversed(range(T))`` one column at a
time. It is the baseline that :func:`rnnlab.train.tbptt.train_tbptt` is timed against: the
same mathematics as ``SequenceModel(RNN(V, H), Linear(H, V))`` (the tests check it to
rounding error), computed without a batch axis and without whole-sequence products.
"""

from __future__ import annotations

import time

import numpy as np

from .._checks import check_positive_int, check_rng
from ..train.optim import clip_grad_norm

__all__ = ["MinCharRNN", "train_naive"]


class MinCharRNN:
    """The simple RNN language model with column vectors.

    ``params``: ``W`` (H, V), ``U`` (H, H), ``b`` (H, 1), ``V_out`` (V, H), ``c`` (V, 1),
    initialised like :class:`~rnnlab.layers.rnn.RNN` and
    :class:`~rnnlab.layers.linear.Linear` (uniform in ±1/sqrt(H)); biases zero.
    """

    def __init__(self, V: int, H: int, *, rng: np.random.Generator):
        self.V, self.H = check_positive_int(V, "V"), check_positive_int(H, "H")
        rng = check_rng(rng)
        s = 1.0 / np.sqrt(H)
        self.params = {"W": rng.uniform(-s, s, (H, V)), "U": rng.uniform(-s, s, (H, H)),
                       "b": np.zeros((H, 1)), "V_out": rng.uniform(-s, s, (V, H)),
                       "c": np.zeros((V, 1))}

    def loss_and_grads(self, inputs, targets, h_prev: np.ndarray):
        """Forward and backward over one chunk, one character at a time.

        inputs, targets: sequences of T ints (targets[t] is the character
        after inputs[t]); h_prev (H, 1) the state before the chunk.
        Returns (loss summed over the T steps in nats, grads keyed like
        ``params``, h_T (H, 1)).
        """
        W, U, b = self.params["W"], self.params["U"], self.params["b"]
        V_out, c = self.params["V_out"], self.params["c"]
        xs, hs, ps = {}, {-1: h_prev}, {}
        loss = 0.0
        for t in range(len(inputs)):  # forward, one column at a time
            xs[t] = np.zeros((self.V, 1))
            xs[t][inputs[t]] = 1.0  # one-hot x_t (V, 1)
            hs[t] = np.tanh(W @ xs[t] + U @ hs[t - 1] + b)  # (6.5)-(6.6), (H, 1)
            y = V_out @ hs[t] + c  # logits (V, 1)
            e = np.exp(y - y.max())
            ps[t] = e / e.sum()  # softmax (V, 1)
            loss -= np.log(ps[t][targets[t], 0])
        grads = {k: np.zeros_like(p) for k, p in self.params.items()}
        dh_next = np.zeros((self.H, 1))
        for t in reversed(range(len(inputs))):  # backward through time
            dy = ps[t].copy()
            dy[targets[t]] -= 1.0  # softmax + cross-entropy
            grads["V_out"] += dy @ hs[t].T
            grads["c"] += dy
            dh = V_out.T @ dy + dh_next  # from the output and t+1
            dz = (1.0 - hs[t] ** 2) * dh  # backprop through tanh
            grads["b"] += dz
            grads["W"] += dz @ xs[t].T
            grads["U"] += dz @ hs[t - 1].T
            dh_next = U.T @ dz  # to h_{t-1}
        return loss, grads, hs[len(inputs) - 1]


def train_naive(model: MinCharRNN, ids, optimizer, *, seq_len: int, n_chars: int,
                clip_norm: float | None = 1.0) -> tuple[np.ndarray, float]:
    """Walk the stream ``ids`` (n,) in chunks of ``seq_len``, one update per chunk.

    The state is carried from chunk to chunk (truncated BPTT with batch 1). The gradient
    is averaged over the chunk (loss / T) so that the update matches a batched model's
    mean loss, then clipped to global norm ``clip_norm``. Stops after ``n_chars``
    predicted characters. Returns (losses per chunk in nats per character, seconds).
    """
    ids = np.asarray(ids).tolist()
    T = check_positive_int(seq_len, "seq_len")
    n_chars = check_positive_int(n_chars, "n_chars")
    if len(ids) < n_chars + 1:
        raise ValueError(f"ids must hold n_chars + 1 = {n_chars + 1} ids; got {len(ids)}")
    h = np.zeros((model.H, 1))
    losses = []
    t0 = time.perf_counter()
    for start in range(0, n_chars, T):
        stop = min(start + T, n_chars)
        loss, grads, h = model.loss_and_grads(ids[start:stop], ids[start + 1:stop + 1], h)
        n = stop - start
        grads = {k: g / n for k, g in grads.items()}
        if clip_norm is not None:
            grads, _ = clip_grad_norm(grads, clip_norm)
        optimizer.step(model.params, grads)
        losses.append(loss / n)
    return np.array(losses), time.perf_counter() - t0
