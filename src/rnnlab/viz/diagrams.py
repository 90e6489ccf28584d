"""Diagrams drawn by the project with matplotlib: the unrolled simple RNN and the I/O patterns.

Shape legend: ``T`` steps (columns of a diagram).

Every node is a rounded box whose ``gid`` says what it is — ``"node-x"`` (an input x_t),
``"node-h"`` (a hidden state h_t), ``"node-h0"`` (the initial state) or ``"node-y"`` (an
output y_t) — so a test (or a reader with the SVG) can count them. The functions draw on
the axes they are given, turn the axes frame off and return the axes; nothing global is
changed.
"""

from __future__ import annotations

from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from .plots import new_axes

__all__ = ["draw_unrolled_rnn", "Pattern", "PATTERNS", "draw_io_pattern", "draw_io_patterns"]

_COLORS = {"x": "#dbe9f6", "h": "#fde3c8", "h0": "#eeeeee", "y": "#dcefd9"}
_W, _H = 0.78, 0.5  # box width and height in data units


def _box(ax, x, y, text, kind, fontsize=11):
    patch = FancyBboxPatch((x - _W / 2, y - _H / 2), _W, _H, boxstyle="round,pad=0.03",
                           fc=_COLORS[kind], ec="0.25", lw=1.0, zorder=2)
    patch.set_gid(f"node-{kind}")
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=3)


def _arrow(ax, p, q, label=None, *, dashed=False, rad=0.0, label_offset=(0.0, 0.0),
           fontsize=9):
    ax.add_patch(FancyArrowPatch(p, q, arrowstyle="-|>", mutation_scale=11, lw=1.0,
                                 color="0.2", ls="--" if dashed else "-",
                                 connectionstyle=f"arc3,rad={rad}", zorder=1,
                                 shrinkA=0, shrinkB=0))
    if label:
        mx, my = (p[0] + q[0]) / 2 + label_offset[0], (p[1] + q[1]) / 2 + label_offset[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=fontsize, color="0.15",
                zorder=3, bbox={"fc": "white", "ec": "none", "pad": 0.5})


def _self_loop(ax, x, y):
    """The recurrent edge U: out of the box's right side and back in through its top."""
    verts = [(x + _W / 2, y), (x + _W / 2 + 0.75, y), (x + 0.45, y + 1.05),
             (x + 0.2, y + _H / 2)]
    path = Path(verts, [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
    ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=11, lw=1.0,
                                 color="0.2", zorder=1))
    ax.text(x + _W / 2 + 0.6, y + 0.55, r"$U$", fontsize=9, ha="center", va="center")


def _finish(ax, xmin, xmax, ymin, ymax):
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_unrolled_rnn(ax=None, T: int = 4, *, folded: bool = True, outputs: bool = True):
    """The simple RNN (6.5)–(6.6) folded (a cell with a self-loop U) and unrolled over T steps.

    Unrolled: h_0 -> h_1 -> ... -> h_T along the time axis, each arrow the *same* U; each
    x_t enters through the same W; with ``outputs`` each h_t gives y_t through V (6.9).
    Boxes drawn: T inputs, T hidden states, one h_0 and T outputs (if ``outputs``), plus
    one of each kind for the folded cell (if ``folded``). Returns ``ax``.
    """
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or not 1 <= T <= 12:
        raise ValueError(f"T must be an int between 1 and 12 (columns of the diagram); got {T!r}")
    ax = new_axes(ax, figsize=(1.6 + 1.25 * (T + 1) + (2.2 if folded else 0), 2.6))
    yx, yh, yy = 0.0, 1.25, 2.5
    x0 = 0.0
    if folded:
        _box(ax, 0, yx, r"$\mathbf{x}_t$", "x")
        _box(ax, 0, yh, r"$\mathbf{h}_t$", "h")
        _arrow(ax, (0, yx + _H / 2), (0, yh - _H / 2), r"$W$", label_offset=(0.2, 0))
        _self_loop(ax, 0, yh)
        if outputs:
            _box(ax, 0, yy, r"$\mathbf{y}_t$", "y")
            _arrow(ax, (0, yh + _H / 2), (0, yy - _H / 2), r"$V$", label_offset=(0.2, 0))
        _arrow(ax, (1.25, yh), (2.0, yh))
        ax.text(1.62, yh + 0.3, "unroll", ha="center", fontsize=9, color="0.3")
        x0 = 2.7
    step = 1.25
    _box(ax, x0, yh, r"$\mathbf{h}_0$", "h0")
    for t in range(1, T + 1):
        xc = x0 + step * t
        _box(ax, xc, yx, rf"$\mathbf{{x}}_{{{t}}}$", "x")
        _box(ax, xc, yh, rf"$\mathbf{{h}}_{{{t}}}$", "h")
        _arrow(ax, (xc, yx + _H / 2), (xc, yh - _H / 2), r"$W$", label_offset=(0.2, 0))
        _arrow(ax, (xc - step + _W / 2, yh), (xc - _W / 2, yh), r"$U$",
               label_offset=(0, 0.2))
        if outputs:
            _box(ax, xc, yy, rf"$\mathbf{{y}}_{{{t}}}$", "y")
            _arrow(ax, (xc, yh + _H / 2), (xc, yy - _H / 2), r"$V$", label_offset=(0.2, 0))
    ax.annotate("", xy=(x0 + step * T + 0.5, -0.6), xytext=(x0 - 0.4, -0.6),
                arrowprops={"arrowstyle": "->", "color": "0.5", "lw": 0.8})
    ax.text(x0 + step * T + 0.55, -0.6, "time", va="center", fontsize=8, color="0.4")
    return _finish(ax, -0.7 if folded else x0 - 0.6, x0 + step * T + 1.2,
                   -0.9, (yy if outputs else yh) + 0.5)


