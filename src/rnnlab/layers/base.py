"""What every recurrent layer shares: the calling shape, input checks and the BPTT record.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.
A layer subclasses :class:`Recurrent` and implements ``forward``, ``bptt`` and
``final_state``; :meth:`Recurrent.backward` is ``bptt`` without the extras.

What ``forward`` returns never shares memory with its cache: the outputs are copies, so a
caller who edits ``H`` in place cannot change the gradients a later ``backward`` computes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import (
    LayerToken,
    check_array,
    check_cache,
    check_dtype,
    check_positive_int,
    check_rng,
)

__all__ = ["BPTTResult", "Recurrent", "input_terms", "uniform_init"]


class BPTTResult(NamedTuple):
    """Everything one backward pass through time computes.

    dX       (T, B, D)   dL/dX.
    dstate0  like state  dL/d(initial state): (B, H), or (dh0, dc0) for an LSTM.
    grads    dict        dL/d(parameter), keyed like ``layer.params``.
    dH_total (T, B, H)   total dL/dh_k for every step k (direct term plus everything that
                         flows back from later steps) — what the gradient-norm plots show.
    dC_total (T, B, H)   total dL/dc_k for an LSTM, else ``None``.
    """

    dX: np.ndarray
    dstate0: object
    grads: dict
    dH_total: object
    dC_total: object = None


def uniform_init(rng: np.random.Generator, shape: tuple, hidden_size: int, dtype) -> np.ndarray:
    """Uniform in +-1/sqrt(H), the default of PyTorch's recurrent layers."""
    s = 1.0 / np.sqrt(hidden_size)
    return rng.uniform(-s, s, shape).astype(dtype)


def input_terms(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """W x_t + b for every step t at once: X (T, B, D), W (N, D), b (N,) -> (T, B, N).

    The input term of a net input does not depend on the state, so a layer need not form
    it inside its loop over time: all T B rows of X go through one (T B, D) @ (D, N)
    matrix product, much faster than T small products (and than ``X @ W.T`` on the 3-D
    array, which NumPy runs as T separate products). The bias is added in place, so no
    second (T, B, N) array is made.
    """
    T, B, D = X.shape
    XW_b = (X.reshape(T * B, D) @ W.T).reshape(T, B, -1)  # (T, B, N)
    XW_b += b
    return XW_b


class Recurrent:
    """Base class: sizes, dtype, parameter and input validation.

    Subclasses fill ``self.params`` (name -> array) and ``self._shapes`` (name -> shape)
    in ``__init__`` after calling ``super().__init__``.
    """

    #: number of state arrays: 1 for (h,), 2 for (h, c)
    n_states = 1

    def __init__(self, input_size: int, hidden_size: int, rng: np.random.Generator, dtype):
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        check_rng(rng)  # randomness is used at construction only; no generator is kept
        self.dtype = check_dtype(dtype)
        self.params: dict[str, np.ndarray] = {}
        self._shapes: dict[str, tuple] = {}
        self._token = LayerToken()  # stored in every cache this layer makes

    # ---- the calling shape -------------------------------------------------------------
    def backward(self, dH: np.ndarray, cache) -> tuple:
        """dH (T, B, H) -> (dX (T, B, D), dstate0, grads keyed like params)."""
        r = self.bptt(dH, cache)
        return r.dX, r.dstate0, r.grads

    def init_state(self, batch_size: int):
        """The zero state for a batch: h0 (B, H), or (h0, c0) for an LSTM."""
        B = check_positive_int(batch_size, "batch_size")
        zeros = [np.zeros((B, self.hidden_size), self.dtype) for _ in range(self.n_states)]
        return zeros[0] if self.n_states == 1 else tuple(zeros)

    def __repr__(self) -> str:
        n = sum(p.size for p in self.params.values())
        return (f"{type(self).__name__}(input_size={self.input_size}, "
                f"hidden_size={self.hidden_size}, params={n}, dtype={self.dtype})")

    # ---- checks ------------------------------------------------------------------------
    def _check_params(self) -> None:
        for name, shape in self._shapes.items():
            p = self.params.get(name)
            if p is None:
                raise KeyError(f"params is missing {name!r} of shape {shape}")
            if not isinstance(p, np.ndarray):
                raise TypeError(f"params[{name!r}] must be a {self.dtype} array of shape "
                                f"{shape}; got {type(p).__name__}")
            if p.shape != shape or p.dtype != self.dtype:
                raise ValueError(f"params[{name!r}] must be a {self.dtype} array of shape "
                                 f"{shape}; got {p.dtype} {p.shape}")
            if not np.isfinite(p).all():
                raise ValueError(f"params[{name!r}] contains NaN or inf")

    def _check_X(self, X) -> np.ndarray:
        self._check_params()
        return check_array(X, "X", (("T", None), ("B", None), ("D", self.input_size)),
                           dtype=self.dtype)

    def _check_state(self, state, B: int, name: str = "state") -> tuple:
        """Return the state as a tuple of ``n_states`` arrays of shape (B, H).

        ``name`` is the argument named in errors: ``"state"`` (the initial state h0 or
        (h0, c0)) or ``"dstate_T"`` (the gradient on the final state, dh_T or (dh_T, dc_T)).
        """
        if state is None:
            return tuple(np.zeros((B, self.hidden_size), self.dtype)
                         for _ in range(self.n_states))
        if self.n_states == 1:
            parts, names = (state,), (name,)
        else:
            h, c = ("h0", "c0") if name == "state" else ("dh_T", "dc_T")  # what the pair holds
            if not isinstance(state, (tuple, list)) or len(state) != self.n_states:
                raise TypeError(f"{name} must be None or the pair ({h}, {c}), each of shape "
                                f"(B={B}, H={self.hidden_size}); got {type(state).__name__}")
            parts, names = tuple(state), (f"{name}[0] ({h})", f"{name}[1] ({c})")
        return tuple(
            check_array(p, n, (("B", B), ("H", self.hidden_size)), dtype=self.dtype)
            for p, n in zip(parts, names, strict=True))

    def _check_cache(self, cache, cache_type) -> None:
        """The cache must be a ``cache_type`` made by this layer's forward (see
        :func:`~rnnlab._checks.check_cache`), with X (T, B, D) and h0 (B, H) of its sizes;
        the parameters are checked again (they may have been replaced since forward)."""
        check_cache(self, cache, cache_type)
        self._check_params()
        X = check_array(cache.X, "cache.X", (("T", None), ("B", None), ("D", self.input_size)),
                        dtype=self.dtype, finite=False)
        check_array(cache.h0, "cache.h0", (("B", X.shape[1]), ("H", self.hidden_size)),
                    dtype=self.dtype, finite=False)

    def _check_dH(self, dH, H_shape: tuple) -> np.ndarray:
        T, B, Hn = H_shape
        return check_array(dH, "dH", (("T", T), ("B", B), ("H", Hn)), dtype=self.dtype)

    def _check_dstate(self, dstate_T, B: int) -> tuple:
        if dstate_T is None:
            return tuple(np.zeros((B, self.hidden_size), self.dtype)
                         for _ in range(self.n_states))
        return self._check_state(dstate_T, B, "dstate_T")
