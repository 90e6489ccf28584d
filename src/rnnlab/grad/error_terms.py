"""The error terms delta_{t,k} = dL_t/dz_k of the simple RNN for every pair k <= t (NNDL §6.4.1).

Shape legend: ``T`` steps, ``B`` batch, ``H`` hidden size.

For z_k = U h_{k-1} + W x_k + b and h_k = f(z_k) (NNDL (6.5)–(6.6)), one step of the chain
rule gives the recursion (in NNDL's denominator layout, dz_{k+1}/dh_k = U^T)

    delta_{t,t} = diag(f'(z_t)) dL_t/dh_t,
    delta_{t,k} = diag(f'(z_k)) U^T delta_{t,k+1},   k < t,

and unrolling it gives the product of NNDL (6.47). Chapter 2 sums these terms into the
gradients (6.39)–(6.41), and truncated BPTT keeps only the pairs in the same chunk.
"""

from __future__ import annotations

import numpy as np

__all__ = ["delta_matrix"]


def delta_matrix(slope: np.ndarray, G: np.ndarray,
                 U: np.ndarray) -> np.ndarray:
    """delta[t, k] = dL_t/dz_k (T, T, B, H), 0-based steps; zero for k > t.

    ``slope`` (T, B, H) is f'(z_k) (for tanh, 1 - h_k**2); ``G`` (T, B, H) is
    dL_t/dh_t, the direct gradient of the loss at step t; ``U`` (H, H). Each
    delta is a row vector per sequence, so U^T delta becomes ``delta @ U``.
    """
    slope, G = np.asarray(slope), np.asarray(G)
    if (slope.ndim != 3 or G.shape != slope.shape
            or U.shape != (slope.shape[2],) * 2):
        raise ValueError("slope and G must have the same shape (T, B, H) "
                         f"and U (H, H); got slope {slope.shape}, "
                         f"G {G.shape}, U {U.shape}")
    T, B, H = slope.shape
    delta = np.zeros((T, T, B, H), dtype=np.result_type(slope, G, U))
    for t in range(T):
        # delta_(t,t) = diag(f'(z_t)) dL_t/dh_t
        delta[t, t] = slope[t] * G[t]
        for k in range(t - 1, -1, -1):
            # delta_(t,k) = diag(f'(z_k)) U^T delta_(t,k+1)
            delta[t, k] = slope[k] * (delta[t, k + 1] @ U)
    return delta
