"""Synthetic tasks: the adding problem, the copy task and the counting language aⁿbⁿ.

Shape legend: ``T`` steps, ``B`` batch, ``V`` symbols (one-hot width).
Every task draws from the ``rng: np.random.Generator`` it is given, so a seed reproduces it
exactly; nothing here keeps random state.

* :func:`adding_problem` — remember two marked numbers across ``T`` steps (regression).
* :func:`copy_task` — recall a symbol sequence after a delay (classification with a mask).
* :func:`anbn` — predict where a string aⁿbⁿ ends, which takes counting (classification with
  a mask).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_dtype, check_positive_int, check_rng
from .text import one_hot

__all__ = ["AddingBatch", "adding_problem", "CopyBatch", "copy_task", "CountingBatch", "anbn"]


# ---- the adding problem -----------------------------------------------------------------
class AddingBatch(NamedTuple):
    """X (T, B, 2): channel 0 the values, channel 1 the two markers; y (B, 1) the target."""

    X: np.ndarray
    y: np.ndarray


def adding_problem(T: int, B: int, rng: np.random.Generator, dtype=np.float64) -> AddingBatch:
    """The adding problem (Hochreiter & Schmidhuber 1997; this variant: Le et al. 2015).

    Each of the ``B`` sequences has ``T`` steps with two input channels: channel 0 holds
    values uniform in [0, 1); channel 1 is 1 at exactly two steps — one drawn uniformly
    from the first half ``[0, T//2)``, one from the second half ``[T//2, T)`` — and 0
    elsewhere. The target is the sum of the two marked values, read after the last step,
    so the network must carry the first marked value across up to ``T - 1`` steps.

    Baseline: a model that ignores the input and always predicts the mean 1 has
    MSE = Var(u1 + u2) = 2 * Var(U(0, 1)) = 2 / 12 = 1/6 ≈ 0.167; below that it has learned
    something. Returns an :class:`AddingBatch` ``(X (T, B, 2), y (B, 1))``.
    """
    T = check_positive_int(T, "T")
    B = check_positive_int(B, "B")
    if T < 2:
        raise ValueError(f"T must be at least 2 (one marker in each half); got {T}")
    rng = check_rng(rng)
    dtype = check_dtype(dtype)
    X = np.zeros((T, B, 2), dtype)
    X[:, :, 0] = rng.random((T, B))
    cols = np.arange(B)
    first = rng.integers(0, T // 2, size=B)   # (B,) marker in the first half
    second = rng.integers(T // 2, T, size=B)  # (B,) marker in the second half
    X[first, cols, 1] = 1
    X[second, cols, 1] = 1
    y = (X[first, cols, 0] + X[second, cols, 0])[:, None]  # (B, 1)
    return AddingBatch(X, y)


# ---- the copy task ----------------------------------------------------------------------
class CopyBatch(NamedTuple):
    """X (T, B, n_symbols + 2) one-hot inputs; Y (T, B) int targets; mask (T, B) bool."""

    X: np.ndarray
    Y: np.ndarray
    mask: np.ndarray


def copy_task(B: int, rng: np.random.Generator, *, n_symbols: int = 8, length: int = 10,
              delay: int = 20, dtype=np.float64) -> CopyBatch:
    """The copy (memory) task: read ``length`` symbols, wait ``delay`` steps, recall them.

    Input alphabet: symbols ``0 .. n_symbols-1``, ``blank = n_symbols`` and
    ``go = n_symbols + 1``. With ``T = length + delay + length`` steps, the input is the
    ``length`` random symbols, then ``delay`` blanks of which the last is the go marker,
    then ``length`` blanks. The target is blank everywhere except the last ``length``
    steps, where it is the symbol sequence again; ``mask`` is True exactly there, so the
    loss counts only the recall (use a head with ``n_symbols + 1`` or more outputs).

    Chance level: a model that knows the format but remembers nothing predicts each
    recalled symbol uniformly, cross-entropy ``log(n_symbols)`` nats (2.08 for 8 symbols)
    and accuracy ``1 / n_symbols``. Returns a :class:`CopyBatch` ``(X, Y, mask)``.
    """
    B = check_positive_int(B, "B")
    rng = check_rng(rng)
    K = check_positive_int(n_symbols, "n_symbols")
    L = check_positive_int(length, "length")
    delay = check_positive_int(delay, "delay")
    blank, go = K, K + 1
    T = L + delay + L
    symbols = rng.integers(0, K, size=(L, B))  # (L, B)
    inputs = np.full((T, B), blank)
    inputs[:L] = symbols
    inputs[L + delay - 1] = go
    Y = np.full((T, B), blank)
    Y[L + delay:] = symbols
    mask = np.zeros((T, B), bool)
    mask[L + delay:] = True
    return CopyBatch(one_hot(inputs, K + 2, dtype), Y, mask)


# ---- the counting language a^n b^n -------------------------------------------------------
class CountingBatch(NamedTuple):
    """X (T, B, 3) one-hot inputs (a, b, pad); Y (T, B) int next symbols (a, b, end); mask
    (T, B) bool, True where the next symbol is determined by the count."""

    X: np.ndarray
    Y: np.ndarray
    mask: np.ndarray


def anbn(ns, *, T: int | None = None, dtype=np.float64) -> CountingBatch:
    """The strings aⁿbⁿ, one per entry of ``ns``, for next-symbol prediction.

    Symbols: ``a = 0``, ``b = 1``; inputs have a third channel ``pad = 2``, targets a third
    class ``end = 2``. Column j holds n = ``ns[j]`` a's, then n b's, then padding up to ``T``
    steps (default ``2 max(ns)``). While the network reads a's the next symbol is not
    determined (another a or the first b), so those positions are masked out; after each b
    it is: b after the first n - 1 b's, ``end`` after the n-th. Predicting all n of them
    right requires the count of the a's (Weiss, Goldberg & Yahav 2018); a string counts as
    *recognised* when every masked prediction is right. Deterministic: draw ``ns`` from an
    rng to sample. Returns a :class:`CountingBatch` ``(X (T, B, 3), Y (T, B), mask (T, B))``.
    """
    ns = np.asarray(ns)
    if ns.ndim != 1 or ns.size == 0 or not np.issubdtype(ns.dtype, np.integer) or ns.min() < 1:
        raise ValueError(f"ns must be a non-empty 1-d array of integers n >= 1; got {ns!r}")
    T = 2 * int(ns.max()) if T is None else check_positive_int(T, "T")
    if T < 2 * ns.max():
        raise ValueError(f"T must be at least 2 max(ns) = {2 * ns.max()}; got {T}")
    dtype = check_dtype(dtype)
    t = np.arange(T)[:, None]  # (T, 1)
    n = ns[None, :]  # (1, B)
    inputs = np.where(t < n, 0, np.where(t < 2 * n, 1, 2))  # (T, B): a^n b^n pad...
    Y = np.where(t < 2 * n - 1, np.where(t < n - 1, 0, 1), 2)  # the next symbol
    mask = (t >= n) & (t < 2 * n)  # reading a b
    return CountingBatch(one_hot(inputs, 3, dtype), Y, mask)