class Pattern(NamedTuple):
    """An input/output pattern: which of ``steps`` columns carry an input / an output.

    ``feedback``: the previous output is fed back as the next input (generation, the
    decoder of (6.24)); ``section``: NNDL's section; ``examples``: applications.
    """

    title: str
    steps: int
    inputs: tuple
    outputs: tuple
    feedback: bool
    section: str
    examples: str


PATTERNS = {
    "one-to-many": Pattern("one to many\n(sequence generation)", 4, (0,), (0, 1, 2, 3), True, "—",
                           "image captioning, music generation"),
    "many-to-one": Pattern("many to one\n(sequence to class)", 4, (0, 1, 2, 3), (3,), False,
                           "§6.3.1", "sentiment classification"),
    "synchronous": Pattern("synchronous\nmany to many", 4, (0, 1, 2, 3), (0, 1, 2, 3), False,
                           "§6.3.2", "tagging; language modelling"),
    "encoder-decoder": Pattern("asynchronous many to many\n(encoder–decoder)", 6, (0, 1, 2),
                               (3, 4, 5), True, "§6.3.3", "translation; speech recognition"),
}


def draw_io_pattern(ax, pattern: Pattern | str, *, caption: bool = True):
    """One pattern of :data:`PATTERNS` (by key or as a :class:`Pattern`). Returns ``ax``."""
    p = PATTERNS[pattern] if isinstance(pattern, str) else pattern
    ax = new_axes(ax, figsize=(3, 2.2))
    yx, yh, yy, step = 0.0, 1.15, 2.3, 1.2
    for c in range(p.steps):
        xc = c * step
        _box(ax, xc, yh, r"$\mathbf{h}$", "h", fontsize=9)
        if c:
            _arrow(ax, (xc - step + _W / 2, yh), (xc - _W / 2, yh))
        if c in p.inputs:
            _box(ax, xc, yx, r"$\mathbf{x}$", "x", fontsize=9)
            _arrow(ax, (xc, yx + _H / 2), (xc, yh - _H / 2))
        if c in p.outputs:
            _box(ax, xc, yy, r"$\mathbf{y}$", "y", fontsize=9)
            _arrow(ax, (xc, yh + _H / 2), (xc, yy - _H / 2))
            if p.feedback and c + 1 < p.steps:  # the output is the next step's input
                _arrow(ax, (xc + _W / 2, yy - 0.1), (xc + step - _W / 2, yh + 0.12),
                       dashed=True)
    if caption:
        ax.set_title(p.title, fontsize=9)
        ax.text((p.steps - 1) * step / 2, -0.75, p.examples, ha="center", va="center",
                fontsize=8, color="0.3", style="italic")
    return _finish(ax, -0.6, (p.steps - 1) * step + 0.6, -1.05, yy + 0.45)


def draw_io_patterns(axes=None, keys=tuple(PATTERNS)):
    """All patterns side by side, one per axes (``axes``: a sequence of len(keys) axes).

    Returns the axes array.
    """
    if axes is None:
        widths = [PATTERNS[k].steps for k in keys]
        _, axes = plt.subplots(1, len(keys), figsize=(0.75 * sum(widths) + 0.8, 2.5),
                               gridspec_kw={"width_ratios": widths})
    axes = np.atleast_1d(axes)
    if len(axes) != len(keys):
        raise ValueError(f"axes must hold one Axes per pattern ({len(keys)}); got {len(axes)}")
    for ax, k in zip(axes, keys, strict=True):
        draw_io_pattern(ax, k)
    return axes
