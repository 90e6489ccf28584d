"""Small plotting helpers shared by the chapters: gradient norms, training curves, activations.

Shape legend: ``T`` steps; norms are indexed by the step k = 1..T (entry ``k - 1``).

Every helper draws on the ``ax`` it is given (or a new one when ``ax is None``), labels its
axes, and returns the axes; none of them changes matplotlib's global settings or calls
``plt.show()``. Values that a log scale cannot show (zero, negative, NaN or inf — a
gradient that vanished to 0 or overflowed) are left out of the line rather than plotted.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator

from ..layers.activations import get_activation

__all__ = ["new_axes", "plot_grad_norms", "plot_curves", "plot_activation", "set_decade_ticks",
           "plot_steps_back", "plot_depth_time"]


def new_axes(ax=None, figsize=None):
    """``ax`` itself, or new axes (of ``figsize``, if given) when ``ax`` is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _positive(y) -> np.ndarray:
    """y as float64 with every entry a log axis cannot show replaced by NaN (a gap)."""
    y = np.array(y, dtype=np.float64)
    y[~np.isfinite(y) | (y <= 0)] = np.nan
    return y


def plot_grad_norms(ax, norms, *, label: str | None = None, bound=None,
                    bound_label: str | None = None, color=None,
                    ylabel: str = r"$\|\partial \mathcal{L}_T / \partial \mathbf{h}_k\|$",
                    xlabel: str = "step $k$", **line_kw):
    """Gradient norms against the step k on a log scale; optionally a bound, dashed.

    norms (T,) with entry k - 1 for step k (e.g. :func:`rnnlab.grad.diagnostics.state_grad_norms`),
    or (L, T) for one line per row (a stacked layer; ``label`` is then a list of L labels).
    ``bound`` (T,) e.g. :func:`rnnlab.grad.diagnostics.product_bound` times ||dL_T/dh_T||, drawn
    dashed in the same colour. ``line_kw`` go to ``ax.plot``. Labels with ``$...$`` are
    typeset by mathtext, which is slow to lay out: a slider frame should pass plain-text
    ``xlabel``/``ylabel`` (e.g. "‖∂L_T/∂h_k‖"). Returns ``ax``.
    """
    ax = new_axes(ax)
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim not in (1, 2) or norms.shape[-1] == 0:
        raise ValueError(f"norms must have shape (T,) or (L, T); got {norms.shape}")
    rows = norms[None] if norms.ndim == 1 else norms
    labels = [label] if norms.ndim == 1 else (label or [None] * len(rows))
    if len(labels) != len(rows):
        raise ValueError(f"label must be a list of {len(rows)} labels for norms of shape "
                         f"{norms.shape}; got {label!r}")
    k = np.arange(1, rows.shape[1] + 1)
    for row, lab in zip(rows, labels, strict=True):
        (line,) = ax.plot(k, _positive(row), label=lab, color=color, **line_kw)
    if bound is not None:
        bound = np.asarray(bound, dtype=np.float64)
        if bound.shape != (rows.shape[1],):
            raise ValueError(f"bound must have shape (T={rows.shape[1]},); got {bound.shape}")
        ax.plot(k, _positive(bound), ls="--", lw=1.2, color=line.get_color(),
                label=bound_label)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def set_decade_ticks(ax, lo: int, hi: int, step: int = 1, *, axis: str = "y"):
    """A log axis from 10**lo to 10**hi with plain-text ticks every ``step`` decades.

    Sets the limits, puts major ticks at 10**lo, 10**(lo + step), ... labelled ``1e-30``
    style, and removes the minor ticks. Matplotlib's default log ticks are typeset with
    mathtext, which dominates the drawing time of a slider frame over a wide range; these
    cost a fraction of that. Returns ``ax``.
    """
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y'; got {axis!r}")
    if not (isinstance(step, int) and step > 0 and lo < hi):
        raise ValueError(f"need lo < hi and a positive int step; got {lo}, {hi}, {step}")
    exps = list(range(lo, hi + 1, step))
    target = ax.yaxis if axis == "y" else ax.xaxis
    (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    (ax.set_ylim if axis == "y" else ax.set_xlim)(10.0**lo, 10.0**hi)
    target.set_major_locator(FixedLocator([10.0**e for e in exps]))
    target.set_major_formatter(FixedFormatter([f"1e{e}" for e in exps]))
    target.set_minor_locator(NullLocator())
    return ax


def plot_curves(ax, curves: Mapping[str, np.ndarray], *, x=None, log: bool = False,
                baseline: float | None = None, baseline_label: str = "baseline",
                xlabel: str = "training step", ylabel: str = "loss", **line_kw):
    """Several curves of the same quantity, one per entry of ``curves`` (label -> (n,)).

    ``x`` (n,) the common abscissa (default 0..n-1 per curve); ``log`` a log y axis;
    ``baseline`` a horizontal dotted reference line (e.g. the loss of chance). Returns ``ax``.
    """
    ax = new_axes(ax)
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError("curves must be a non-empty dict label -> array")
    for lab, y in curves.items():
        y = np.asarray(y, dtype=np.float64)
        xs = np.arange(len(y)) if x is None else np.asarray(x)[:len(y)]
        ax.plot(xs, _positive(y) if log else y, label=lab, **line_kw)
    if baseline is not None:
        ax.axhline(baseline, color="0.4", ls=":", lw=1, label=baseline_label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_activation(ax, name: str, *, z=None, derivative: bool = True):
    """f(z) and, dashed, f'(z) for an activation of :mod:`rnnlab.layers.activations` by name.

    ``z`` (n,) the pre-activations (default 401 points in [-6, 6]). The derivative is the
    library's own ``df`` evaluated through a = f(z), so the plot shows what BPTT uses;
    a dotted line marks gamma = sup |f'|. Returns ``ax``.
    """
    ax = new_axes(ax)
    act = get_activation(name)
    z = np.linspace(-6, 6, 401) if z is None else np.asarray(z, dtype=np.float64)
    a = act.f(z)
    (line,) = ax.plot(z, a, label=f"{name}$(z)$")
    if derivative:
        ax.plot(z, act.df(a), ls="--", color=line.get_color(), label=f"{name}$'(z)$")
        ax.axhline(act.gamma, color="0.5", ls=":", lw=1)
    ax.set_xlabel("pre-activation $z$")
    ax.set_ylabel("value")
    return ax


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def plot_steps_back(ax, back, lines, *, xmax: float, title: str = "",
                    ylim: tuple = (1e-18, 1e12), decades=(-16, -8, 0, 8)):
    """Norms against the number of steps back, T - k, on the same log axes in every frame.

    A slider frame of chapters 3-4. ``back`` (T,) the steps back T - k for k = 1..T;
    ``lines`` a list of ``(y, label, style)``: y (T,) the norms, ``style`` a dict of
    ``ax.plot`` keywords (colour, width, dashes). The y axis spans ``ylim`` with ticks at
    10**d for d in ``decades``, labelled in plain text ("10⁻⁸": mathtext would dominate the
    frame time), the x axis 0..``xmax``. Values a log axis cannot show are left out.
    Returns ``ax``.
    """
    back = np.asarray(back)
    for y, label, style in lines:
        if np.shape(y) != back.shape:
            raise ValueError(f"every y must have the shape of back {back.shape}; "
                             f"got {np.shape(y)} for {label!r}")
        ax.plot(back, _positive(y), label=label, **style)
    ax.set_yscale("log")
    ax.set_ylim(*ylim)
    ax.set_yticks([10.0**d for d in decades],
                  ["10" + str(d).translate(_SUPERSCRIPT) for d in decades])
    ax.minorticks_off()
    ax.set_xlim(0, xmax)
    ax.set_xlabel("steps back, T − k")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower left", fontsize=8, frameon=False)
    return ax


def plot_depth_time(ax, norms, *, vmin: int = -14, vmax: int = 1, title: str = ""):
    """A heat map of log10 ||dL_T/dh_k^(l)|| over layers (rows, bottom layer at the bottom)
    and steps k (columns), with a colour bar; a slider frame of chapter 5.

    ``norms`` (L, T), e.g. :func:`rnnlab.book.deep.depth_time_norms`. The colour scale is fixed
    at 10**vmin..10**vmax so frames can be compared; the bar is an inset image (cheaper than
    ``fig.colorbar``) with plain-text ticks every 4 decades. Returns ``ax``.
    """
    norms = np.asarray(norms, dtype=np.float64)
    if norms.ndim != 2 or 0 in norms.shape:
        raise ValueError(f"norms must have shape (L, T); got {norms.shape}")
    L, T = norms.shape
    colour = {"cmap": "viridis", "vmin": vmin, "vmax": vmax, "origin": "lower",
              "aspect": "auto"}
    with np.errstate(divide="ignore"):
        ax.imshow(np.log10(norms), extent=(0.5, T + 0.5, 0.5, L + 0.5),
                  interpolation="nearest", **colour)
    cax = ax.inset_axes([1.03, 0.0, 0.035, 1.0])
    cax.imshow(np.linspace(vmin, vmax, 64)[:, None], extent=(0, 1, vmin, vmax), **colour)
    cax.set_xticks([])
    cax.yaxis.tick_right()
    ticks = list(range(4 * (vmax // 4), vmin - 1, -4))[::-1]  # multiples of 4 in range
    cax.set_yticks(ticks, ["1" if d == 0 else f"1e{d}" for d in ticks])
    cax.set_title("‖∂L_T/∂h_k^(l)‖", fontsize="small", loc="left")
    ax.set_yticks(range(1, L + 1))
    ax.set(xlabel="step k", ylabel="layer l (1 = bottom)", title=title)
    return ax
