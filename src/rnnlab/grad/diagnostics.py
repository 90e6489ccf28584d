"""Gradient-norm diagnostics: how dL/dh_k and dh_T/dh_k behave as k moves away from T.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.
Steps are numbered k = 1..T as in NNDL; entry ``k - 1`` of a returned (T,) array is step k.

The long-term dependency problem, NNDL (6.47)–(6.48): the error at step k is a product of
T - k Jacobians, dh_t/dh_{t-1} = diag(f'(z_t)) U for the simple RNN, so

    ||dh_T/dh_k|| <= prod_i ||diag(f'(z_i))|| ||U|| <= (gamma sigma_1)^(T-k),

with sigma_1 the largest singular value of U and gamma = sup|f'| (1 for tanh, 1/4 for
the logistic function). If gamma sigma_1 < 1 the gradient vanishes exponentially
(a sufficient condition); sigma_1 > 1/gamma is necessary for it to explode
(Pascanu, Mikolov & Bengio 2013).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_array, check_positive_int, check_real
from ..layers.gru import GRU
from ..layers.lstm import LSTM, LSTMCache
from ..layers.rnn import RNN

__all__ = ["state_grad_norms", "jacobians", "jacobian_norms", "product_bound",
           "gate_path_products", "forget_gate_products", "GradientProfile", "gradient_profile",
           "SlopeProfile", "slope_profile"]


def _norms(dH_total) -> np.ndarray:
    """||dL/dh_k|| over H, averaged over the batch: (T, B, H) -> (T,), lists -> stacked."""
    if isinstance(dH_total, (list, tuple)):
        return np.stack([_norms(d) for d in dH_total])
    return np.linalg.norm(dH_total, axis=-1).mean(axis=1)


def state_grad_norms(layer, X: np.ndarray, state=None, *, seed: np.ndarray | None = None,
                     ) -> np.ndarray:
    """||dL_T/dh_k|| for k = 1..T, averaged over the batch, for a loss on the last step.

    X (T, B, D). The loss is L_T = <seed, h_T> with ``seed`` (B, H) (default: every entry
    1/sqrt(H), a unit vector per sample), so dL_T/dh_k = (dh_T/dh_k)^T seed.
    Returns (T,) for a single layer; (L, T) for :class:`~rnnlab.layers.stack.Stacked` (one row
    per layer, bottom first) and (2, T) for :class:`~rnnlab.layers.stack.Bidirectional`.
    """
    H, cache = layer.forward(X, state)
    T, B, Hn = H.shape
    dH = np.zeros_like(H)
    dH[-1] = np.full((B, Hn), 1 / np.sqrt(Hn), H.dtype) if seed is None else \
        check_array(seed, "seed", (("B", B), ("H", Hn)), dtype=H.dtype)
    return _norms(layer.bptt(dH, cache).dH_total)


def jacobians(layer, X: np.ndarray, state=None, *, sample: int = 0, wrt: str = "h",
              ) -> np.ndarray:
    """The exact Jacobians dh_T/dh_k for k = 1..T of one sample, shape (T, H, H).

    Built with one backward pass: the sample is repeated H times along the batch axis and
    the j-th copy is seeded with the unit vector e_j at h_T, so the total gradient with
    respect to h_k in copy j is row j of dh_T/dh_k. ``wrt="c"`` (LSTM only) gives
    dc_T/dc_k instead, as a *total* derivative: h_k = o_k ⊙ tanh(c_k) moves with c_k, so
    it is diag(f) along the cell plus every indirect term through h and the gates. For an
    LSTM, dh_T/dh_k holds the cell c_k fixed. Entry k = T is the identity.
    """
    if not hasattr(layer, "n_states"):
        raise TypeError("jacobians needs a single recurrent layer (not Stacked/Bidirectional)")
    if wrt not in ("h", "c") or (wrt == "c" and layer.n_states != 2):
        raise ValueError("wrt must be 'h', or 'c' for an LSTM")
    X = check_array(X, "X", (("T", None), ("B", None), ("D", layer.input_size)),
                    dtype=layer.dtype)
    B = X.shape[1]
    _check_sample(sample, B)
    Hn = layer.hidden_size
    Xr = np.repeat(X[:, sample:sample + 1], Hn, axis=1)  # (T, H, D): H copies of the sample
    if state is not None:
        parts = layer._check_state(state, B)  # n_states arrays (B, H)
        parts = tuple(np.repeat(p[sample:sample + 1], Hn, axis=0) for p in parts)
        state = parts if layer.n_states == 2 else parts[0]
    H, cache = layer.forward(Xr, state)
    eye = np.eye(Hn, dtype=H.dtype)
    dH = np.zeros_like(H)
    if wrt == "h":
        dH[-1] = eye
        r = layer.bptt(dH, cache)
        return r.dH_total  # (T, H, H): [k][j, :] = d h_T[j] / d h_k
    r = layer.bptt(dH, cache, dstate_T=(np.zeros_like(eye), eye))
    return r.dC_total


def _check_sample(sample, B: int) -> None:
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)):
        raise TypeError(f"sample must be an int index of the batch axis; got {sample!r}")
    if not 0 <= sample < B:
        raise ValueError(f"sample must index the batch axis (0..{B - 1}); got {sample}")


def jacobian_norms(layer, X: np.ndarray, state=None, *, sample: int = 0, wrt: str = "h",
                   ) -> np.ndarray:
    """Spectral norms ||dh_T/dh_k||_2 for k = 1..T of one sample, shape (T,).

    See :func:`jacobians`; ``wrt="c"`` gives ||dc_T/dc_k||_2 for an LSTM.
    """
    J = jacobians(layer, X, state, sample=sample, wrt=wrt)
    return np.linalg.svd(J.astype(np.float64), compute_uv=False)[:, 0]


def product_bound(gamma: float, sigma_1: float, T: int) -> np.ndarray:
    """The bound (gamma sigma_1)^(T - k) for k = 1..T, shape (T,) (NNDL (6.48)).

    gamma = sup |f'| and sigma_1 (the largest singular value of U): finite numbers >= 0.
    """
    T = check_positive_int(T, "T")
    for name, v in (("gamma", gamma), ("sigma_1", sigma_1)):
        if check_real(v, name) < 0:
            raise ValueError(f"{name} must be a finite number >= 0; got {v}")
    return float(gamma * sigma_1) ** (T - np.arange(1, T + 1, dtype=np.float64))


def gate_path_products(G: np.ndarray) -> np.ndarray:
    """The direct path of a gated cell: max_j prod_{i=k+1}^T G[i-1, j] for k = 1..T, (T,).

    ``G`` (T, H): the gate that multiplies the previous state at each step of one sample —
    the forget gates f_t of an LSTM, the update gates z_t of a GRU. Entry T is 1 (no step).
    """
    G = np.asarray(G, dtype=np.float64)
    P = np.ones_like(G)  # P[k-1] = G_{k+1} ⊙ ... ⊙ G_T, built from the end
    for k in range(len(G) - 2, -1, -1):
        P[k] = P[k + 1] * G[k + 1]
    return P.max(axis=1)


def forget_gate_products(cache, *, sample: int = 0) -> np.ndarray:
    """The direct cell path of an LSTM: ||prod_{i=k+1}^T diag(f_i)||_2 for k = 1..T, (T,).

    ``cache``: an :class:`~rnnlab.layers.lstm.LSTMCache`. The norm of a diagonal matrix is its
    largest entry, so this is max_j prod_i f_i[j]. It is the part of dc_T/dc_k that
    does not go through h; :func:`jacobian_norms` with ``wrt="c"`` gives the whole.
    """
    if not isinstance(cache, LSTMCache):
        raise TypeError(f"cache must be the LSTMCache returned by LSTM.forward; got "
                        f"{type(cache).__name__}")
    _check_sample(sample, cache.X.shape[1])
    return gate_path_products(cache.steps.f[:, sample])


class GradientProfile(NamedTuple):
    """Gradient norms for k = 1..T (entry k - 1) of one layer on one input.

    dh         (T,)  ||dL_T/dh_k|| (batch mean) for the loss L_T = <1/sqrt(H), h_T>.
    dc         (T,)  LSTM only: ||dc_T/dc_k||_2 of the first sample, the total derivative.
    gate_path  (T,)  the direct path alone, ||prod_{i>k} diag(g_i)||_2 of the first
                     sample: g = f (LSTM forget gates) or z (GRU update gates); None for RNN.
    """

    dh: np.ndarray
    dc: np.ndarray | None
    gate_path: np.ndarray | None


def gradient_profile(layer, X: np.ndarray) -> GradientProfile:
    """The :class:`GradientProfile` of ``layer`` (RNN, LSTM or GRU) on X (T, B, D)."""
    dh = state_grad_norms(layer, X)
    if isinstance(layer, LSTM):
        _, cache = layer.forward(X)
        return GradientProfile(dh, jacobian_norms(layer, X, wrt="c"),
                               forget_gate_products(cache))
    if isinstance(layer, GRU):
        _, cache = layer.forward(X)
        return GradientProfile(dh, None, gate_path_products(cache.steps.z[:, 0]))
    return GradientProfile(dh, None, None)


class SlopeProfile(NamedTuple):
    """The factors diag(f'(z_t)) U of a simple RNN's Jacobian product, step by step.

    slopes        (T, H)  f'(z_t) of one sample, unit by unit.
    rms           (T,)    root-mean-square slope over the H units, sqrt(mean_j f'(z_t)_j^2).
    low           (T,)    fraction of the H units with f'(z_t) < gamma_f / 10 (saturated).
    factor_norms  (T,)    ||diag(f'(z_t)) U||_2, the norm of step t's factor.
    """

    slopes: np.ndarray
    rms: np.ndarray
    low: np.ndarray
    factor_norms: np.ndarray


def slope_profile(layer: RNN, X: np.ndarray, *, sample: int = 0) -> SlopeProfile:
    """The :class:`SlopeProfile` of a simple RNN ``layer`` on X (T, B, D), for one sample.

    dh_t/dh_k is the product of the factors diag(f'(z_tau)) U, tau = k+1..t (NNDL (6.47)
    transposed). The bound sigma_1(U)^(t-k) takes every slope at its largest value gamma_f.
    When U spreads a vector evenly over the units, one factor scales its length by about
    sigma_1(U) times the ``rms`` slope instead.
    """
    if not isinstance(layer, RNN):
        raise TypeError(f"layer must be a simple RNN; got {type(layer).__name__}")
    _, cache = layer.forward(X)
    if not 0 <= sample < cache.A.shape[1]:
        raise ValueError(f"sample must index the batch axis (0..{cache.A.shape[1] - 1}); "
                         f"got {sample}")
    act = layer.activation
    S = act.df(cache.A[:, sample])  # (T, H): f'(z_t) through a_t = f(z_t)
    U = layer.params["U"]
    return SlopeProfile(S, np.sqrt(np.mean(S**2, axis=1)), np.mean(S < act.gamma / 10, axis=1),
                        np.array([np.linalg.norm(s[:, None] * U, 2) for s in S]))
