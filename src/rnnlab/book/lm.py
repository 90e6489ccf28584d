"""Character language models: equal parameter budgets, training runs and their evaluation.

Shape legend: ``n`` characters in a stream, ``L`` characters per column, ``B`` columns
(independent streams, time-major ``(L, B)``), ``V`` vocabulary size, ``H`` hidden size,
``G`` gate blocks (1 simple RNN, 3 GRU, 4 LSTM), ``S`` evaluation points of a run.

A character model is a :class:`~rnnlab.train.loop.SequenceModel`: a recurrent layer reads the
one-hot characters x_t (V,) and an output layer maps h_t to logits over the next
character (NNDL §6.3.2, one output per step). Its parameter count is

    |θ| = G (H V + H H + H)  +  V H + V            (layer  +  output layer)

so at one budget the gated cells get a smaller H. :func:`hidden_for_budget` picks it;
:func:`train_lm` trains by truncated BPTT over one pass of a stream, the state carried
throughout, and measures validation bits per character along the way;
:func:`stream_probs` gives the whole next-character distribution at every position of
independent columns, from which
:func:`closer_type_probability` reads how well a model knows which bracket closes.
"""

from __future__ import annotations

import time
import warnings
from typing import NamedTuple

import numpy as np

from .._checks import check_positive_int
from ..data.text import Vocab, one_hot
from ..layers.cells import CELLS, GATE_BLOCKS
from ..layers.linear import Linear
from ..layers.losses import softmax
from ..train.loop import SequenceModel, TrainHistory, train_step
from ..train.progress import progress_bar
from ..train.tbptt import batchify, check_char_model, check_ids, evaluate_bpc, train_tbptt

__all__ = ["LMData", "sample_lm_data", "n_params", "hidden_for_budget",
           "char_model", "LMRun",
           "train_lm", "chars_per_second", "stream_probs", "true_next_probs",
           "target_log2_probs", "kl_bits", "column_mean_se", "closer_type_probability",
           "binned_mean", "results_table"]

class LMData(NamedTuple):
    """A language's training stream and validation texts, as ids of its vocabulary."""

    lang: object            # the source, e.g. a BracketLanguage: .alphabet, .sample(n, rng)
    vocab: Vocab
    train_ids: np.ndarray   # (n,) one training stream
    val_texts: list         # B validation texts of L characters each
    val_cols: np.ndarray    # (L, B) their ids, one text per column (time-major)
    val_ids: np.ndarray     # (B L,) the same texts end to end


def sample_lm_data(lang, n_train: int, n_val: int, val_len: int, *,
                   train_rng: np.random.Generator, val_rng: np.random.Generator) -> LMData:
    """One training stream of ``n_train`` characters and ``n_val`` independent validation
    texts of ``val_len`` characters from ``lang``, drawn with their own generators so the
    validation texts do not depend on the length of the stream."""
    n_train, n_val = check_positive_int(n_train, "n_train"), check_positive_int(n_val, "n_val")
    val_len = check_positive_int(val_len, "val_len")
    vocab = Vocab(lang.alphabet)
    train_ids = vocab.encode(lang.sample(n_train, train_rng))
    val_texts = [lang.sample(val_len, val_rng) for _ in range(n_val)]
    val_cols = np.stack([vocab.encode(t) for t in val_texts], axis=1)   # (L, B)
    return LMData(lang, vocab, train_ids, val_texts, val_cols, val_cols.T.reshape(-1))


def n_params(cell: str, V: int, H: int) -> int:
    """|θ| = G (H V + H² + H) + V H + V: layer (W, U, b per gate block) and output layer."""
    G = GATE_BLOCKS[cell]
    return G * (H * V + H * H + H) + V * H + V


def hidden_for_budget(cell: str, V: int, budget: int) -> int:
    """The hidden size H whose :func:`n_params` is closest to ``budget``."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}; got {cell!r}")
    V = check_positive_int(V, "V")
    budget = check_positive_int(budget, "budget")
    H = 1
    while n_params(cell, V, H + 1) <= budget:
        H += 1
    return min((H, H + 1), key=lambda h: abs(n_params(cell, V, h) - budget))


def char_model(cell: str, V: int, H: int, rng: np.random.Generator,
               dtype=np.float64) -> SequenceModel:
    """A next-character model: ``CELLS[cell](V, H)`` and a ``Linear(H, V)`` head."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}; got {cell!r}")
    layer = CELLS[cell](V, H, rng=rng, dtype=dtype)
    return SequenceModel(layer, Linear(H, V, rng=rng, dtype=dtype))


