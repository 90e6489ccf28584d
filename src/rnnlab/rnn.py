"""The simple recurrent network, NNDL (6.5)–(6.6), and the residual update (6.50).

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

    z_t = U h_{t-1} + W x_t + b          (6.5)   W (H, D), U (H, H), b (H,)
    h_t = f(z_t)                          (6.6)
    h_t = h_{t-1} + g(z_t)                (6.50)  the residual form of exercise 6-3

All input projections ``W x_t + b`` are computed for every step in one matrix product;
the Python loop runs over time only.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import check_cache
from .activations import get_activation
from .base import BPTTResult, Recurrent, uniform_init

__all__ = ["RNN", "ResidualRNN", "RNNCache", "rnn_step_forward", "rnn_step_backward"]


class RNNCache(NamedTuple):
    """Forward record of :class:`RNN` / :class:`ResidualRNN`.

    X (T, B, D) inputs; h0 (B, H) initial state; A (T, B, H) activations f(z_t);
    H (T, B, H) hidden states h_t (equal to A for the simple RNN); owner: the token of the
    layer that made it (``bptt`` accepts only its own caches).
    """

    X: np.ndarray
    h0: np.ndarray
    A: np.ndarray
    H: np.ndarray
    owner: object = None


def rnn_step_forward(wx_t: np.ndarray, h_prev: np.ndarray, U: np.ndarray, f) -> np.ndarray:
    """One step of (6.5)–(6.6): h_t = f(U h_{t-1} + W x_t + b).

    wx_t (B, H) the precomputed input projection W x_t + b; h_prev (B, H); U (H, H).
    Returns a_t = f(z_t) (B, H).
    """
    z_t = wx_t + h_prev @ U.T  # (B, H)
    return f(z_t)


def rnn_step_backward(dh_t: np.ndarray, a_t: np.ndarray, U: np.ndarray, df) -> tuple:
    """Backward through one step: dz_t = dh_t ⊙ f'(z_t), dh_{t-1} = U^T dz_t.

    dh_t (B, H) total dL/dh_t; a_t (B, H) = f(z_t); U (H, H).
    Returns (dz_t (B, H), dh_prev (B, H)). The parameter gradients are summed over all
    steps after the loop, as in NNDL (6.39)–(6.41).
    """
    dz_t = dh_t * df(a_t)  # backprop through f
    return dz_t, dz_t @ U  # backprop through U h_{t-1}


class RNN(Recurrent):
    """Simple (Elman) RNN, NNDL (6.5)–(6.6): h_t = f(U h_{t-1} + W x_t + b).

    Parameters (``params``): ``W`` (H, D), ``U`` (H, H), ``b`` (H,).
    ``activation``: ``"tanh"`` (default), ``"sigmoid"``, ``"relu"`` or ``"identity"``.
    """

    residual = False

    def __init__(self, input_size: int, hidden_size: int, *, rng: np.random.Generator,
                 activation: str = "tanh", dtype=np.float64):
        super().__init__(input_size, hidden_size, rng, dtype)
        self.activation = get_activation(activation)
        D, H = self.input_size, self.hidden_size
        self._shapes = {"W": (H, D), "U": (H, H), "b": (H,)}
        self.params = {"W": uniform_init(rng, (H, D), H, self.dtype),
                       "U": uniform_init(rng, (H, H), H, self.dtype),
                       "b": np.zeros(H, self.dtype)}

    def forward(self, X: np.ndarray, state=None) -> tuple[np.ndarray, RNNCache]:
        """X (T, B, D), state None or h0 (B, H) -> H (T, B, H) and the cache."""
        X = self._check_X(X)
        T, B, _ = X.shape
        (h0,) = self._check_state(state, B)
        W, U, b = self.params["W"], self.params["U"], self.params["b"]
        f = self.activation.f
        Hn = self.hidden_size
        A = np.matmul(X.reshape(T * B, -1), W.T,
                      out=self._empty(T * B, Hn)).reshape(T, B, -1)  # (T, B, H): one product
        A += b  # W x_t + b for all steps at once; step t overwrites row t by a_t = f(z_t)
        H = self._empty(T, B, Hn) if self.residual else A
        h = h0
        for t in range(T):
            A[t] = rnn_step_forward(A[t], h, U, f)
            h = h + A[t] if self.residual else A[t]  # (6.50) or (6.6)
            H[t] = h
        return H, RNNCache(X, h0, A, H, self._token)

    def final_state(self, cache: RNNCache) -> np.ndarray:
        """h_T (B, H), from a cache made by this layer's forward."""
        check_cache(self, cache, RNNCache)
        return cache.H[-1]

    def bptt(self, dH: np.ndarray, cache: RNNCache, dstate_T=None) -> BPTTResult:
        """Backpropagation through time, NNDL (6.31)–(6.41).

        dH (T, B, H) = dL/dh_t from the loss at each step (zeros where there is none);
        dstate_T (B, H) optional extra gradient on h_T. Returns a :class:`BPTTResult`.
        The loop runs t = T..1 carrying dh_next = dL/dh_t from the future; the errors
        dz_t = delta are stored and the parameter gradients formed after the loop:
        dU = sum_t dz_t h_{t-1}^T, dW = sum_t dz_t x_t^T, db = sum_t dz_t.
        """
        self._check_cache(cache, RNNCache)
        X, h0, A, H = cache.X, cache.h0, cache.A, cache.H
        T, B, Hn = H.shape
        dH = self._check_dH(dH, H.shape)
        (dh_next,) = self._check_dstate(dstate_T, B)
        U, df = self.params["U"], self.activation.df
        dZ, dH_total = self._empty(2, T, B, Hn)  # dZ: delta_t = dL/dz_t
        for t in reversed(range(T)):
            dh = dH_total[t] = dH[t] + dh_next  # total dL/dh_t
            dZ[t], dh_next = rnn_step_backward(dh, A[t], U, df)
            if self.residual:
                dh_next = dh_next + dh  # the identity path of (6.50)
        H_prev = self._empty(T, B, Hn)  # (T, B, H): h_{t-1}
        H_prev[0], H_prev[1:] = h0, H[:-1]
        dZ2 = dZ.reshape(T * B, Hn)
        grads = {"W": dZ2.T @ X.reshape(T * B, -1),
                 "U": dZ2.T @ H_prev.reshape(T * B, Hn),
                 "b": dZ2.sum(axis=0)}
        dX = (dZ2 @ self.params["W"]).reshape(T, B, -1)  # (T, B, D): one product
        return BPTTResult(dX, dh_next, grads, dH_total)


class ResidualRNN(RNN):
    """The residual state update of NNDL (6.50): h_t = h_{t-1} + g(U h_{t-1} + W x_t + b).

    Exercise 6-3 studies it: the Jacobian dh_t/dh_{t-1} = I + diag(g'(z_t)) U keeps the
    identity, so gradients do not vanish but products of such factors can explode, and the
    state can grow without bound. Same parameters as :class:`RNN`.
    """

    residual = True
