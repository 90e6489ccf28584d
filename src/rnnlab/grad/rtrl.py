"""Real-time recurrent learning (RTRL) for the simple RNN, NNDL (6.42)–(6.46).

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

BPTT runs the chain rule backwards after the whole sequence has been seen. RTRL runs it
*forwards* (Williams & Zipser 1989): along with h_t it carries the sensitivities
dh_t/dtheta of the state to every parameter, so the gradient of a loss L_t is ready at
step t, with nothing of the past stored. For z_t = U h_{t-1} + W x_t + b, h_t = f(z_t):

    dh_t/dU_ij = diag(f'(z_t)) (I_i([h_{t-1}]_j) + U dh_{t-1}/dU_ij)        (6.43)–(6.45)
    dL_t/dU_ij = (dh_t/dU_ij)^T dL_t/dh_t                                    (6.46)

where I_i(x) is the vector with x in row i and zeros elsewhere (the *direct* effect of
U_ij on z_t); W and b have the same recursion with x_t and 1 in place of h_{t-1}. For the
residual update (6.50) h_t = h_{t-1} + g(z_t) the recursion gains the identity path:
dh_t/dtheta = dh_{t-1}/dtheta + diag(g'(z_t)) (...).

The sensitivities of one sample form an H x P matrix (P = H(D + H + 1) parameters), so
RTRL keeps B H^2 (D + H + 1) numbers whatever T is, and each step multiplies U into them:
O(B H^2 P) = O(B H^4) work per step, against O(B H (D + H)) for a BPTT step, which in
turn must keep O(T B H) numbers. :func:`measure_cost` times both on the same problem.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .._checks import check_array, check_positive_int, check_rng
from ..layers.rnn import RNN

__all__ = ["Sensitivities", "RTRLResult", "rtrl_step", "rtrl_gradients", "flops", "CostTable",
           "measure_cost"]


class Sensitivities(NamedTuple):
    """dh_t/dtheta for a batch: ``W`` (B, H, H, D), ``U`` (B, H, H, H), ``b`` (B, H, H).

    Entry ``[n, i, j, k]`` is d h_t[i] / d theta[j, k] for sample n (``b``: d h_t[i]/d b_j).
    """

    W: np.ndarray
    U: np.ndarray
    b: np.ndarray


def _zeros(B: int, D: int, H: int, dtype) -> Sensitivities:
    return Sensitivities(np.zeros((B, H, H, D), dtype), np.zeros((B, H, H, H), dtype),
                         np.zeros((B, H, H), dtype))


def rtrl_step(S: Sensitivities, x_t: np.ndarray, h_prev: np.ndarray,
              a_t: np.ndarray, U: np.ndarray, df,
              residual: bool = False) -> Sensitivities:
    """One RTRL step, NNDL (6.43)–(6.45): S_{t-1} -> S_t.

    S holds the sensitivities dh_{t-1}/dtheta (see
    :class:`Sensitivities`); x_t (B, D); h_prev (B, H) is h_{t-1};
    a_t (B, H) = f(z_t); U (H, H); ``df(a)`` is f' written through
    a = f(z).
    Returns new arrays dh_t/dtheta; ``S`` is not modified.
    """
    B, H = h_prev.shape
    fp = df(a_t)  # (B, H): f'(z_t)
    idx = np.arange(H)
    out = []
    for name, direct in (("W", x_t), ("U", h_prev), ("b", None)):
        s = getattr(S, name)
        # U dh_{t-1}/dtheta
        m = np.matmul(U, s.reshape(B, H, -1)).reshape(s.shape)
        # + the direct effect of the parameter on z_t
        if direct is None:
            m[:, idx, idx] += 1.0  # I_i(1): z_t[i] = ... + b_i
        else:
            # I_i([h_{t-1}]_j) or I_i([x_t]_j)
            m[:, idx, idx, :] += direct[:, None, :]
        # diag(f'(z_t)) (...)
        m *= fp.reshape((B, H) + (1,) * (s.ndim - 2))
        # (6.50): + dh_{t-1}/dtheta
        out.append(s + m if residual else m)
    return Sensitivities(*out)


class RTRLResult(NamedTuple):
    """grads: dict ``W`` (H, D), ``U`` (H, H), ``b`` (H,) — the same keys and values as
    ``layer.bptt(dH, cache).grads``; h_T (B, H): the last hidden state (no history is
    kept, so the memory does not grow with T)."""

    grads: dict
    h_T: np.ndarray


def rtrl_gradients(layer, X: np.ndarray, dH, state=None) -> RTRLResult:
    """dL/dtheta of an :class:`~rnnlab.layers.rnn.RNN` or ``ResidualRNN`` by RTRL, forward only.

    X (T, B, D); state None (zeros) or h0 (B, H). ``dH``: the direct gradient dL_t/dh_t at
    each step — an array (T, B, H) (as for ``layer.bptt``) or a function
    ``dH(t, h_t) -> (B, H)`` called at step t = 0..T-1 as soon as h_t exists, which is
    how RTRL learns online. The gradient is accumulated by (6.46) step by step; nothing of
    the past is kept but the sensitivities. Equal to BPTT's gradient up to rounding.
    """
    if not hasattr(layer, "residual") or set(layer.params) != {"W", "U", "b"}:
        raise TypeError(f"rtrl_gradients needs a simple RNN or ResidualRNN; got "
                        f"{type(layer).__name__}")
    X = layer._check_X(X)
    T, B, D = X.shape
    Hn = layer.hidden_size
    (h,) = layer._check_state(state, B)
    if not callable(dH):
        dH = check_array(dH, "dH", (("T", T), ("B", B), ("H", Hn)), dtype=layer.dtype)
    W, U, b = layer.params["W"], layer.params["U"], layer.params["b"]
    f, df = layer.activation.f, layer.activation.df
    S = _zeros(B, D, Hn, layer.dtype)
    grads = {"W": np.zeros_like(W), "U": np.zeros_like(U), "b": np.zeros_like(b)}
    for t in range(T):
        a = f(X[t] @ W.T + h @ U.T + b)  # (6.5)–(6.6): a_t = f(z_t), (B, H)
        S = rtrl_step(S, X[t], h, a, U, df, layer.residual)
        h = h + a if layer.residual else a
        g = dH(t, h) if callable(dH) else dH[t]  # (B, H): dL_t/dh_t
        grads["W"] += np.einsum("ni,nijk->jk", g, S.W)  # (6.46), summed over the batch
        grads["U"] += np.einsum("ni,nijk->jk", g, S.U)
        grads["b"] += np.einsum("ni,nij->j", g, S.b)
    return RTRLResult(grads, h)


# ---- cost ----------------------------------------------------------------------------------
def flops(method: str, T: int, B: int, D: int, H: int) -> int:
    """Multiply-adds x 2 of the matrix products of one gradient computation.

    ``"bptt"``: 6 T B H (D + H) (forward W x and U h; backward dX, dW, dU, dh_{t-1}).
    ``"rtrl"``: the forward products 2 T B H (D + H) plus, per step, U times the
    sensitivities (2 B H^2 P with P = H (D + H + 1)) and the contraction (6.46) (2 B H P).
    """
    T, B, D, H = (check_positive_int(v, n) for v, n in ((T, "T"), (B, "B"), (D, "D"),
                                                        (H, "H")))
    if method == "bptt":
        return 6 * T * B * H * (D + H)
    if method == "rtrl":
        P = H * (D + H + 1)
        return T * (2 * B * H * (D + H) + 2 * B * H * H * P + 2 * B * H * P)
    raise ValueError(f"method must be 'bptt' or 'rtrl'; got {method!r}")


class CostTable(NamedTuple):
    """Measured cost of one gradient by BPTT and by RTRL for each sequence length.

    T (n,); seconds_bptt, seconds_rtrl (n,) best wall time of ``repeats`` runs;
    peak_bptt, peak_rtrl (n,) peak bytes allocated during one run (tracemalloc; the
    inputs X and dL/dH are allocated before and not counted); B, D, H the sizes.
    """

    T: np.ndarray
    seconds_bptt: np.ndarray
    seconds_rtrl: np.ndarray
    peak_bptt: np.ndarray
    peak_rtrl: np.ndarray
    B: int
    D: int
    H: int


def _measure(fn: Callable[[], object], repeats: int) -> tuple[float, int]:
    fn()  # warm up
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return best, peak


def measure_cost(Ts, *, B: int = 4, D: int = 4, H: int = 16, repeats: int = 3,
                 rng: np.random.Generator) -> CostTable:
    """Time and peak memory of BPTT (forward + ``bptt``) and RTRL for each T in ``Ts``.

    One tanh :class:`~rnnlab.layers.rnn.RNN` (D, H) from ``rng``, random X (T, B, D) and a loss
    on every step. Wall times are machine dependent (and noisy on a busy machine): compare
    their growth with T, not their digits. Peak memory is deterministic.
    """
    rng = check_rng(rng)
    layer = RNN(D, H, rng=rng)
    rows = []
    for T in Ts:
        X = rng.standard_normal((T, B, D))
        dH = rng.standard_normal((T, B, H))

        def bptt(X=X, dH=dH):
            _, cache = layer.forward(X)
            return layer.bptt(dH, cache).grads

        def rtrl(X=X, dH=dH):
            return rtrl_gradients(layer, X, dH).grads

        rows.append((*_measure(bptt, repeats), *_measure(rtrl, repeats)))
    s_b, p_b, s_r, p_r = (np.array(c) for c in zip(*rows, strict=True))
    return CostTable(np.asarray(Ts), s_b, s_r, p_b, p_r, B, D, H)