class LMRun(NamedTuple):
    """One training run of :func:`train_lm`.

    model       the trained SequenceModel.
    history     TrainHistory of every TBPTT step (loss in nats per character).
    chars_seen  (S,) training characters read when the validation points were taken.
    val_bpc     (S,) validation bits per character at those points (S[0] = before training).
    seconds     wall time of the training steps alone (validation excluded).
    chars_per_second  training characters per second of ``seconds``.
    """

    model: SequenceModel
    history: TrainHistory
    chars_seen: np.ndarray
    val_bpc: np.ndarray
    seconds: float
    chars_per_second: float


def train_lm(model: SequenceModel, train_ids, val_ids, V: int, optimizer, *,
             batch_size: int = 32, seq_len: int = 64, n_segments: int = 10,
             clip_norm: float | None = 1.0, lr_decay: float = 1.0,
             val_batch_size: int = 16, progress: bool = True,
             desc: str = "training") -> LMRun:
    """One pass over ``train_ids`` (n,), validating ``n_segments`` times.

    Truncated BPTT over the whole stream, as in
    :func:`rnnlab.train.tbptt.train_tbptt`: the stream is cut into
    B = ``batch_size`` contiguous columns (``batchify``), read down all of
    them together in chunks of ``seq_len`` characters, the gradient clipped
    to global norm ``clip_norm`` — and the hidden state carried from chunk to
    chunk through the whole pass, from zeros once at the start. The rows of
    the columns are split into ``n_segments`` consecutive segments; after
    each, :func:`rnnlab.train.tbptt.evaluate_bpc` scores ``val_ids`` in bits
    per character with ``val_batch_size`` columns (its own state: the
    training state is untouched) and the learning rate is multiplied by
    ``lr_decay`` (a step schedule: large steps early, small steps to settle).
    ``progress`` shows one tqdm bar counting characters (its rate is
    chars/s).
    """
    V = check_char_model(model, V)
    # (N, B): B contiguous columns
    data = batchify(check_ids(train_ids, V), batch_size)
    n_segments = check_positive_int(n_segments, "n_segments")
    seq_len = check_positive_int(seq_len, "seq_len")
    N, B = data.shape
    if N < 2 * n_segments:
        raise ValueError("train_ids must hold at least 2 * n_segments * "
                         f"batch_size = {2 * n_segments * B} ids (2 rows "
                         f"per segment); got {len(train_ids)}")
    # segment k: the rows edges[k]:edges[k + 1]
    edges = np.linspace(0, N, n_segments + 1).round().astype(int)
    seen, val = [0], [evaluate_bpc(model, val_ids, V, val_batch_size)]
    loss, norm, times = [], [], []
    state, seconds, ok = None, 0.0, True  # from zeros once, for the pass
    bar = progress_bar(total=N * B, desc=desc, unit="char", unit_scale=True,
                       disable=not progress)
    for start, end in zip(edges[:-1], edges[1:], strict=True):
        stop = min(end, N - 1)  # the last row of the stream is only a target
        t0 = time.perf_counter()
        for t in range(start, stop, seq_len):  # inputs t:u, targets t+1:u+1
            u = min(t + seq_len, stop)
            X = one_hot(data[t:u], V, model.dtype)  # (T, B, V)
            res, g, ok = train_step(model, optimizer, X, data[t + 1:u + 1],
                                    state=state, clip_norm=clip_norm)
            state = res.final_state  # carried on, across segments too
            loss.append(res.loss)
            norm.append(g)
            # training time alone
            times.append(seconds + time.perf_counter() - t0)
            if not ok:
                break
        seconds += time.perf_counter() - t0
        bar.update((end - start) * B)
        seen.append(end * B)
        val.append(evaluate_bpc(model, val_ids, V, val_batch_size))
        optimizer.lr *= lr_decay
        if not ok:
            warnings.warn(f"training stopped at step {len(loss) - 1}: the "
                          "loss or the gradient norm is not finite "
                          f"(loss={loss[-1]}, norm={norm[-1]}); try a "
                          "smaller lr or clip_norm",
                          RuntimeWarning, stacklevel=2)
            break
    bar.close()
    history = TrainHistory(np.array(loss), np.array(norm), np.array(times),
                           diverged=not ok)
    return LMRun(model, history, np.array(seen), np.array(val), seconds,
                 chars_per_second=seen[-1] / seconds)


