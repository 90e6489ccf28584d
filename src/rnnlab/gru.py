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

from ._checks import check_cache, check_real
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
    """Derivatives of the step's nonlinearities, each (B, H), computed from the step's
    values as its backward step starts: z = z (1 - z), r = r (1 - r), h_tilde = 1 - h~^2."""

    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray


class GRUCache(NamedTuple):
    """Forward record of :class:`GRU`: X (T, B, D); h0 (B, H); H (T, B, H); steps: the
    :class:`GRUStep` fields stacked to (T, B, H); owner: the token of the layer that made
    it (``bptt`` accepts only its own caches)."""

    X: np.ndarray
    h0: np.ndarray
    H: np.ndarray
    steps: GRUStep
    owner: object = None


def gru_step_forward(a_t: np.ndarray, h_prev: np.ndarray, U_zr_T: np.ndarray, U_h: np.ndarray,
                     b_Uh, reset_after: bool,
                     out: tuple | None = None) -> tuple[np.ndarray, GRUStep]:
    """One GRU step. a_t (B, 3H): the input parts W_z x + b_z, W_r x + b_r, W_h x + b_h;
    h_prev (B, H); U_zr_T (H, 2H) = [U_z; U_r] transposed; U_h (H, H); b_Uh (H,) or None.
    Returns h_t (B, H) and the step record. ``out``: optional arrays (h_t, z, r, h~, n),
    each (B, H), to write into; the layer passes rows of its records, so nothing is copied.
    """
    H = h_prev.shape[1]
    h, z, r, h_tilde, n = out if out is not None else (np.empty_like(h_prev) for _ in range(5))
    zr = sigmoid(a_t[:, :2 * H] + h_prev @ U_zr_T)  # (B, 2H): both gates in one product
    z[:], r[:] = zr[:, :H], zr[:, H:]  # update gate, reset gate
    if reset_after:
        np.add(h_prev @ U_h.T, b_Uh, out=n)  # n = U_h h_{t-1} + b_Uh
        np.tanh(a_t[:, 2 * H:] + r * n, out=h_tilde)  # h~ = tanh(W_h x + b_h + r ⊙ n)
    else:
        np.multiply(r, h_prev, out=n)  # n = r ⊙ h_{t-1}
        np.tanh(a_t[:, 2 * H:] + n @ U_h.T, out=h_tilde)  # h~ = tanh(W_h x + b_h + U_h n)
    np.add(z * h_prev, (1 - z) * h_tilde, out=h)  # h = z ⊙ h_{t-1} + (1 - z) ⊙ h~
    return h, GRUStep(h_prev, z, r, h_tilde, n)


