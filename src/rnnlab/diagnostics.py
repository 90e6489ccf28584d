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

import numpy as np

from ._checks import check_array, check_dtype, check_positive_int, check_real, check_rng
from .lstm import LSTMCache

__all__ = ["recurrent_matrix", "state_grad_norms", "jacobians", "jacobian_norms",
           "product_bound", "forget_gate_products"]


def recurrent_matrix(n: int, rng: np.random.Generator, *, spectral_radius: float | None = None,
                     sigma_max: float | None = None, kind: str = "gaussian",
                     dtype=np.float64) -> np.ndarray:
    """A random (n, n) recurrent matrix U scaled to a chosen spectral radius or sigma_1.

    Give exactly one of ``spectral_radius`` (max |eigenvalue|) or ``sigma_max`` (largest
    singular value, the spectral norm). ``kind="gaussian"``: entries N(0, 1/n), then
    scaled (for such a matrix sigma_1 is about twice the spectral radius);
    ``kind="orthogonal"``: a random orthogonal matrix times the target, so all singular
    values and all |eigenvalues| equal it.
    """
    n = check_positive_int(n, "n")
    rng = check_rng(rng)
    dtype = check_dtype(dtype)  # an int dtype would round every entry (|U_ij| < 1) to 0
    if (spectral_radius is None) == (sigma_max is None):
        raise ValueError("give exactly one of spectral_radius or sigma_max")
    name = "spectral_radius" if sigma_max is None else "sigma_max"
    target = check_real(spectral_radius if sigma_max is None else sigma_max, name)
    if target < 0:
        raise ValueError(f"{name} must be a finite number >= 0; got {target}")
    M = rng.standard_normal((n, n)) / np.sqrt(n)
    if kind == "orthogonal":
        Q, R = np.linalg.qr(M)
        M = Q * np.sign(np.diag(R))  # sign fix: Haar-distributed
        return (target * M).astype(dtype)
    if kind != "gaussian":
        raise ValueError(f"kind must be 'gaussian' or 'orthogonal'; got {kind!r}")
    scale = np.max(np.abs(np.linalg.eigvals(M))) if sigma_max is None else np.linalg.norm(M, 2)
    return (target / scale * M).astype(dtype)


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
    Returns (T,) for a single layer; (L, T) for :class:`~rnnlab.stack.Stacked` (one row
    per layer, bottom first) and (2, T) for :class:`~rnnlab.stack.Bidirectional`.
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


def forget_gate_products(cache, *, sample: int = 0) -> np.ndarray:
    """The direct cell path of an LSTM: ||prod_{i=k+1}^T diag(f_i)||_2 for k = 1..T, (T,).

    ``cache``: an :class:`~rnnlab.lstm.LSTMCache`. The norm of a diagonal matrix is its
    largest entry, so this is max_j prod_i f_i[j]. It is the part of dc_T/dc_k that
    does not go through h; :func:`jacobian_norms` with ``wrt="c"`` gives the whole.
    """
    if not isinstance(cache, LSTMCache):
        raise TypeError(f"cache must be the LSTMCache returned by LSTM.forward; got "
                        f"{type(cache).__name__}")
    _check_sample(sample, cache.X.shape[1])
    F = cache.steps.f[:, sample]  # (T, H)
    # suffix products: P[k-1] = f_{k+1} ⊙ ... ⊙ f_T, and P[T-1] = 1
    P = np.ones_like(F)
    for k in range(F.shape[0] - 2, -1, -1):
        P[k] = P[k + 1] * F[k + 1]
    return P.max(axis=1).astype(np.float64)
