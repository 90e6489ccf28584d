"""Vanishing and exploding gradients of the simple RNN against the distance: chapter 2's slider.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

For z_k = U h_{k-1} + W x_k + b, h_k = f(z_k) (NNDL (6.5)–(6.6)) and a loss on the last step
only, the error reaching step k is the product of NNDL (6.47), and every factor satisfies
||diag(f'(z_i)) U^T||_2 <= gamma_f sigma_1 with gamma_f = sup |f'| and sigma_1 = ||U||_2, so

    ||dL_T/dh_k|| <= (gamma_f sigma_1)^(T-k) ||dL_T/dh_T||        (the bound of NNDL (6.48)).

:func:`norms_and_bound` measures the left side for a network whose U has every singular value
equal to ``sigma_1`` and returns the right side with it; :func:`draw_profile` plots both.
"""

from __future__ import annotations

import numpy as np

from ..grad.diagnostics import product_bound, state_grad_norms
from ..layers.cells import make_cell
from ..viz.plots import plot_grad_norms, set_decade_ticks

__all__ = ["norms_and_bound", "draw_profile"]


def norms_and_bound(sigma_1, activation, T, input_scale, H=32, D=4, B=16, *,
                    seed=0):
    """||dL_T/dh_k|| for k = 1..T and its bound (gamma_f sigma_1)^(T-k).

    The RNN (D inputs, H units, ``activation``) is drawn from
    ``default_rng(seed)`` with U = sigma_1 Q, Q random orthogonal (every
    singular value of U is sigma_1), and b = 0; the inputs X (T, B, D) are
    ``input_scale`` times standard normal from ``default_rng(seed + 1)``.
    Returns a dict: ``norms`` (T,) the batch-mean ||dL_T/dh_k|| with
    ||dL_T/dh_T|| = 1 (:func:`rnnlab.grad.diagnostics.state_grad_norms`),
    ``bound`` (T,), and ``gamma`` = gamma_f.
    """
    layer = make_cell("RNN", D, H, np.random.default_rng(seed),
                      sigma_1=sigma_1, flat=True, activation=activation)
    layer.params["b"][:] = 0
    X = (input_scale
         * np.random.default_rng(seed + 1).standard_normal((T, B, D)))
    norms = state_grad_norms(layer, X)  # (T,), norms[-1] = 1
    bound = product_bound(layer.activation.gamma, sigma_1, T)
    return {"norms": norms, "bound": bound, "gamma": layer.activation.gamma}


def draw_profile(ax, data, sigma_1, activation, T, input_scale):
    """Draw one :func:`norms_and_bound` on ``ax``: the norms, the dashed bound, and the regime.

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
