"""Saturation: how large weights push a simple RNN's net inputs onto the flat tails of f.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

For z_t = U h_{t-1} + W x_t + b, h_t = f(z_t) (NNDL (6.5)–(6.6)), every step of BPTT
multiplies the error by diag(f'(z_t)), and f' <= gamma_f = sup |f'| (1 for tanh, 1/4 for the
logistic function). A unit is *saturated* when f'(z) < gamma_f / 10: then it passes almost
no gradient. :func:`saturation` scales all weights of an RNN and measures how many units
are; :func:`draw_saturation` draws the histogram of the net inputs against f'/gamma_f
(chapter 1's slider).
"""

from __future__ import annotations

import numpy as np

from ..layers.activations import get_activation
from ..layers.rnn import RNN

__all__ = ["saturation", "draw_saturation"]


def saturation(scale: float, activation: str, X: np.ndarray, H: int = 32, *,
               seed: int = 0) -> dict:
    """Net inputs on X of an RNN with W, U, b all multiplied by ``scale``.

    X (T, B, D); the RNN (D inputs, H units, ``activation``) is drawn from
    ``default_rng(seed)``, so every slider frame scales the same network.
    Returns a dict: ``counts`` (80,) and ``edges`` (81,), the density
    histogram of all z_t, clipped to +-5 (tanh) or +-10 (logistic) so that
    values beyond the axis pile up at its ends; ``gamma`` = gamma_f;
    ``saturated``, the fraction of all (t, sequence, unit) with
    f'(z) < gamma_f / 10; ``mean_slope``, the mean of f'(z) / gamma_f.
    """
    D = X.shape[-1]
    layer = RNN(D, H, rng=np.random.default_rng(seed), activation=activation)
    for p in layer.params.values():
        p *= scale
    Hs, _ = layer.forward(X)
    # h_(t-1), (T, B, H)
    H_prev = np.concatenate([np.zeros_like(Hs[:1]), Hs[:-1]])
    # (6.5) the net inputs z_t, (T, B, H)
    Z = (X @ layer.params["W"].T + H_prev @ layer.params["U"].T
         + layer.params["b"])
    act = layer.activation
    slope = act.df(act.f(Z))  # f'(z_t)
    edge = 5.0 if activation == "tanh" else 10.0
    counts, edges = np.histogram(np.clip(Z, -edge, edge), bins=80,
                                 range=(-edge, edge), density=True)
    return {"counts": counts, "edges": edges, "gamma": act.gamma,
            "saturated": float(np.mean(slope < act.gamma / 10)),
            "mean_slope": float(slope.mean() / act.gamma)}


def draw_saturation(ax, data: dict, scale: float, activation: str):
    """Draw one :func:`saturation` result: histogram (peak 1), f'(z)/gamma_f, saturated region.

    Plain-text labels and fixed ticks keep a slider frame fast. Returns ``ax``.
    """
    act, edges = get_activation(activation), data["edges"]
    counts = data["counts"] / data["counts"].max()
    ax.stairs(counts, edges, fill=True, color="C0", alpha=0.6, label="net inputs (peak = 1)")
    zz = np.linspace(edges[0], edges[-1], 301)
    slope = act.df(act.f(zz)) / act.gamma
    ax.plot(zz, slope, color="C1", lw=1.8, label="f′(z) / γ_f")
    ax.fill_between(zz, 0, 1.08, where=slope < 0.1, color="C3", alpha=0.12, lw=0,
                    label="saturated: f′ < γ_f/10")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, 1.08)
    ax.set_xticks(np.linspace(edges[0], edges[-1], 5))      # fixed ticks: faster frames
    ax.set_yticks([0, 0.5, 1])
    ax.set_xlabel("net input z")
    ax.set_ylabel("histogram · f′(z)/γ_f")
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(f"{activation}, weights × {scale:g}: {data['saturated']:.0%} saturated, "
                 f"mean f′/γ_f = {data['mean_slope']:.2f}", fontsize="medium", y=1.0)
    return ax
