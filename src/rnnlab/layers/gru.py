"""Gated recurrent unit, NNDL (6.66)–(6.69), in both placements of the reset gate.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

    z_t = sigma(W_z x_t + U_z h_{t-1} + b_z)                    (6.66)  update gate
    r_t = sigma(W_r x_t + U_r h_{t-1} + b_r)                    (6.68)  reset gate
    h~_t = tanh(W_h x_t + U_h (r_t ⊙ h_{t-1}) + b_h)            (6.67)  reset_after=False
    h~_t = tanh(W_h x_t + b_h + r_t ⊙ (U_h h_{t-1} + b_Uh))             reset_after=True
    h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ h~_t                      (6.69)  new state

``reset_after=False`` (the default) is NNDL's form, also d2l's and that of the final
(v3) arXiv version of Cho et al. (2014): the reset gate scales h_{t-1} before the product
with U_h. ``reset_after=True`` applies r_t after the recurrent product, which then needs
its own recurrent bias ``b_Uh`` (H,): this is PyTorch's ``nn.GRU`` (its b_hn), the form
cuDNN implements, and Keras's ``GRU(reset_after=True)``, the default since TensorFlow 2.
The two are different functions of the same weights. NNDL, PyTorch and Keras all put z_t
on h_{t-1}; texts that write z_t on the candidate instead describe the same model with z
replaced by 1 - z.

:func:`gru_step_forward` and :func:`gru_step_backward` are one step of the book. The layer
runs the same equations over a sequence with two speed-ups: the input terms W_g x_t + b_g
of all gates and steps are one matrix product before the loop, and U_z, U_r are stacked so
that both gates of a step take one product with h_{t-1}.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_cache, check_real
from .activations import sigmoid
from .base import BPTTResult, Recurrent, input_terms, uniform_init

__all__ = ["GRU", "GRUCache", "GRUStep", "GRUStepCache", "GRUStepGrads",
           "gru_step_forward", "gru_step_backward"]


class GRUStepCache(NamedTuple):
    """What :func:`gru_step_backward` needs from one forward step.

    x_t (B, D); h_prev (B, H); z, r (B, H) the gates; h_tilde (B, H) the candidate; n (B, H)
    the term the reset gate multiplies: r_t ⊙ h_{t-1} (reset before U_h) or
    U_h h_{t-1} + b_Uh (reset after); p: the parameters; reset_after: which form.
    """

    x_t: np.ndarray
    h_prev: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray
    n: np.ndarray
    p: dict
    reset_after: bool


class GRUStepGrads(NamedTuple):
    """Gradients of one step: dx_t (B, D); dh_prev (B, H); grads: this step's share of
    dL/d(parameter), keyed like the parameters (``W_z`` (H, D), ...)."""

    dx_t: np.ndarray
    dh_prev: np.ndarray
    grads: dict


def gru_step_forward(
    x_t: np.ndarray, h_prev: np.ndarray, p: dict, *,
    reset_after: bool = False,
) -> tuple[np.ndarray, GRUStepCache]:
    """One GRU step, NNDL (6.66)–(6.69), or reset after U_h (PyTorch, cuDNN).

    Shapes: B batch, D input size, H hidden size.
    x_t (B, D) the inputs of step t; h_prev (B, H) the state h_{t-1}; p: the
    parameters by NNDL name, ``W_g`` (H, D), ``U_g`` (H, H), ``b_g`` (H,) for
    g in z, r, h, and with ``reset_after=True`` also ``b_Uh`` (H,).
    Returns h_t (B, H) and the step's cache.
    """
    # (6.66) update gate
    z_t = sigmoid(x_t @ p["W_z"].T + h_prev @ p["U_z"].T + p["b_z"])
    # (6.68) reset gate
    r_t = sigmoid(x_t @ p["W_r"].T + h_prev @ p["U_r"].T + p["b_r"])
    if reset_after:
        # the recurrent term, reset after the product with U_h
        n_t = h_prev @ p["U_h"].T + p["b_Uh"]
        # candidate state
        h_tilde = np.tanh(x_t @ p["W_h"].T + p["b_h"] + r_t * n_t)
    else:
        n_t = r_t * h_prev  # the reset state r_t ⊙ h_{t-1}
        # (6.67) candidate state
        h_tilde = np.tanh(x_t @ p["W_h"].T + n_t @ p["U_h"].T + p["b_h"])
    # (6.69) keep z_t of the old state, take 1 - z_t of the candidate
    h_t = z_t * h_prev + (1 - z_t) * h_tilde
    return h_t, GRUStepCache(x_t, h_prev, z_t, r_t, h_tilde, n_t, p,
                             reset_after)


def gru_step_backward(dh_t: np.ndarray,
                      cache: GRUStepCache) -> GRUStepGrads:
    """Backward through one GRU step (exercise 6-5 derives it).

    Shapes: B batch, D input size, H hidden size.
    dh_t (B, H) the total dL/dh_t (from the loss at step t and from
    step t + 1); cache: the :class:`GRUStepCache` of
    :func:`gru_step_forward`.
    Returns :class:`GRUStepGrads`: dx_t (B, D), dh_prev (B, H), and
    this step's share of every parameter gradient; BPTT sums the
    shares over all steps.
    """
    s, p = cache, cache.p
    # da_g (B, H): the error of the net input of z_t, r_t or h~_t;
    # the candidate's comes through tanh
    da_h = dh_t * (1 - s.z) * (1 - s.h_tilde**2)
    # the update gate's, through sigma
    da_z = dh_t * (s.h_prev - s.h_tilde) * s.z * (1 - s.z)
    dh_prev = dh_t * s.z  # the direct path: diag(z_t)
    if s.reset_after:
        dn = da_h * s.r  # dL/dn_t, n_t = U_h h_{t-1} + b_Uh
        da_r = da_h * s.n * s.r * (1 - s.r)  # reset gate
        dh_prev = dh_prev + dn @ p["U_h"]
        dU_h, db_Uh = dn.T @ s.h_prev, dn.sum(axis=0)
    else:
        dn = da_h @ p["U_h"]  # dL/dn_t, n_t = r_t ⊙ h_{t-1}
        da_r = dn * s.h_prev * s.r * (1 - s.r)  # reset gate
        dh_prev = dh_prev + dn * s.r
        dU_h = da_h.T @ s.n
    # through both gates
    dh_prev = dh_prev + da_z @ p["U_z"] + da_r @ p["U_r"]
    dx_t = da_z @ p["W_z"] + da_r @ p["W_r"] + da_h @ p["W_h"]
    grads = {
        "W_z": da_z.T @ s.x_t,
        "U_z": da_z.T @ s.h_prev,
        "b_z": da_z.sum(axis=0),
        "W_r": da_r.T @ s.x_t,
        "U_r": da_r.T @ s.h_prev,
        "b_r": da_r.sum(axis=0),
        "W_h": da_h.T @ s.x_t,
        "U_h": dU_h,
        "b_h": da_h.sum(axis=0),
    }
    if s.reset_after:
        grads["b_Uh"] = db_Uh
    return GRUStepGrads(dx_t, dh_prev, grads)


class GRUStep(NamedTuple):
    """The values of all steps, each field (T, B, H) with step t at index t - 1: h_prev;
    the gates z, r; the candidate h_tilde; n, the reset gate's part of the candidate: the
    reset state r ⊙ h_{t-1} before U_h (g_t in exercise 6-5), or the recurrent term
    U_h h_{t-1} + b_Uh that the gate multiplies after it (q_t)."""

    h_prev: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray
    n: np.ndarray


class GRUCache(NamedTuple):
    """Forward record of :class:`GRU`: X (T, B, D); h0 (B, H); H (T, B, H); steps: a
    :class:`GRUStep` of (T, B, H) arrays; owner: the token of the layer that made it
    (``bptt`` accepts only its own caches)."""

    X: np.ndarray
    h0: np.ndarray
    H: np.ndarray
    steps: GRUStep
    owner: object = None


class GRU(Recurrent):
    """GRU layer (see the module docstring for the equations and ``reset_after``).

    Shapes: T steps, B batch, D input size, H hidden size.
    Parameters (``params``): ``W_z, W_r, W_h`` (H, D); ``U_z, U_r, U_h`` (H, H);
    ``b_z, b_r, b_h`` (H,); with ``reset_after=True`` also ``b_Uh`` (H,).
    ``update_bias`` sets the initial b_z (a positive value keeps more of h_{t-1}).
    """

    def __init__(self, input_size: int, hidden_size: int, *, rng: np.random.Generator,
                 reset_after: bool = False, update_bias: float = 0.0, dtype=np.float64):
        super().__init__(input_size, hidden_size, rng, dtype)
        self.reset_after = bool(reset_after)
        D, H = self.input_size, self.hidden_size
        for g in ("z", "r", "h"):
            self._shapes |= {f"W_{g}": (H, D), f"U_{g}": (H, H), f"b_{g}": (H,)}
            self.params[f"W_{g}"] = uniform_init(rng, (H, D), H, self.dtype)
            self.params[f"U_{g}"] = uniform_init(rng, (H, H), H, self.dtype)
            self.params[f"b_{g}"] = np.zeros(H, self.dtype)
        self.params["b_z"][:] = check_real(update_bias, "update_bias")
        if self.reset_after:
            self._shapes["b_Uh"] = (H,)
            self.params["b_Uh"] = np.zeros(H, self.dtype)

    def forward(self, X: np.ndarray, state=None) -> tuple[np.ndarray, GRUCache]:
        """Run the GRU over a sequence (shapes: T steps, B batch, D input, H hidden).

        X (T, B, D); state None (zeros) or h0 (B, H). Returns H (T, B, H), the states
        h_1..h_T (a copy: editing it does not change the cache), and the cache.
        """
        X = self._check_X(X)
        T, B, _ = X.shape
        (h0,) = self._check_state(state, B)
        Hn, p = self.hidden_size, self.params
        W = np.concatenate([p["W_z"], p["W_r"], p["W_h"]])  # (3H, D)
        b = np.concatenate([p["b_z"], p["b_r"], p["b_h"]])  # (3H,)
        XW_b = input_terms(X, W, b)  # (T, B, 3H): W_g x_t + b_g, blocks z, r, h
        # U^T row by row (BLAS runs h @ U_T faster than h @ U.T); U_z, U_r side by side,
        # so that both gates take one product
        U_zr_T = np.concatenate([p["U_z"].T, p["U_r"].T], axis=1)  # (H, 2H)
        U_h_T = p["U_h"].T.copy()  # (H, H)
        Hs = np.empty((T + 1, B, Hn), self.dtype)  # h_0..h_T
        Z, R, H_tilde, N = np.empty((4, T, B, Hn), self.dtype)
        Hs[0] = h0
        for t in range(T):  # the equations of gru_step_forward
            h_prev = Hs[t]
            zr = sigmoid(XW_b[t, :, :2 * Hn] + h_prev @ U_zr_T)  # (B, 2H): both gates
            Z[t], R[t] = zr[:, :Hn], zr[:, Hn:]  # (6.66) update gate, (6.68) reset gate
            if self.reset_after:
                N[t] = h_prev @ U_h_T + p["b_Uh"]  # the recurrent term
                H_tilde[t] = np.tanh(XW_b[t, :, 2 * Hn:] + R[t] * N[t])  # candidate
            else:
                N[t] = R[t] * h_prev  # the reset state
                H_tilde[t] = np.tanh(XW_b[t, :, 2 * Hn:] + N[t] @ U_h_T)  # (6.67)
            Hs[t + 1] = Z[t] * h_prev + (1 - Z[t]) * H_tilde[t]  # (6.69)
        H = Hs[1:]
        return H.copy(), GRUCache(X, h0, H, GRUStep(Hs[:-1], Z, R, H_tilde, N), self._token)

    def final_state(self, cache: GRUCache) -> np.ndarray:
        """h_T (B, H), a copy, from a cache made by this layer's forward."""
        check_cache(self, cache, GRUCache)
        return cache.H[-1].copy()

    def bptt(self, dH: np.ndarray, cache: GRUCache, dstate_T=None) -> BPTTResult:
        """Backpropagation through time (exercise 6-5 derives it).

        Shapes: T steps, B batch, D input size, H hidden size.
        dH (T, B, H): dL/dh_t from the loss at each step; dstate_T: optional dh_T (B, H).
        The loop runs t = T..1 with the equations of :func:`gru_step_backward` and stores
        the errors dA (T, B, 3H) of the three net inputs (and dN, of n_t); the parameter
        gradients, sums over all steps, are formed after the loop, one product each.
        """
        self._check_cache(cache, GRUCache)
        X, H, s = cache.X, cache.H, cache.steps
        T, B, Hn = H.shape
        dH = self._check_dH(dH, H.shape)
        (dh_next,) = self._check_dstate(dstate_T, B)
        p = self.params
        U_zr = np.concatenate([p["U_z"], p["U_r"]])  # (2H, H)
        dA = np.empty((T, B, 3 * Hn), self.dtype)  # da_z, da_r, da_h side by side
        dN, dH_total = np.empty((2, T, B, Hn), self.dtype)
        for t in reversed(range(T)):
            z, r, h_tilde, n, h_prev = s.z[t], s.r[t], s.h_tilde[t], s.n[t], s.h_prev[t]
            dh = dH[t] + dh_next  # total dL/dh_t: the loss at t and everything after t
            da_h = dh * (1 - z) * (1 - h_tilde**2)  # candidate, through tanh
            dA[t, :, :Hn] = dh * (h_prev - h_tilde) * z * (1 - z)  # update gate
            dA[t, :, 2 * Hn:] = da_h
            dh_next = dh * z  # the direct path: diag(z_t)
            if self.reset_after:
                dN[t] = da_h * r  # dL/dn_t, n_t = U_h h_{t-1} + b_Uh
                dA[t, :, Hn:2 * Hn] = da_h * n * r * (1 - r)  # reset gate
                dh_next += dN[t] @ p["U_h"]
            else:
                dN[t] = da_h @ p["U_h"]  # dL/dn_t, n_t = r_t ⊙ h_{t-1}
                dA[t, :, Hn:2 * Hn] = dN[t] * h_prev * r * (1 - r)  # reset gate
                dh_next += dN[t] * r
            dh_next += dA[t, :, :2 * Hn] @ U_zr  # through both gates, one product
            dH_total[t] = dh
        # the parameter gradients: sums over all steps and examples, one product each
        dA2 = dA.reshape(T * B, 3 * Hn)
        X2, H_prev2 = X.reshape(T * B, -1), s.h_prev.reshape(T * B, Hn)
        grads = {}
        for k, g in enumerate(("z", "r", "h")):
            da_g = dA2[:, k * Hn:(k + 1) * Hn]
            grads[f"W_{g}"], grads[f"b_{g}"] = da_g.T @ X2, da_g.sum(axis=0)
        grads["U_z"] = dA2[:, :Hn].T @ H_prev2
        grads["U_r"] = dA2[:, Hn:2 * Hn].T @ H_prev2
        dN2 = dN.reshape(T * B, Hn)
        if self.reset_after:
            grads["U_h"] = dN2.T @ H_prev2  # n_t = U_h h_{t-1} + b_Uh
            grads["b_Uh"] = dN2.sum(axis=0)
        else:
            grads["U_h"] = dA2[:, 2 * Hn:].T @ s.n.reshape(T * B, Hn)  # n_t = r_t ⊙ h_{t-1}
        grads = {name: grads[name] for name in p}  # in the order of params
        W = np.concatenate([p["W_z"], p["W_r"], p["W_h"]])  # (3H, D)
        dX = (dA2 @ W).reshape(T, B, -1)  # (T, B, D): every W_g^T da_g, one product
        return BPTTResult(dX, dh_next, grads, dH_total)