def chars_per_second(model: SequenceModel, ids, V: int, optimizer, *, batch_size: int,
                     seq_len: int) -> float:
    """Training throughput: one epoch of :func:`rnnlab.train.tbptt.train_tbptt` over ``ids`` (n,),
    timed with ``time.perf_counter``; returns characters per second (n / seconds)."""
    t0 = time.perf_counter()
    train_tbptt(model, ids, V, optimizer, batch_size=batch_size, seq_len=seq_len,
                n_epochs=1, clip_norm=1.0, progress=False)
    return len(ids) / (time.perf_counter() - t0)


def stream_probs(model: SequenceModel, cols, V: int, seq_len: int = 256) -> np.ndarray:
    """Next-character distributions along independent columns.

    cols (L, B) int ids, each column a stream read from the zero state. Returns
    probs (L - 1, B, V): ``probs[i, b]`` is the model's P(· | cols[:i + 1, b]), the
    prediction for ``cols[i + 1, b]``. The state is carried across chunks of ``seq_len``,
    so the result does not depend on ``seq_len``.
    """
    cols = np.asarray(cols)
    if cols.ndim != 2 or not np.issubdtype(cols.dtype, np.integer) or len(cols) < 2:
        raise ValueError(f"cols must be an integer array (L >= 2, B); got {cols.dtype} "
                         f"{cols.shape}")
    seq_len = check_positive_int(seq_len, "seq_len")
    inputs = cols[:-1]  # (L - 1, B): the last character predicts nothing
    out, state = [], None
    for start in range(0, len(inputs), seq_len):
        X = one_hot(inputs[start:start + seq_len], V, model.dtype)  # (T, B, V)
        H, cache = model.layer.forward(X, state)
        logits, _ = model.head.forward(H)  # (T, B, V)
        out.append(softmax(logits))
        state = model.layer.final_state(cache)
    return np.concatenate(out)


def true_next_probs(lang, cols) -> np.ndarray:
    """The grammar's own next-character distributions: the oracle a model is compared with.

    ``lang`` a :class:`~rnnlab.data.brackets.BracketLanguage`; cols (L, B) ids in the order of
    ``lang.alphabet`` (``Vocab(lang.alphabet)``), each column a text read from the empty
    stack. Returns (L - 1, B, V) with ``[i, b] = p(· | cols[:i + 1, b])``, the layout of
    :func:`stream_probs`. The state is tracked with ``lang.next_state``, one row per step
    for all columns at once.
    """
    cols = np.asarray(cols)
    L, B = cols.shape
    states = np.zeros((L, B), np.int64)  # the stack state after cols[:i + 1]
    s = np.zeros(B, np.int64)
    for i in range(L):
        s = lang.next_state[s, cols[i]]
        if (s < 0).any():
            b = int(np.argmax(s < 0))
            raise ValueError(f"column {b} is not in the language at row {i}")
        states[i] = s
    return lang.probs[states[:-1]]


def target_log2_probs(probs: np.ndarray, cols) -> np.ndarray:
    """log2 of the probability each prediction gave the character that came.

    probs (L - 1, B, V) from :func:`stream_probs`, cols (L, B) -> (L - 1, B); the mean of
    its negative is the bits per character of ``cols[1:]``.
    """
    targets = np.asarray(cols)[1:]
    return np.log2(np.take_along_axis(probs, targets[..., None], axis=-1)[..., 0])


