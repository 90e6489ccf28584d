"""Impulse responses: how far back a time-delay network and an RNN see (exercise 6-1, NNDL §6.1).

Shape legend: ``T`` steps, ``B`` batch (here 1), ``D`` input size, ``H`` hidden size,
``p`` the width of the time-delay window.

A time-delay neural network (NNDL (6.1)) with one layer and a window of ``p`` steps,

    h_t = tanh(sum_{j=0}^{p-1} A_j x_{t-j})        (x_s = 0 for s < 1),

is a one-dimensional convolution over time: x_1 can only reach h_1..h_p (a *finite*
impulse response). A recurrent network feeds x_1 into h_1, and h_1 into every later state
(an *infinite* impulse response). The impulse response here is ||dL_t/dx_1|| for the loss
L_t = sum of the entries of h_t, for t = 1..T.
"""

from __future__ import annotations

import numpy as np

__all__ = ["tdnn_forward", "tdnn_impulse_response", "rnn_impulse_response"]


def tdnn_forward(x: np.ndarray, A: np.ndarray) -> np.ndarray:
    """h_t = tanh(sum_j A_j x_{t-j}) for t = 1..T.

    x (T, B, D), zeros before the first step; A (p, H, D), one matrix
    per delay j = 0..p-1. Returns (T, B, H).
    """
    p, _, D = A.shape
    T = x.shape[0]
    # zeros before the first step
    xp = np.concatenate([np.zeros((p - 1,) + x.shape[1:]), x])
    return np.tanh(sum(xp[p - 1 - j:p - 1 - j + T] @ A[j].T
                       for j in range(p)))


def tdnn_impulse_response(x: np.ndarray, A: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """||d(sum h_t)/dx_1|| of :func:`tdnn_forward` for t = 1..T, by central differences.

    x (T, 1, D); A (p, H, D). Returns (T,); entries t > p are exactly 0, because x_1 does
    not enter h_t at all (both evaluations then give the same numbers).
    """
    T, _, D = x.shape
    resp = np.zeros(T)
    for t in range(T):
        dx = np.zeros(D)
        for i in range(D):
            e = np.zeros_like(x)
            e[0, 0, i] = eps
            dx[i] = (tdnn_forward(x + e, A)[t].sum() - tdnn_forward(x - e, A)[t].sum()) / (2 * eps)
        resp[t] = np.linalg.norm(dx)
    return resp


def rnn_impulse_response(layer, x: np.ndarray) -> np.ndarray:
    """||d(sum h_t)/dx_1|| of a recurrent ``layer`` for t = 1..T, by its backward pass.

    x (T, 1, D). For each t the loss is the sum of h_t; ``layer.backward`` returns dL/dX,
    whose first step is dL/dx_1. Returns (T,).
    """
    Hs, cache = layer.forward(x)
    resp = np.zeros(x.shape[0])
    for t in range(x.shape[0]):
        dH = np.zeros_like(Hs)
        dH[t] = 1.0
        resp[t] = np.linalg.norm(layer.backward(dH, cache)[0][0])   # dX[0] = dL/dx_1
    return resp
