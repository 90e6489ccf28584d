"""The figures of the character-language-model chapter: learning curves, the share of the
closing probability on the correct bracket, and the next-character distribution.

Shape legend: ``S`` validation points of a run, ``J`` distance bins (``J + 1`` edges),
``V`` vocabulary size.

Every helper draws on the ``ax`` it is given (or a new one when ``ax is None``), labels its
axes and returns the axes; none of them changes matplotlib's global settings or calls
``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .plots import new_axes

__all__ = ["plot_learning_curves", "plot_closer_shares", "bin_centres", "plot_next_char"]


def plot_learning_curves(runs: Mapping, n_train: int, baselines: Mapping[str, float], h: float,
                         *, hidden: Mapping[str, int] | None = None, n_blocks: int = 50,
                         ylim=None, ax=None):
    """Training loss and validation bpc of each run against the characters read.

    ``runs`` name -> :class:`~rnnlab.book.lm.LMRun` over ``n_train`` training characters: a faint
    line of the training loss in bits per character, averaged over about ``n_blocks``
    blocks of steps, and dots joined by a line at the validation points (``chars_seen``,
    ``val_bpc``), one colour per run. ``baselines`` label -> validation bpc, gray
    horizontal lines (dotted, dash-dotted, dashed, ... in order); ``h`` the floor, black.
    ``hidden`` name -> H adds the hidden size to the labels; ``ylim`` (low, high) bpc.
    """
    ax = new_axes(ax)
    hidden = hidden or {}
    for i, (name, run) in enumerate(runs.items()):
        loss = np.asarray(run.history.loss) / np.log(2)  # nats -> bits
        steps = loss.size
        k = max(1, steps // n_blocks)  # average blocks of k steps
        smooth = loss[: steps // k * k].reshape(-1, k).mean(axis=1)
        chars = np.arange(1, steps + 1) * n_train / steps  # characters read after each step
        ax.plot(chars[k - 1::k][: len(smooth)], smooth, color=f"C{i}", alpha=0.45, lw=1)
        label = f"{name} (H = {hidden[name]})" if name in hidden else name
        ax.plot(run.chars_seen, run.val_bpc, "o-", color=f"C{i}", ms=4,
                label=f"{label}: validation")
    for (label, bpc), style in zip(baselines.items(), [":", "-.", "--", (0, (5, 1, 1, 1))],
                                   strict=False):
        ax.axhline(bpc, color="gray", ls=style, lw=1.2, label=label)
    ax.axhline(h, color="k", lw=1.5, label=f"entropy rate h = {h:.3f} (floor)")
    ax.set(xlabel="training characters read", ylabel="bits per character",
           xlim=(0, n_train * 1.01), ylim=ylim)
    ax.legend(fontsize=8, ncol=2, loc="upper right")
    ax.grid(alpha=0.3)
    return ax


def bin_centres(edges) -> np.ndarray:
    """Geometric centres (J,) of the bins ``edges[j] <= d < edges[j + 1]`` of integers d."""
    edges = np.asarray(edges, np.float64)
    return np.sqrt(edges[:-1] * np.maximum(edges[1:] - 1, edges[:-1]))


def plot_closer_shares(shares: Mapping, edges, *, baselines: Mapping[str, str] | None = None,
                       hidden: Mapping[str, int] | None = None, truncation: int | None = None,
                       window: tuple[float, str] | None = None, ax=None):
    """The share of the closing probability on the correct bracket against the distance.

    ``shares`` name -> ``(mean (J,), standard error (J,), counts (J,))`` from
    :func:`rnnlab.book.lm.binned_mean` over the bins ``edges`` (J + 1,): one line with error
    bars of two standard errors per model, in colour. ``baselines`` name -> line style
    draws those entries of ``shares`` in gray without error bars (the n-gram models); the
    source's share, 1, is a black line. ``truncation`` (T) marks the truncation length
    and ``window`` = (distance, label) an n-gram's window, with labelled vertical lines.
    Log distance axis, shares from 0.74 to 1.01.
    """
    ax = new_axes(ax)
    baselines, hidden = baselines or {}, hidden or {}
    centres = bin_centres(edges)
    models = [name for name in shares if name not in baselines]
    for i, name in enumerate(models):
        mean, se, _ = shares[name]
        label = f"{name} (H = {hidden[name]})" if name in hidden else name
        ax.errorbar(centres, mean, yerr=2 * np.asarray(se), fmt="o-", color=f"C{i}", ms=4,
                    capsize=2, label=label)
    for name, style in baselines.items():
        ax.plot(centres, shares[name][0], style, color="gray", marker=".", label=name)
    ax.axhline(1.0, color="k", lw=1, label="the source (oracle)")
    lo = 0.74
    if truncation is not None:
        ax.axvline(truncation, color="C3", lw=1, alpha=0.6)
        ax.text(truncation * 1.03, lo + 0.02, f"truncation T = {truncation}", color="C3",
                fontsize=8)
    if window is not None:
        ax.axvline(window[0], color="gray", lw=1, alpha=0.6)
        ax.text(window[0] * 1.04, lo + 0.02, window[1], color="gray", fontsize=8)
    ax.set(xscale="log", xlabel="distance from the closer back to its opener (characters)",
           ylabel="share of closing probability\non the correct bracket", ylim=(lo, 1.01))
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    return ax


def plot_next_char(ax, q, chars: str, *, p_true=None, label: str = "model",
                   title: str = "", text: str | None = None, width: int = 60):
    """A next-character distribution q (V,) as bars over the characters ``chars`` (V).

    ``p_true`` (V,) draws the true distribution as black ticks; ``text`` is written in a
    monospace font under the axes, ``width`` characters a line.
    """
    ax = new_axes(ax)
    x = np.arange(len(chars))
    ax.bar(x, q, color="C0", alpha=0.8, label=label)
    if p_true is not None:
        ax.plot(x, p_true, "_", color="k", ms=22, mew=2, label="true p")
    ax.set(xticks=x, xticklabels=list(chars), ylim=(0, 1.02), ylabel="P(next character)",
           title=title)
    ax.legend(loc="upper left", fontsize=8)
    if text is not None:
        lines = [text[i:i + width] for i in range(0, len(text), width)]
        ax.text(0.0, -0.2, "\n".join(lines), transform=ax.transAxes, family="monospace",
                fontsize=9, va="top")
    return ax
