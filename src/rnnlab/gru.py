"""Gated recurrent unit, NNDL (6.66)–(6.69), in both placements of the reset gate.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

    z_t = sigma(W_z x_t + U_z h_{t-1} + b_z)                    update gate
    r_t = sigma(W_r x_t + U_r h_{t-1} + b_r)                    reset gate
    h~_t = tanh(W_h x_t + U_h (r_t ⊙ h_{t-1}) + b_h)            reset_after=False
    h~_t = tanh(W_h x_t + b_h + r_t ⊙ (U_h h_{t-1} + b_Uh))     reset_after=True
    h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ h~_t

``reset_after=False`` (the default) is NNDL's form, also d2l's and that of the final
(v3) arXiv version of Cho et al. (2014): the reset gate scales h_{t-1} before the product
with U_h. ``reset_after=True`` applies r_t after the recurrent product, which then needs
its own recurrent bias ``b_Uh`` (H,): this is PyTorch's ``nn.GRU`` (its b_hn), the form
cuDNN implements, and Keras's ``GRU(reset_after=True)``, the default since TensorFlow 2.
The two are different functions of the same weights. NNDL, PyTorch and Keras all put z_t
on h_{t-1}; texts that write z_t on the candidate instead describe the same model with z
replaced by 1 - z.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import sigmoid
from .base import BPTTResult, Recurrent, uniform_init

__all__ = ["GRU", "GRUCache", "GRUStep", "GRUSlopes", "gru_step_forward", "gru_step_backward"]


class GRUStep(NamedTuple):
    """What one GRU step keeps; every field is (B, H). ``n`` is r ⊙ h_{t-1} (reset
    before) or U_h h_{t-1} + b_Uh (reset after): the term the reset gate multiplies."""

    h_prev: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray
    n: np.ndarray


class GRUSlopes(NamedTuple):
    """Derivatives of the step's nonlinearities, for all steps at once before the
    backward loop: z = z (1 - z), r = r (1 - r), h_tilde = 1 - h~^2."""

    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray


class GRUCache(NamedTuple):
    """Forward record of :class:`GRU`: X (T, B, D); h0 (B, H); H (T, B, H); steps: the
    :class:`GRUStep` fields stacked to (T, B, H)."""

    X: np.ndarray
    h0: np.ndarray
    H: np.ndarray
    steps: GRUStep


def gru_step_forward(a_t: np.ndarray, h_prev: np.ndarray, U_zr_T: np.ndarray, U_h: np.ndarray,
                     b_Uh, reset_after: bool) -> tuple[np.ndarray, GRUStep]:
    """One GRU step. a_t (B, 3H): the input parts W_z x + b_z, W_r x + b_r, W_h x + b_h;
    h_prev (B, H); U_zr_T (H, 2H) = [U_z; U_r] transposed; U_h (H, H); b_Uh (H,) or None.
    Returns h_t (B, H) and the step record."""
    H = h_prev.shape[1]
    zr = sigmoid(a_t[:, :2 * H] + h_prev @ U_zr_T)  # (B, 2H): both gates in one product
    z, r = zr[:, :H], zr[:, H:]  # update gate, reset gate
    if reset_after:
        n = h_prev @ U_h.T + b_Uh  # U_h h_{t-1} + b_Uh
        h_tilde = np.tanh(a_t[:, 2 * H:] + r * n)
    else:
        n = r * h_prev
        h_tilde = np.tanh(a_t[:, 2 * H:] + n @ U_h.T)
    h = z * h_prev + (1 - z) * h_tilde
    return h, GRUStep(h_prev, z, r, h_tilde, n)


def gru_step_backward(dh: np.ndarray, s: GRUStep, slopes: GRUSlopes, U_zr: np.ndarray,
                      U_h: np.ndarray, reset_after: bool) -> tuple:
    """Backward through one GRU step. dh (B, H): total dL/dh_t; s: the step record;
    slopes: the step's :class:`GRUSlopes`; U_zr (2H, H) = [U_z; U_r]; U_h (H, H).

    Returns (dA (B, 3H): errors of the pre-activations of z, r and h~ in that order;
    dn (B, H): dL/dn, the error of the term the reset gate multiplies; dh_prev (B, H)).
    """
    dh_prev = dh * s.z  # the direct path: diag(z_t)
    da_z = dh * (s.h_prev - s.h_tilde) * slopes.z
    da_h = dh * (1 - s.z) * slopes.h_tilde  # through tanh
    if reset_after:
        da_r = da_h * s.n * slopes.r
        dn = da_h * s.r
        dh_prev = dh_prev + dn @ U_h
    else:
        dn = da_h @ U_h  # dL/d(r ⊙ h_{t-1})
        da_r = dn * s.h_prev * slopes.r
        dh_prev = dh_prev + dn * s.r
    da_zr = np.concatenate([da_z, da_r], axis=1)
    dh_prev = dh_prev + da_zr @ U_zr
    return np.concatenate([da_zr, da_h], axis=1), dn, dh_prev


class GRU(Recurrent):
    """GRU layer (see the module docstring for the equations and ``reset_after``).

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
        self.params["b_z"][:] = update_bias
        if self.reset_after:
            self._shapes["b_Uh"] = (H,)
            self.params["b_Uh"] = np.zeros(H, self.dtype)

    def forward(self, X: np.ndarray, state=None) -> tuple[np.ndarray, GRUCache]:
        """X (T, B, D), state None or h0 (B, H) -> H (T, B, H) and the cache."""
        X = self._check_X(X)
        T, B, _ = X.shape
        (h0,) = self._check_state(state, B)
        p = self.params
        W_all = np.concatenate([p["W_z"], p["W_r"], p["W_h"]])  # (3H, D)
        b_all = np.concatenate([p["b_z"], p["b_r"], p["b_h"]])
        U_zr_T = np.concatenate([p["U_z"], p["U_r"]]).T.copy()  # (H, 2H)
        b_Uh = p.get("b_Uh")
        A_in = X @ W_all.T + b_all  # (T, B, 3H): input parts for all steps at once
        H = np.empty((T, B, self.hidden_size), self.dtype)
        steps = []
        h = h0
        for t in range(T):
            h, step = gru_step_forward(A_in[t], h, U_zr_T, p["U_h"], b_Uh, self.reset_after)
            H[t] = h
            steps.append(step)
        stacked = GRUStep(*(np.stack(field) for field in zip(*steps, strict=True)))
        return H, GRUCache(X, h0, H, stacked)

    def final_state(self, cache: GRUCache) -> np.ndarray:
        """h_T (B, H)."""
        return cache.H[-1]

    def bptt(self, dH: np.ndarray, cache: GRUCache, dstate_T=None) -> BPTTResult:
        """Backpropagation through time (exercise 6-5 derives it).

        dH (T, B, H): dL/dh_t from the loss at each step; dstate_T: optional dh_T (B, H).
        """
        X, H, s = cache.X, cache.H, cache.steps
        T, B, Hn = H.shape
        dH = self._check_dH(dH, H.shape)
        (dh_next,) = self._check_dstate(dstate_T, B)
        p = self.params
        U_zr = np.concatenate([p["U_z"], p["U_r"]])  # (2H, H)
        slopes = GRUSlopes(s.z * (1 - s.z), s.r * (1 - s.r), 1 - s.h_tilde**2)  # all steps
        dA = np.empty((T, B, 3 * Hn), self.dtype)  # (T, B, 3H)
        dN = np.empty_like(H)
        dH_total = np.empty_like(H)
        for t in reversed(range(T)):
            dh = dH[t] + dh_next
            dH_total[t] = dh
            dA[t], dN[t], dh_next = gru_step_backward(
                dh, GRUStep(*(f[t] for f in s)), GRUSlopes(*(f[t] for f in slopes)),
                U_zr, p["U_h"], self.reset_after)
        flat = dA.reshape(T * B, 3 * Hn)
        X2, Hprev2 = X.reshape(T * B, -1), s.h_prev.reshape(T * B, Hn)
        dN2 = dN.reshape(T * B, Hn)
        grads = {}
        for k, g in enumerate(("z", "r", "h")):
            d = flat[:, k * Hn:(k + 1) * Hn]
            grads[f"W_{g}"], grads[f"b_{g}"] = d.T @ X2, d.sum(axis=0)
            if g != "h":
                grads[f"U_{g}"] = d.T @ Hprev2
        if self.reset_after:
            grads["U_h"] = dN2.T @ Hprev2  # n = U_h h_{t-1} + b_Uh
            grads["b_Uh"] = dN2.sum(axis=0)
        else:
            grads["U_h"] = flat[:, 2 * Hn:].T @ s.n.reshape(T * B, Hn)  # n = r ⊙ h_{t-1}
        W_all = np.concatenate([p["W_z"], p["W_r"], p["W_h"]])
        dX = dA @ W_all  # (T, B, D)
        grads = {name: grads[name] for name in p}  # same order as params
        return BPTTResult(dX, dh_next, grads, dH_total)
