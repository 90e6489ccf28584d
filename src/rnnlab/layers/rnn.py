"""The simple recurrent network, NNDL (6.5)–(6.6), and the residual update (6.50).

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

    z_t = U h_{t-1} + W x_t + b          (6.5)   W (H, D), U (H, H), b (H,)
    h_t = f(z_t)                          (6.6)
    h_t = h_{t-1} + f(z_t)                (6.50)  the residual form of exercise 6-3

A row of the batch is one example, so in code a product ``U h`` is ``h @ U.T``.
:func:`rnn_step_forward` and :func:`rnn_step_backward` are one step of the book, forward
and back. The layer runs the same equations over a sequence, with one speed-up: the input
terms ``W x_t + b`` of all steps are one matrix product before the loop.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_cache
from .activations import Activation, get_activation
from .base import BPTTResult, Recurrent, input_terms, uniform_init

__all__ = ["RNN", "ResidualRNN", "RNNCache", "RNNStepCache", "RNNStepGrads",
           "rnn_step_forward", "rnn_step_backward"]


class RNNStepCache(NamedTuple):
    """What :func:`rnn_step_backward` needs from one forward step.

    x_t (B, D); h_prev (B, H); a_t (B, H) = f(z_t); W (H, D); U (H, H); act: the
    activation f with its derivative; residual: whether h_t = h_{t-1} + a_t (6.50).
    """

    x_t: np.ndarray
    h_prev: np.ndarray
    a_t: np.ndarray
    W: np.ndarray
    U: np.ndarray
    act: Activation
    residual: bool


class RNNStepGrads(NamedTuple):
    """Gradients of one step: dx_t (B, D), dh_prev (B, H), dW (H, D), dU (H, H), db (H,)."""

    dx_t: np.ndarray
    dh_prev: np.ndarray
    dW: np.ndarray
    dU: np.ndarray
    db: np.ndarray


def rnn_step_forward(
    x_t: np.ndarray, h_prev: np.ndarray, W: np.ndarray, U: np.ndarray,
    b: np.ndarray, activation: str = "tanh", residual: bool = False,
) -> tuple[np.ndarray, RNNStepCache]:
    """One step of the simple RNN, NNDL (6.5)–(6.6), or residual (6.50).

    Shapes: B batch, D input size, H hidden size.
    x_t (B, D) the inputs of step t; h_prev (B, H) the state h_{t-1};
    W (H, D), U (H, H), b (H,) the parameters; ``activation`` names f
    (``"tanh"``, ``"sigmoid"``, ``"relu"``, ``"identity"``); ``residual``:
    add h_{t-1} to the new activation.
    Returns h_t (B, H) and the step's cache.
    """
    act = get_activation(activation)
    z_t = h_prev @ U.T + x_t @ W.T + b  # (6.5) net input, (B, H)
    a_t = act.f(z_t)  # (6.6) activation, (B, H)
    if residual:
        h_t = h_prev + a_t  # (6.50) the new state adds to the old one
    else:
        h_t = a_t  # (6.6) the new state is the activation
    return h_t, RNNStepCache(x_t, h_prev, a_t, W, U, act, residual)


def rnn_step_backward(dh_t: np.ndarray,
                      cache: RNNStepCache) -> RNNStepGrads:
    """Backward through one step, dL/dh_t -> inputs and parameters.

    Shapes: B batch, D input size, H hidden size.
    dh_t (B, H) the total dL/dh_t (from the loss at step t and from
    step t + 1); cache: the :class:`RNNStepCache` of
    :func:`rnn_step_forward`.
    Returns :class:`RNNStepGrads`: dx_t (B, D), dh_prev (B, H), and
    this step's share of dW (H, D), dU (H, H), db (H,); BPTT sums the
    shares over all steps, NNDL (6.39)–(6.41).
    """
    c = cache
    # backprop through f: delta_t = f'(z_t) ⊙ dh_t, (B, H)
    dz_t = dh_t * c.act.df(c.a_t)
    dh_prev = dz_t @ c.U  # backprop through U h_{t-1}: U^T delta_t
    if c.residual:
        dh_prev = dh_prev + dh_t  # the identity path of (6.50)
    dx_t = dz_t @ c.W  # backprop through W x_t: W^T delta_t, (B, D)
    dW = dz_t.T @ c.x_t  # delta_t x_t^T, summed over B, (H, D)
    dU = dz_t.T @ c.h_prev  # delta_t h_{t-1}^T, (H, H)
    db = dz_t.sum(axis=0)  # (H,)
    return RNNStepGrads(dx_t, dh_prev, dW, dU, db)


class RNNCache(NamedTuple):
    """Forward record of :class:`RNN` / :class:`ResidualRNN`.

    X (T, B, D) inputs; h0 (B, H) initial state; A (T, B, H) activations f(z_t);
    H (T, B, H) hidden states h_t (the same array as A for the simple RNN); owner: the
    token of the layer that made it (``bptt`` accepts only its own caches).
    """

    X: np.ndarray
    h0: np.ndarray
    A: np.ndarray
    H: np.ndarray
    owner: object = None


class RNN(Recurrent):
    """Simple (Elman) RNN, NNDL (6.5)–(6.6): h_t = f(U h_{t-1} + W x_t + b).

    Shapes: T steps, B batch, D input size, H hidden size.
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
        """Run (6.5)–(6.6) over a sequence.

        Shapes: T steps, B batch, D input size, H hidden size.
        X (T, B, D); state None (zeros) or h0 (B, H). Returns H (T, B, H), the
        states h_1..h_T (a copy: editing it does not change the cache), and the
        cache.
        """
        X = self._check_X(X)
        T, B, _ = X.shape
        (h0,) = self._check_state(state, B)
        W, U, b = self.params["W"], self.params["U"], self.params["b"]
        f = self.activation.f
        # (T, B, H): W x_t + b of every step, in one product
        XW_b = input_terms(X, W, b)
        # U^T row by row: BLAS runs h @ U_T faster than h @ U.T
        U_T = U.T.copy()
        A = np.empty((T, B, self.hidden_size), self.dtype)  # a_t = f(z_t)
        # h_t; the simple RNN's h_t is a_t
        H = np.empty_like(A) if self.residual else A
        h_prev = h0
        for t in range(T):  # the equations of rnn_step_forward
            z_t = h_prev @ U_T + XW_b[t]  # (6.5) net input, (B, H)
            A[t] = f(z_t)  # (6.6)
            H[t] = h_prev + A[t] if self.residual else A[t]  # (6.50) or (6.6)
            h_prev = H[t]
        return H.copy(), RNNCache(X, h0, A, H, self._token)

    def final_state(self, cache: RNNCache) -> np.ndarray:
        """h_T (B, H), a copy, from a cache made by this layer's forward."""
        check_cache(self, cache, RNNCache)
        return cache.H[-1].copy()

    def bptt(self, dH: np.ndarray, cache: RNNCache, dstate_T=None) -> BPTTResult:
        """Backpropagation through time, NNDL (6.31)–(6.41).

        Shapes: T steps, B batch, D input size, H hidden size.
        dH (T, B, H) = dL/dh_t from the loss at each step (zeros where there
        is none); dstate_T (B, H) optional extra gradient on h_T.
        Returns a :class:`BPTTResult`.
        The loop runs t = T..1 carrying dh_next = dL/dh_t from the future,
        with the equations of :func:`rnn_step_backward`; the errors
        dZ[t] = delta_t are stored and the parameter gradients, sums over all
        steps (6.39)–(6.41), are formed after the loop, each as one matrix
        product: dW = sum_t delta_t x_t^T, dU = sum_t delta_t h_{t-1}^T,
        db = sum_t delta_t.
        """
        self._check_cache(cache, RNNCache)
        X, h0, A, H = cache.X, cache.h0, cache.A, cache.H
        T, B, Hn = H.shape
        dH = self._check_dH(dH, H.shape)
        (dh_next,) = self._check_dstate(dstate_T, B)
        W, U, df = self.params["W"], self.params["U"], self.activation.df
        dZ = np.empty_like(A)  # delta_t = dL/dz_t, (T, B, H)
        dH_total = np.empty_like(A)  # dL/dh_t, (T, B, H)
        for t in reversed(range(T)):
            # total dL/dh_t: the loss at t and everything after t
            dh = dH[t] + dh_next
            dH_total[t] = dh
            dZ[t] = dh * df(A[t])  # backprop through f
            dh_next = dZ[t] @ U  # backprop through U h_{t-1}
            if self.residual:
                dh_next += dh  # the identity path of (6.50)
        H_prev = np.concatenate([h0[None], H[:-1]])  # h_{t-1}, (T, B, H)
        dZ2 = dZ.reshape(T * B, Hn)  # all steps and examples as rows
        grads = {
            "W": dZ2.T @ X.reshape(T * B, -1),  # sum_t delta_t x_t^T
            "U": dZ2.T @ H_prev.reshape(T * B, Hn),  # sum_t delta_t h_{t-1}^T
            "b": dZ2.sum(axis=0),  # sum_t delta_t
        }
        dX = (dZ2 @ W).reshape(T, B, -1)  # W^T delta_t of all steps, one product
        return BPTTResult(dX, dh_next, grads, dH_total)


class ResidualRNN(RNN):
    """The residual state update of NNDL (6.50): h_t = h_{t-1} + f(U h_{t-1} + W x_t + b).

    Exercise 6-3 studies it: the Jacobian dh_t/dh_{t-1} = I + diag(f'(z_t)) U keeps the
    identity, so gradients do not vanish but products of such factors can explode, and the
    state can grow without bound. Same parameters as :class:`RNN`.
    """

    residual = True