def kl_bits(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """KL(p || q) = sum_v p_v log2(p_v / q_v) in bits over the last axis (0 log 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log2(p) - np.log2(q)), 0.0)
    return terms.sum(axis=-1)


def column_mean_se(x) -> tuple[float, float]:
    """Mean of x (L, B) and its standard error from the B column means.

    Values within a column are correlated (one text); independent columns are not, so
    the spread of the B column means gives an honest standard error.
    """
    col = np.asarray(x, np.float64).mean(axis=0)  # (B,)
    return float(col.mean()), float(col.std(ddof=1) / np.sqrt(len(col)))


def closer_type_probability(probs: np.ndarray, cols, closers, positions) -> np.ndarray:
    """At each closing bracket, the share of the closing mass that went to the right one.

    probs (L - 1, B, V) from :func:`stream_probs`; cols (L, B); ``closers`` the ids of the
    closing characters, e.g. ``[id(")"), id("]")]``; ``positions`` a list of B arrays of
    row indices (>= 1) of closers in each column (from
    :meth:`~rnnlab.data.brackets.BracketLanguage.closing_distances`). Returns (m,) values
    ``P(correct closer) / sum_c P(c) over closers``, in column order: 1 means the model
    knows which bracket is open, 1 / len(closers) that it guesses blindly.
    """
    closers = np.asarray(closers)
    vals = []
    for b, pos in enumerate(positions):
        pos = np.asarray(pos, np.int64)
        p = probs[pos - 1, b]  # (m_b, V): the predictions for the closers
        right = p[np.arange(len(pos)), np.asarray(cols)[pos, b]]
        vals.append(right / p[:, closers].sum(axis=1))
    return np.concatenate(vals)


def binned_mean(x, y, edges) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of y (m,) in the bins ``edges[j] <= x < edges[j + 1]``.

    Returns (means (J,), standard errors (J,), counts (J,)); empty bins give NaN.
    """
    x, y = np.asarray(x), np.asarray(y, np.float64)
    j = np.digitize(x, edges) - 1
    J = len(edges) - 1
    count = np.bincount(j[(j >= 0) & (j < J)], minlength=J)
    ok = (j >= 0) & (j < J)
    s1 = np.bincount(j[ok], weights=y[ok], minlength=J)
    s2 = np.bincount(j[ok], weights=y[ok] ** 2, minlength=J)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / count
        var = (s2 - count * mean ** 2) / (count - 1)
        se = np.sqrt(np.maximum(var, 0) / count)
    return mean, se, count


def results_table(scores: dict, oracle_bpc: float, *, params: dict | None = None,
                  hidden: dict | None = None, runs: dict | None = None) -> str:
    """The results of a chapter run as a text table, one row per model and one for the oracle.

    ``scores`` name -> ``(bpc, excess, se)``: validation bits per character, the paired
    excess over the oracle and its standard error (:func:`column_mean_se`). Optional
    columns, blank where a name is missing: ``params`` name -> parameter count (for an
    n-gram model, its stored counts), ``hidden`` name -> H, ``runs`` name -> :class:`LMRun`
    (training seconds and characters per second). The perplexity is ``2 ** bpc``;
    ``oracle_bpc`` is the source's own bpc on the same characters (excess 0).
    """
    params, hidden, runs = params or {}, hidden or {}, runs or {}
    lines = [f"{'model':>7} {'H':>4} {'params':>7} {'bpc':>6} {'excess':>15} {'PPL':>5} "
             f"{'train s':>8} {'chars/s':>8}"]
    for name, (bpc, excess, se) in scores.items():
        H = f"{hidden[name]:4d}" if name in hidden else f"{'':>4}"
        p = f"{params[name]:7,d}" if name in params else f"{'':>7}"
        run = runs.get(name)
        t = f"{run.seconds:8.1f} {run.chars_per_second:8,.0f}" if run else f"{'':>8} {'':>8}"
        lines.append(f"{name:>7} {H} {p} {bpc:6.2f} {excess:7.3f} ± {se:5.3f} "
                     f"{2 ** bpc:5.2f} {t}")
    lines.append(f"{'oracle':>7} {'':>4} {'':>7} {oracle_bpc:6.2f} {0:7.3f}{'':>8} "
                 f"{2 ** oracle_bpc:5.2f}")
    return "\n".join(line.rstrip() for line in lines)