def gru_step_backward(dh: np.ndarray, s: GRUStep, slopes: GRUSlopes, U_zr: np.ndarray,
                      U_h: np.ndarray, reset_after: bool, out: tuple | None = None) -> tuple:
    """Backward through one GRU step. dh (B, H): total dL/dh_t; s: the step record;
    slopes: the step's :class:`GRUSlopes`; U_zr (2H, H) = [U_z; U_r]; U_h (H, H); ``out``:
    optional arrays (dA (B, 3H), dn (B, H)) to write into (the layer passes record rows).

    Returns (dA (B, 3H): errors of the pre-activations of z, r and h~ in that order;
    dn (B, H): dL/dn, the error of the term the reset gate multiplies; dh_prev (B, H)).
    """
    H = dh.shape[1]
    dA, dn = out if out is not None else (np.empty((dh.shape[0], 3 * H), dh.dtype),
                                          np.empty_like(dh))
    da_z, da_r, da_h = dA[:, :H], dA[:, H:2 * H], dA[:, 2 * H:]  # views: the blocks of dA
    dh_prev = dh * s.z  # the direct path: diag(z_t)
    da_z[:] = dh * (s.h_prev - s.h_tilde) * slopes.z  # update gate, through sigma
    da_h[:] = dh * (1 - s.z) * slopes.h_tilde  # through tanh
    if reset_after:
        da_r[:] = da_h * s.n * slopes.r  # reset gate, through sigma
        np.multiply(da_h, s.r, out=dn)  # dL/dn
        dh_prev = dh_prev + dn @ U_h
    else:
        np.matmul(da_h, U_h, out=dn)  # dL/dn = dL/d(r ⊙ h_{t-1})
        da_r[:] = dn * s.h_prev * slopes.r  # reset gate, through sigma
        dh_prev = dh_prev + dn * s.r
    dh_prev = dh_prev + dA[:, :2 * H] @ U_zr  # through both gates' U h_{t-1}
    return dA, dn, dh_prev


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
        self.params["b_z"][:] = check_real(update_bias, "update_bias")
        if self.reset_after:
            self._shapes["b_Uh"] = (H,)
            self.params["b_Uh"] = np.zeros(H, self.dtype)

    def forward(self, X: np.ndarray, state=None) -> tuple[np.ndarray, GRUCache]:
        """X (T, B, D), state None or h0 (B, H) -> H (T, B, H) and the cache."""
        X = self._check_X(X)
        T, B, _ = X.shape
        (h0,) = self._check_state(state, B)
        Hn = self.hidden_size
        p = self.params
        W_all = np.concatenate([p["W_z"], p["W_r"], p["W_h"]])  # (3H, D)
        b_all = np.concatenate([p["b_z"], p["b_r"], p["b_h"]])
        U_zr_T = np.concatenate([p["U_z"], p["U_r"]]).T.copy()  # (H, 2H)
        b_Uh = p.get("b_Uh")
        A_in = np.matmul(X.reshape(T * B, -1), W_all.T,  # (T, B, 3H): one product
                         out=self._empty(T * B, 3 * Hn)).reshape(T, B, -1)
        A_in += b_all  # the input parts of all gates, all steps
        H = self._empty(T + 1, B, Hn)  # h_0..h_T
        H[0] = h0
        Z, R, H_tilde, N = self._empty(4, T, B, Hn)  # (T, B, H) records
        for t in range(T):  # step t + 1 reads H[t] = h_t and writes H[t + 1] and row t
            gru_step_forward(A_in[t], H[t], U_zr_T, p["U_h"], b_Uh, self.reset_after,
                             out=(H[t + 1], Z[t], R[t], H_tilde[t], N[t]))
        return H[1:], GRUCache(X, h0, H[1:], GRUStep(H[:-1], Z, R, H_tilde, N), self._token)

    def final_state(self, cache: GRUCache) -> np.ndarray:
        """h_T (B, H), from a cache made by this layer's forward."""
        check_cache(self, cache, GRUCache)
        return cache.H[-1]

    def bptt(self, dH: np.ndarray, cache: GRUCache, dstate_T=None) -> BPTTResult:
        """Backpropagation through time (exercise 6-5 derives it).

        dH (T, B, H): dL/dh_t from the loss at each step; dstate_T: optional dh_T (B, H).
        """
        self._check_cache(cache, GRUCache)
        X, H, s = cache.X, cache.H, cache.steps
        T, B, Hn = H.shape
        dH = self._check_dH(dH, H.shape)
        (dh_next,) = self._check_dstate(dstate_T, B)
        p = self.params
        U_zr = np.concatenate([p["U_z"], p["U_r"]])  # (2H, H)
        dA = self._empty(T, B, 3 * Hn)  # (T, B, 3H)
        dN, dH_total = self._empty(2, T, B, Hn)
        for t in reversed(range(T)):
            dh = np.add(dH[t], dh_next, out=dH_total[t])  # the total dL/dh_t
            st = GRUStep(*(f[t] for f in s))  # step t's record, each (B, H)
            slopes = GRUSlopes(st.z * (1 - st.z), st.r * (1 - st.r), 1 - st.h_tilde**2)
            _, _, dh_next = gru_step_backward(dh, st, slopes, U_zr, p["U_h"], self.reset_after,
                                              out=(dA[t], dN[t]))
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
        dX = (flat @ W_all).reshape(T, B, -1)  # (T, B, D): one product for all steps
        grads = {name: grads[name] for name in p}  # same order as params
        return BPTTResult(dX, dh_next, grads, dH_total)
