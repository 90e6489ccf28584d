"""Remedies for the residual state update (6.50), studied in exercise 6-3.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

The residual update of NNDL (6.50) (:class:`rnnlab.layers.rnn.ResidualRNN`) is

    h_t = h_{t-1} + g(z_t),   z_t = U h_{t-1} + W x_t + b,
    dh_t/dh_{t-1} = I + diag(g'(z_t)) U.

Its Jacobian keeps the identity, so products of Jacobians do not vanish, but for almost
every U they grow; and h_t accumulates every increment, so it grows without bound and
g saturates. This module holds two layers that each change one thing:

:class:`GatedResidualRNN`
    h_t = f_t ⊙ h_{t-1} + g(z_t),   f_t = sigma(W_f x_t + U_f h_{t-1} + b_f):
    a forget gate turns the identity path into diag(f_t) — the step from (6.50) to the
    LSTM's memory cell; with ``coupled=True`` the increment is gated too,
    h_t = f_t ⊙ h_{t-1} + (1 - f_t) ⊙ g(z_t), a convex combination as in the GRU and the
    coupled LSTM of NNDL (6.64)–(6.65), which keeps the state bounded.
:class:`NormalizedResidualRNN`
    v_t = h_{t-1} + g(z_t),   h_t = v_t / rms(v_t),   rms(v) = sqrt(mean(v**2) + eps):
    the state is rescaled to root-mean-square 1 after every step (the normalisation of
    layer normalisation without centring or gain).

and :func:`grad_norm_comparison`, the data behind the exercise's slider: ||dL_T/dh_k|| for
(6.50) beside its gated forms and the simple RNN with the same U; :func:`damped_antisymmetric`,
a recurrent matrix U for which the linear factor I + U of (6.50) is a contraction.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_cache, check_positive_int
from ..grad.diagnostics import state_grad_norms
from ..layers.activations import get_activation, sigmoid
from ..layers.base import BPTTResult, Recurrent, uniform_init
from ..layers.cells import recurrent_matrix
from ..layers.rnn import RNN, ResidualRNN

__all__ = ["GatedResidualRNN", "GatedResidualCache", "NormalizedResidualRNN",
           "NormalizedResidualCache", "LABELS", "grad_norm_comparison", "damped_antisymmetric"]


class GatedResidualCache(NamedTuple):
    """Forward record of :class:`GatedResidualRNN`: X (T, B, D); h0 (B, H);
    A (T, B, H) the increments g(z_t); F (T, B, H) the forget gates f_t; H (T, B, H);
    owner: the token of the layer that made it (``bptt`` accepts only its own caches)."""

    X: np.ndarray
    h0: np.ndarray
    A: np.ndarray
    F: np.ndarray
    H: np.ndarray
    owner: object = None


class GatedResidualRNN(Recurrent):
    """The residual update (6.50) with a forget gate on the identity path.

        z_t = U h_{t-1} + W x_t + b,       f_t = sigma(U_f h_{t-1} + W_f x_t + b_f),
        h_t = f_t ⊙ h_{t-1} + g(z_t)                     (coupled=False)
        h_t = f_t ⊙ h_{t-1} + (1 - f_t) ⊙ g(z_t)         (coupled=True)

    with sigma' = f_t ⊙ (1 - f_t) the Jacobians are

        dh_t/dh_{t-1} = diag(f_t) + diag(g'(z_t)) U + diag(h_{t-1} ⊙ sigma') U_f,
        dh_t/dh_{t-1} = diag(f_t) + diag((1 - f_t) ⊙ g'(z_t)) U
                        + diag((h_{t-1} - g(z_t)) ⊙ sigma') U_f        (coupled).

    Parameters (``params``): ``W, W_f`` (H, D); ``U, U_f`` (H, H); ``b, b_f`` (H,).
    ``activation``: the g of (6.50) (``"tanh"`` default, or ``"sigmoid"``, ...).
    ``forget_bias``: the initial b_f (f_t starts near sigma(forget_bias)).
    Coupled, h_t is a convex combination of h_{t-1} and g(z_t), so every |h_t| stays below
    max(|h_0|, sup |g|); uncoupled, the state is bounded only while f_t stays below some
    f_max < 1 (then |h_t| <= sup |g| / (1 - f_max)), and a gate that U_f h_{t-1} can drive
    to 1 does not ensure that.
    """

    def __init__(self, input_size: int, hidden_size: int, *, rng: np.random.Generator,
                 activation: str = "tanh", forget_bias: float = 1.0, coupled: bool = False,
                 dtype=np.float64):
        super().__init__(input_size, hidden_size, rng, dtype)
        self.activation = get_activation(activation)
        self.coupled = bool(coupled)
        D, H = self.input_size, self.hidden_size
        for s in ("", "_f"):
            self._shapes |= {f"W{s}": (H, D), f"U{s}": (H, H), f"b{s}": (H,)}
            self.params[f"W{s}"] = uniform_init(rng, (H, D), H, self.dtype)
            self.params[f"U{s}"] = uniform_init(rng, (H, H), H, self.dtype)
            self.params[f"b{s}"] = np.zeros(H, self.dtype)
        self.params["b_f"][:] = forget_bias

    def forward(self, X: np.ndarray,
                state=None) -> tuple[np.ndarray, GatedResidualCache]:
        """X (T, B, D), state None or h0 (B, H) -> H (T, B, H), cache."""
        X = self._check_X(X)
        T, B, _ = X.shape
        (h0,) = self._check_state(state, B)
        p, g = self.params, self.activation.f
        WX = X @ p["W"].T + p["b"]  # (T, B, H)
        WX_f = X @ p["W_f"].T + p["b_f"]  # (T, B, H)
        A, F, H = (np.empty((T, B, self.hidden_size), self.dtype)
                   for _ in range(3))
        h = h0
        for t in range(T):
            A[t] = g(WX[t] + h @ p["U"].T)  # the increment g(z_t)
            F[t] = sigmoid(WX_f[t] + h @ p["U_f"].T)  # forget gate f_t
            h = F[t] * h + ((1 - F[t]) * A[t] if self.coupled else A[t])
            H[t] = h
        # a copy of H: see layers.base
        return H.copy(), GatedResidualCache(X, h0, A, F, H, self._token)

    def final_state(self, cache: GatedResidualCache) -> np.ndarray:
        """h_T (B, H), from a cache made by this layer's forward."""
        check_cache(self, cache, GatedResidualCache)
        return cache.H[-1].copy()

    def bptt(self, dH: np.ndarray, cache: GatedResidualCache, dstate_T=None) -> BPTTResult:
        """Backpropagation through time. dH (T, B, H) = dL/dh_t from the loss at each step;
        dstate_T (B, H) optional. Returns a :class:`~rnnlab.layers.base.BPTTResult`."""
        self._check_cache(cache, GatedResidualCache)
        X, h0, A, F, H = cache.X, cache.h0, cache.A, cache.F, cache.H
        T, B, Hn = H.shape
        dH = self._check_dH(dH, H.shape)
        (dh_next,) = self._check_dstate(dstate_T, B)
        p, df = self.params, self.activation.df
        H_prev = np.concatenate([h0[None], H[:-1]])  # (T, B, H): h_{t-1}
        dZ, dZ_f, dH_total = (np.empty_like(H) for _ in range(3))
        for t in reversed(range(T)):
            dh = dH[t] + dh_next  # total dL/dh_t
            dH_total[t] = dh
            if self.coupled:  # h_t = f_t ⊙ h_{t-1} + (1 - f_t) ⊙ g(z_t)
                dZ[t] = dh * (1 - F[t]) * df(A[t])
                dZ_f[t] = dh * (H_prev[t] - A[t]) * F[t] * (1 - F[t])
            else:  # h_t = f_t ⊙ h_{t-1} + g(z_t)
                dZ[t] = dh * df(A[t])  # through g
                dZ_f[t] = dh * H_prev[t] * F[t] * (1 - F[t])  # through f_t, then sigma
            dh_next = dh * F[t] + dZ[t] @ p["U"] + dZ_f[t] @ p["U_f"]
        X2, Hp2 = X.reshape(T * B, -1), H_prev.reshape(T * B, Hn)
        grads = {}
        for s, d in (("", dZ), ("_f", dZ_f)):
            d2 = d.reshape(T * B, Hn)
            grads[f"W{s}"], grads[f"U{s}"], grads[f"b{s}"] = d2.T @ X2, d2.T @ Hp2, d2.sum(0)
        grads = {name: grads[name] for name in p}
        dX = dZ @ p["W"] + dZ_f @ p["W_f"]  # (T, B, D)
        return BPTTResult(dX, dh_next, grads, dH_total)


class NormalizedResidualCache(NamedTuple):
    """Forward record of :class:`NormalizedResidualRNN`: X (T, B, D); h0 (B, H);
    A (T, B, H) the increments g(z_t); R (T, B, 1) the rms(v_t); H (T, B, H); owner: the
    token of the layer that made it (``bptt`` accepts only its own caches)."""

    X: np.ndarray
    h0: np.ndarray
    A: np.ndarray
    R: np.ndarray
    H: np.ndarray
    owner: object = None


class NormalizedResidualRNN(RNN):
    """The residual update (6.50) followed by a normalisation of the state.

        v_t = h_{t-1} + g(U h_{t-1} + W x_t + b),   h_t = v_t / r_t,
        r_t = sqrt(mean_j v_{t,j}**2 + eps),
        dh_t/dv_t = (I - h_t h_t^T / H) / r_t     (exactly, eps included),

    so every h_t has root-mean-square 1 (||h_t|| = sqrt(H)): the state cannot grow, and
    the radial direction, in which (6.50) accumulates, is projected out of the gradient.
    Same parameters as :class:`~rnnlab.layers.rnn.RNN`; ``eps`` (default 1e-8) keeps r_t > 0.
    """

    def __init__(self, input_size: int, hidden_size: int, *, rng: np.random.Generator,
                 activation: str = "tanh", eps: float = 1e-8, dtype=np.float64):
        super().__init__(input_size, hidden_size, rng=rng, activation=activation, dtype=dtype)
        if not eps > 0:
            raise ValueError(f"eps must be a positive number; got {eps!r}")
        self.eps = float(eps)

    def forward(self, X: np.ndarray, state=None) -> tuple[np.ndarray, NormalizedResidualCache]:
        """X (T, B, D), state None or h0 (B, H) -> H (T, B, H) and the cache."""
        X = self._check_X(X)
        T, B, _ = X.shape
        (h0,) = self._check_state(state, B)
        p, g = self.params, self.activation.f
        WX = X @ p["W"].T + p["b"]  # (T, B, H)
        A, H = np.empty((T, B, self.hidden_size), self.dtype), np.empty_like(WX)
        R = np.empty((T, B, 1), self.dtype)
        h = h0
        for t in range(T):
            A[t] = g(WX[t] + h @ p["U"].T)
            v = h + A[t]  # the residual update (6.50)
            R[t] = np.sqrt(np.mean(v * v, axis=1, keepdims=True) + self.eps)
            h = v / R[t]  # normalised: rms(h_t) = 1
            H[t] = h
        return H.copy(), NormalizedResidualCache(X, h0, A, R, H, self._token)

    def final_state(self, cache: NormalizedResidualCache) -> np.ndarray:
        """h_T (B, H), from a cache made by this layer's forward."""
        check_cache(self, cache, NormalizedResidualCache)
        return cache.H[-1].copy()

    def bptt(self, dH: np.ndarray, cache: NormalizedResidualCache, dstate_T=None,
             ) -> BPTTResult:
        """Backpropagation through time (see :class:`GatedResidualRNN.bptt`)."""
        self._check_cache(cache, NormalizedResidualCache)
        X, h0, A, R, H = cache.X, cache.h0, cache.A, cache.R, cache.H
        T, B, Hn = H.shape
        dH = self._check_dH(dH, H.shape)
        (dh_next,) = self._check_dstate(dstate_T, B)
        U, df = self.params["U"], self.activation.df
        dZ, dH_total = np.empty_like(H), np.empty_like(H)
        for t in reversed(range(T)):
            dh = dH[t] + dh_next
            dH_total[t] = dh
            dv = (dh - H[t] * np.mean(H[t] * dh, axis=1, keepdims=True)) / R[t]  # normalisation
            dZ[t] = dv * df(A[t])  # through g
            dh_next = dv + dZ[t] @ U  # identity path + recurrent path
        H_prev = np.concatenate([h0[None], H[:-1]])
        dZ2 = dZ.reshape(T * B, Hn)
        grads = {"W": dZ2.T @ X.reshape(T * B, -1), "U": dZ2.T @ H_prev.reshape(T * B, Hn),
                 "b": dZ2.sum(axis=0)}
        return BPTTResult(dZ @ self.params["W"], dh_next, grads, dH_total)


LABELS = ("(6.50) residual", "forget gate", "coupled gate", "simple RNN")


def grad_norm_comparison(scale: float, T: int, *, H: int = 16, D: int = 4, B: int = 8,
                         forget_bias: float = 2.0, input_scale: float = 0.5,
                         seed: int = 0) -> dict:
    """||dL_T/dh_k|| for k = 1..T under (6.50), its two gated forms and the simple RNN.

    Every layer gets the same U = ``scale`` times a random (H, H) matrix of spectral
    radius 1 (so ``scale`` is the spectral radius of U), the same W, b and the same inputs
    X (T, B, D) ~ ``input_scale`` N(0, 1); g = f = tanh. The gated layers
    (:class:`GatedResidualRNN`, uncoupled and coupled) share W_f, U_f and have
    b_f = ``forget_bias``. Returns a dict label -> (T,) norms from
    :func:`rnnlab.grad.diagnostics.state_grad_norms`, with the labels of :data:`LABELS`.
    """
    T = check_positive_int(T, "T")
    rng = np.random.default_rng(seed)
    U = recurrent_matrix(H, rng, spectral_radius=scale)
    X = input_scale * rng.standard_normal((T, B, D))
    residual = ResidualRNN(D, H, rng=rng)
    forget = GatedResidualRNN(D, H, rng=rng, forget_bias=forget_bias)
    coupled = GatedResidualRNN(D, H, rng=rng, forget_bias=forget_bias, coupled=True)
    layers = dict(zip(LABELS, (residual, forget, coupled, RNN(D, H, rng=rng)), strict=True))
    for layer in layers.values():
        for name, p in layer.params.items():
            p[:] = U if name == "U" else (forget.params[name] if name.endswith("_f")
                                          else residual.params[name])
    return {name: state_grad_norms(layer, X) for name, layer in layers.items()}


def damped_antisymmetric(
    hidden_size: int, rng: np.random.Generator, *, rotation: float,
    margin: float = 1e-3,
) -> np.ndarray:
    """U (H, H) = rotation * A - eps * I, with I + U a contraction.

    A = (M - M^T) / rho(M - M^T), M (H, H) ~ N(0, 1) drawn from
    ``rng``, is antisymmetric with spectral radius 1: its eigenvalues
    are +-i beta_j with max_j beta_j = 1. U is normal, with
    eigenvalues -eps +- i rotation beta_j, so the factor I + U of
    (6.50) with a linear g has eigenvalues
    1 - eps +- i rotation beta_j and

        ||I + U||_2 = rho(I + U) = sqrt((1 - eps)**2 + rotation**2).

    With room = sqrt(1 - rotation**2), this is <= 1 iff rotation <= 1
    and 1 - room <= eps <= 1 + room: the damping must grow with the
    rotation (the lower bound is about rotation**2 / 2), and no
    damping works once rotation > 1 (the AntisymmetricRNN of Chang et
    al., ICLR 2019, keeps the rotation small by multiplying the whole
    increment by a step size). The damping used is
    eps = 1 - room + ``margin``; ``rotation`` must lie in [0, 1] and
    ``margin`` in [0, 2 room], and then

        ||I + U||_2 = sqrt(1 - 2 margin room + margin**2) <= 1

    (< 1 for 0 < margin and rotation < 1).
    """
    H = check_positive_int(hidden_size, "hidden_size")
    if H < 2:
        raise ValueError("hidden_size must be at least 2 for an "
                         f"antisymmetric A; got {H}")
    if not 0 <= rotation <= 1:
        raise ValueError("rotation must lie in [0, 1]: for rotation "
                         "> 1 no damping keeps I + U inside the "
                         f"unit disc; got {rotation!r}")
    room = np.sqrt(1 - rotation**2)
    if not 0 <= margin <= 2 * room:
        raise ValueError("margin must lie in [0, 2 sqrt(1 - "
                         f"rotation**2)] = [0, {2 * room:.3g}] for "
                         f"rotation {rotation!r}; got {margin!r}")
    M = rng.standard_normal((H, H))
    # antisymmetric, with spectral radius 1
    A = (M - M.T) / np.abs(np.linalg.eigvals(M - M.T)).max()
    return rotation * A - (1 - room + margin) * np.eye(H)
