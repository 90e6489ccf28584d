"""Vanishing and exploding gradients of the simple RNN against the distance: chapter 2's slider.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

For z_k = U h_{k-1} + W x_k + b, h_k = f(z_k) (NNDL (6.5)–(6.6)) and a loss on the last step
only, the error reaching step k is the product of NNDL (6.47), and every factor satisfies
||diag(f'(z_i)) U^T||_2 <= gamma_f sigma_1 with gamma_f = sup |f'| and sigma_1 = ||U||_2, so

    ||dL_T/dh_k|| <= (gamma_f sigma_1)^(T-k) ||dL_T/dh_T||        (the bound of NNDL (6.48)).

:func:`grad_profile` measures the left side for a network whose U has every singular value
equal to ``sigma_1`` and returns the right side with it; :func:`draw_profile` plots both.
"""

from __future__ import annotations

import numpy as np

from .diagnostics import product_bound, recurrent_matrix, state_grad_norms
from .plots import plot_grad_norms, set_decade_ticks
from .rnn import RNN

__all__ = ["grad_profile", "draw_profile"]


def grad_profile(sigma_1, activation, T, input_scale, H=32, D=4, B=16):
    """||dL_T/dh_k|| for k = 1..T and the bound (gamma_f sigma_1)^(T-k), for one network.

    The RNN (D inputs, H units, ``activation``) is drawn from ``default_rng(0)``, then
    U = sigma_1 Q with Q random orthogonal (every singular value of U is sigma_1) and b = 0;
    the inputs X (T, B, D) are ``input_scale`` times standard normal from ``default_rng(1)``.
    Returns a dict: ``norms`` (T,) the batch-mean ||dL_T/dh_k|| with ||dL_T/dh_T|| = 1
    (:func:`rnnlab.diagnostics.state_grad_norms`), ``bound`` (T,), and ``gamma`` = gamma_f.
    Raises ``AssertionError`` if a norm exceeds its bound (it cannot, up to rounding).
    """
    rng = np.random.default_rng(0)
    layer = RNN(D, H, rng=rng, activation=activation)
    layer.params["U"][:] = recurrent_matrix(H, rng, sigma_max=sigma_1, kind="orthogonal")
    layer.params["b"][:] = 0
    X = input_scale * np.random.default_rng(1).standard_normal((T, B, D))
    norms = state_grad_norms(layer, X)                      # (T,), norms[-1] = 1
    bound = product_bound(layer.activation.gamma, sigma_1, T)
    assert np.all(norms <= bound * (1 + 1e-9)), "the bound (eq-ch2-bound) is violated"
    return {"norms": norms, "bound": bound, "gamma": layer.activation.gamma}


def draw_profile(ax, data, sigma_1, activation, T, input_scale):
    """Draw one :func:`grad_profile` on ``ax``: the norms, the dashed bound, and the regime.

    Plain-text labels and fixed decade ticks (10^-30..10^30, or 10^-15..10^15 for T <= 50)
    keep a slider frame fast. Returns ``ax``.
    """
    plot_grad_norms(ax, data["norms"], label="‖∂L_T/∂h_k‖", bound=data["bound"],
                    bound_label="bound (γ_f σ₁)^(T−k)", lw=2, xlabel="step k",
                    ylabel="‖∂L_T/∂h_k‖")             # plain text: fast to draw
    ax.axhline(1, color="0.6", lw=0.8, ls=":")
    lim = 30 if T > 50 else 15
    set_decade_ticks(ax, -lim, lim, lim // 3)               # fixed, fast tick labels
    ax.set_xlim(1, T)
    g = data["gamma"] * sigma_1
    regime = ("vanishing guaranteed" if g < 1 else
              "cannot grow" if g == 1 else "explosion possible, not guaranteed")
    ax.set_title(f"{activation}, σ₁ = {sigma_1:g}, γ_f σ₁ = {g:.3g}: {regime}", fontsize="medium",
                 y=1.0)                                     # a fixed title position is faster
    ax.legend(fontsize="small", loc="lower right")
    return ax
