"""Count-based n-gram character models: the pre-neural baseline a language model must beat.

Shape legend: ``n`` characters in a stream, ``B`` independent streams (columns of a
time-major ``(n, B)`` array), ``V`` vocabulary size, ``N`` the model's order (it reads
the ``N - 1`` characters before the one it predicts), ``P`` a batch of contexts.

An order-``N`` model makes the Markov assumption

    P(w_i | w_1 .. w_{i-1}) ≈ P(w_i | w_{i-N+1} .. w_{i-1}),

and estimates the right-hand side from counts ``C(·)`` in a training text. The maximum
likelihood estimate ``C(ctx w) / C(ctx)`` gives probability 0 to every continuation it
never saw, so it is smoothed:

* ``smoothing="add-k"`` — add ``k`` to every count:
  ``P(w | ctx) = (C(ctx w) + k) / (C(ctx) + k V)``; an unseen context gives ``1 / V``.
* ``smoothing="interpolated"`` — mix the orders, Witten–Bell style:
  ``P_m(w | ctx) = (C(ctx w) + T(ctx) P_{m-1}(w | ctx')) / (C(ctx) + T(ctx))``, where
  ``ctx'`` drops the oldest character of ``ctx``, ``T(ctx)`` counts the *distinct*
  characters seen after ``ctx`` and ``P_0 = 1 / V``. A context seen often with few
  different followers trusts its own counts; an unseen one (``C = T = 0``) passes the
  lower order through unchanged. No parameter to tune.

Here ``C(ctx) = sum_w C(ctx w)`` counts ``ctx`` only where a character follows it, so
every distribution sums to exactly 1. The first ``N - 1`` characters of a stream have a
shorter history; they are predicted from all of it (the model of order ``i + 1`` at
position ``i``). Everything is computed with integer codes ``sum_j w_j V^j`` of the
m-grams, ``np.unique`` for counting and ``np.searchsorted`` for look-ups: no Python
loop over the text.

Those codes fit in int64 only while ``V^N < 2^62``: a 5-gram over a vocabulary of 5,405 or
more characters (a Chinese text) would overflow. A large vocabulary therefore switches to
*ranked* codes: a context of ``L`` characters is numbered by its position in the sorted
table of ``L``-grams seen in training (the code of an ``L + 1``-gram is then
``rank(its first L characters) V + its last``, so codes stay below ``n V``), and a
context never seen in training gets the number one past the table, which matches no
count. The probabilities are the same either way; only the numbering differs.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._checks import check_positive_int

__all__ = ["NGramModel", "context_codes"]

_CODE_LIMIT = 2 ** 62  # codes and code * V + w must fit in int64


def _as_columns(ids, V: int | None, name: str = "ids") -> np.ndarray:
    """ids (n,) or (n, B) ints in [0, V) -> (n, B) int64 (a 1-D stream becomes B = 1)."""
    ids = np.asarray(ids)
    if ids.ndim not in (1, 2) or not np.issubdtype(ids.dtype, np.integer) or ids.size == 0:
        raise ValueError(f"{name} must be a non-empty integer array (n,) or (n, B); got "
                         f"{ids.dtype} {ids.shape}")
    if V is not None and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"{name} must lie in [0, V={V}); got range [{ids.min()}, {ids.max()}]")
    return (ids[:, None] if ids.ndim == 1 else ids).astype(np.int64)


def context_codes(ids: np.ndarray, V: int, max_len: int,
                  tables: list[np.ndarray] | None = None) -> list[np.ndarray]:
    """The codes of the contexts before every position, for lengths 0 .. max_len.

    ids (n, B) ints in [0, V). Returns a list of ``max_len + 1`` arrays (n, B) int64:
    entry ``L`` at ``[i, b]`` is ``sum_j ids[i-L+j, b] V^(L-1-j)``, the code of the ``L``
    characters before position ``i``, or ``-1`` where the stream has fewer than ``L``
    characters before ``i``. Length 0 is the empty context, code 0 everywhere.

    With ``tables`` (``tables[L - 1]`` the sorted codes of the ``L``-grams seen in
    training, for L = 1 .. max_len) the codes are ranked instead (module docstring): the
    code of a context is its index in ``tables[L - 1]``, or ``len(tables[L - 1])`` if it
    was never seen, and the next length appends a character to that index.
    """
    codes = [np.zeros(ids.shape, np.int64)]
    for L in range(1, max_len + 1):
        codes.append(_extend(codes[-1], ids, V, L, None if tables is None else tables[L - 1]))
    return codes


def _extend(prev: np.ndarray, ids: np.ndarray, V: int, L: int,
            table: np.ndarray | None) -> np.ndarray:
    """Codes of the L-character contexts (n, B) from those of the L - 1 characters before."""
    c = np.full(ids.shape, -1, np.int64)
    code = prev[L - 1:-1] * V + ids[L - 1:-1]  # append the character just before position i
    if table is not None:  # ranked: the index in the table of seen L-grams, else len(table)
        idx = np.searchsorted(table, code)
        seen = table[np.minimum(idx, table.size - 1)] == code if table.size else False
        code = np.where(seen, idx, table.size)
    c[L:] = code
    return c


def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """values[k] where keys[k] == query (keys sorted, unique), else 0. query any shape."""
    if keys.size == 0:
        return np.zeros(query.shape, values.dtype)
    idx = np.minimum(np.searchsorted(keys, query), keys.size - 1)
    return np.where(keys[idx] == query, values[idx], 0)


class NGramModel:
    """Order-``order`` character model over ``vocab_size`` symbols (module docstring).

    ``smoothing``: ``"add-k"`` (with ``k`` > 0) or ``"interpolated"`` (Witten–Bell).
    ``fit(ids)`` counts; ``log2_prob(ids)`` scores; ``bpc(ids)`` is bits per character;
    ``probs(contexts)`` gives whole next-character distributions.
    """

    def __init__(self, order: int, vocab_size: int, *, smoothing: str = "interpolated",
                 k: float = 1.0):
        self.order = check_positive_int(order, "order")
        self.V = check_positive_int(vocab_size, "vocab_size")
        if smoothing not in ("add-k", "interpolated"):
            raise ValueError(f"smoothing must be 'add-k' or 'interpolated'; got {smoothing!r}")
        if smoothing == "add-k" and not (isinstance(k, numbers.Real)
                                         and not isinstance(k, (bool, np.bool_))
                                         and 0 < k < np.inf):
            raise ValueError(f"k must be a number > 0 and finite for add-k smoothing; got {k!r}")
        self.ranked = self.V ** self.order >= _CODE_LIMIT  # codes V^order would overflow
        self.smoothing, self.k = smoothing, float(k)
        self.counts: list | None = None

    def __repr__(self) -> str:
        sm = f"add-k, k={self.k:g}" if self.smoothing == "add-k" else "interpolated"
        return f"NGramModel(order={self.order}, V={self.V}, {sm})"

    def fit(self, ids) -> NGramModel:
        """Count every m-gram, m = 1 .. order, in ids (n,) or (n, B) columns. Returns self.

        For each order m it stores ``(keys, C, ctx_keys, C_ctx, T_ctx)``: the sorted codes
        of the m-grams seen and their counts; the codes of their (m-1)-character contexts,
        each context's total ``C(ctx)`` and its number of distinct followers ``T(ctx)``.
        With ranked codes (``self.ranked``) the keys of order m are the table that numbers
        the m-character contexts of order m + 1.
        """
        ids = _as_columns(ids, self.V)
        if self.ranked and (ids.size + 1) * self.V >= _CODE_LIMIT:
            raise ValueError(f"{ids.size:,} ids with vocab_size={self.V} are too many for "
                             "int64 codes")
        ctx = np.zeros(ids.shape, np.int64)  # the empty context before every position
        self.counts = []
        for m in range(1, self.order + 1):
            if m > 1:  # the contexts of order m: one character more than those of m - 1
                ctx = _extend(ctx, ids, self.V, m - 1,
                              self.counts[-1][0] if self.ranked else None)
            ok = ctx >= 0
            grams = ctx[ok] * self.V + ids[ok]  # codes of every m-gram in the text
            keys, C = np.unique(grams, return_counts=True)
            ctx_keys, start, T_ctx = np.unique(keys // self.V, return_index=True,
                                               return_counts=True)
            C_ctx = np.add.reduceat(C, start) if keys.size else C
            self.counts.append((keys, C, ctx_keys, C_ctx, T_ctx))
        return self

    @property
    def n_counts(self) -> int:
        """The number of stored counts, one per distinct m-gram seen (m = 1 .. order): the
        n-gram model's counterpart of a network's parameter count."""
        self._check_fitted()
        return sum(keys.size for keys, *_ in self.counts)

    def _contexts(self, cols: np.ndarray) -> list[np.ndarray]:
        """:func:`context_codes` of cols (n, B) in this model's numbering."""
        tables = [keys for keys, *_ in self.counts[:-1]] if self.ranked else None
        return context_codes(cols, self.V, self.order - 1, tables)

    def _check_fitted(self):
        if self.counts is None:
            raise RuntimeError("call fit(train_ids) before asking for probabilities")

    def _prob(self, ctx: list[np.ndarray], w: np.ndarray) -> np.ndarray:
        """P(w | context) for arrays of any common shape.

        ctx: the list from :func:`context_codes` (-1 = not available), w the
        next ids. Position by position the longest available context (up to
        order - 1) is used.
        """
        V = self.V
        p = np.full(w.shape, 1.0 / V)  # P_0: uniform
        for m, (keys, C, ctx_keys, C_ctx, T_ctx) in enumerate(
                self.counts, start=1):
            c = ctx[m - 1]
            ok = c >= 0  # enough history for order m
            c_gram = _lookup(keys, C, np.where(ok, c * V + w, -1))
            n_ctx = _lookup(ctx_keys, C_ctx, c)
            if self.smoothing == "add-k":
                # the longest available order overwrites p
                p_m = (c_gram + self.k) / (n_ctx + self.k * V)
            else:
                t_ctx = _lookup(ctx_keys, T_ctx, c)
                denom = n_ctx + t_ctx
                p_m = np.where(denom > 0,
                               (c_gram + t_ctx * p) / np.maximum(denom, 1), p)
            p = np.where(ok, p_m, p)
        return p

    def log2_prob(self, ids) -> np.ndarray:
        """log2 P(ids[i] | the characters before it) for every position; shape of ids.

        ids (n,) or (n, B) time-major columns, each an independent stream: entry ``i`` is
        predicted from ``ids[max(0, i - order + 1):i]`` of its own column (entry 0 from
        the empty context, i.e. by the unigram part of the model).
        """
        self._check_fitted()
        arr = np.asarray(ids)
        cols = _as_columns(arr, self.V)
        ctx = self._contexts(cols)
        lp = np.log2(self._prob(ctx, cols))
        return lp[:, 0] if arr.ndim == 1 else lp

    def bpc(self, ids, start: int = 1) -> float:
        """Cross-entropy in bits per character, -mean log2 P, over positions ``start:``.

        With the default ``start=1`` every character but the first of each column is
        scored, as :func:`rnnlab.train.tbptt.evaluate_bpc` scores a recurrent model.
        """
        lp = self.log2_prob(ids)
        return float(-lp[start:].mean())

    def stream_probs(self, cols) -> np.ndarray:
        """Next-character distributions along columns: cols (L, B) -> (L - 1, B, V).

        ``[i, b]`` is P(· | cols[:i + 1, b]), the prediction for ``cols[i + 1, b]`` — the
        layout of :func:`rnnlab.book.lm.stream_probs`, so the two can be compared entry by entry.
        """
        self._check_fitted()
        cols = _as_columns(cols, self.V, "cols")
        if len(cols) < 2:
            raise ValueError(f"cols must have at least 2 rows; got {cols.shape}")
        ctx = self._contexts(cols)
        w = np.arange(self.V)[None, None, :]  # (1, 1, V): every candidate at once
        return self._prob([c[1:, :, None] for c in ctx], w)

    def probs(self, contexts) -> np.ndarray:
        """Next-character distributions after contexts (P, L) ints -> (P, V).

        Each row of ``contexts`` is one history of ``L`` ids (any ``L >= 0``, the last
        ``order - 1`` are used). A single context (L,) gives (V,).
        """
        self._check_fitted()
        arr = np.asarray(contexts, dtype=np.int64)
        one = arr.ndim == 1
        ctxs = arr[None] if one else arr  # (P, L)
        if ctxs.ndim != 2:
            raise ValueError(f"contexts must have shape (P, L) or (L,); got {arr.shape}")
        P, L = ctxs.shape
        if ctxs.size and (ctxs.min() < 0 or ctxs.max() >= self.V):
            raise ValueError(f"contexts must lie in [0, V={self.V})")
        # each context followed by every candidate w: a (L + 1, P V) stream per column
        streams = np.repeat(ctxs, self.V, axis=0)  # (P V, L)
        w = np.tile(np.arange(self.V), P)  # (P V,)
        cols = np.concatenate([streams, w[:, None]], axis=1).T  # (L + 1, P V)
        ctx = [c[-1] for c in self._contexts(cols)]  # at the last position
        p = self._prob([c[None] for c in ctx], w[None])[0].reshape(P, self.V)
        return p[0] if one else p
