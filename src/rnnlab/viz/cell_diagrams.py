"""Diagrams of the gated cells, drawn with matplotlib.

* :func:`draw_lstm_cell` — the LSTM step, NNDL (6.51)–(6.59), with the variants' extra
  wires: peepholes (6.61)–(6.63) dotted, the coupled gate f = 1 - i (6.64)–(6.65);
* :func:`draw_gru_cell` — the GRU step (6.66)–(6.69), reset gate before or after U_h;

Every element carries a ``gid`` so a test (or a reader of the SVG) can count it:
``"gate-<name>"`` for a learned layer (σ or tanh of an affine map of x_t and h_{t-1}),
``"op-mul"``, ``"op-add"``, ``"op-tanh"``, ``"op-one-minus"`` for element-wise operations,
``"state-<name>"`` for a state entering or leaving the step. The functions draw on the axes they are
given (a new figure when ``ax is None``), turn the frame off and return the axes; no
global setting is changed.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .plots import new_axes

__all__ = ["draw_lstm_cell", "draw_gru_cell"]

_FILL = {"gate": "#fde3c8", "cand": "#f9d0c4", "state": "#eeeeee", "x": "#dbe9f6", "op": "white"}


def _box(ax, x, y, text, gid, fill, *, w=0.9, h=0.7, fontsize=10):
    patch = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.03",
                           fc=_FILL[fill], ec="0.25", lw=1.0, zorder=3)
    patch.set_gid(gid)
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4)


def _op(ax, x, y, symbol, gid, r=0.22):
    patch = Circle((x, y), r, fc=_FILL["op"], ec="0.25", lw=1.0, zorder=3)
    patch.set_gid(gid)
    ax.add_patch(patch)
    ax.text(x, y, symbol, ha="center", va="center", fontsize=10, zorder=4)


def _wire(ax, points, *, arrow=True, dashed=False, dotted=False, color="0.2", lw=1.1):
    """A polyline through ``points``; an arrow head on the last segment."""
    xs, ys = zip(*points, strict=True)
    ls = ":" if dotted else ("--" if dashed else "-")
    ax.plot(xs[:-1], ys[:-1], color=color, lw=lw, ls=ls, zorder=1, solid_capstyle="butt")
    ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>" if arrow else "-",
                                 mutation_scale=10, lw=lw, color=color, ls=ls, zorder=2,
                                 shrinkA=0, shrinkB=0))


def _label(ax, x, y, text, fontsize=10, color="0.1", ha="center"):
    ax.text(x, y, text, ha=ha, va="center", fontsize=fontsize, color=color, zorder=5,
            bbox={"fc": "white", "ec": "none", "pad": 0.4})


def _finish(ax, xlim, ylim):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_lstm_cell(ax=None, *, peephole: bool = False, coupled: bool = False):
    """One LSTM step: the cell line c_{t-1} -> c_t on top, the gates in the middle, the input
    bus [x_t; h_{t-1}] below. ``peephole`` adds the dotted wires c -> gates (6.61)–(6.63);
    ``coupled`` replaces the forget gate by 1 - i_t (6.64)–(6.65). Returns ``ax``."""
    ax = new_axes(ax, (7.2, 4.4))
    yc, yg, yb, r = 5.0, 2.6, 0.9, 0.22
    xf, xi, xcand, xo, xmul_c, xadd, xout = 2.6, 4.2, 5.5, 7.2, 2.6, 5.5, 8.4
    # the cell line (top): c_{t-1} -> x f_t -> + i_t c~_t -> c_t
    _box(ax, 0.2, yc, r"$\mathbf{c}_{t-1}$", "state-c_prev", "state", w=1.0)
    _box(ax, 10.0, yc, r"$\mathbf{c}_t$", "state-c", "state", w=0.8)
    _wire(ax, [(0.7, yc), (xmul_c - r, yc)])
    _op(ax, xmul_c, yc, "×", "op-mul")
    _wire(ax, [(xmul_c + r, yc), (xadd - r, yc)])
    _op(ax, xadd, yc, "+", "op-add")
    _wire(ax, [(xadd + r, yc), (9.6, yc)])
    # the input bus (bottom): h_{t-1} and x_t feed every gate
    _box(ax, 0.2, yb, r"$\mathbf{h}_{t-1}$", "state-h_prev", "state", w=1.0)
    _box(ax, 1.4, -0.5, r"$\mathbf{x}_t$", "state-x", "x", w=0.7)
    _wire(ax, [(0.7, yb), (xo, yb)], arrow=False)
    _wire(ax, [(1.4, -0.15), (1.4, yb)], arrow=False)
    for x, name, sym, fill in [(xf, "f", r"$\mathbf{f}_t$", "gate"),
                               (xi, "i", r"$\mathbf{i}_t$", "gate"),
                               (xcand, "c", r"$\tilde{\mathbf{c}}_t$", "cand"),
                               (xo, "o", r"$\mathbf{o}_t$", "gate")]:
        if name == "f" and coupled:
            continue
        _wire(ax, [(x, yb), (x, yg - 0.42)])
        act = r"$\tanh$" if name == "c" else r"$\sigma$"
        _box(ax, x, yg, sym + "\n" + act, f"gate-{name}", fill, w=0.95, h=0.85, fontsize=9)
    if coupled:  # f_t = 1 - i_t: a wire from the input gate into a "1 -" node
        _op(ax, xf, yg, "1−", "op-one-minus", r=0.3)
        _wire(ax, [(xi - 0.48, yg + 0.15), (xf + 0.3, yg + 0.15)])
        _label(ax, (xf + xi) / 2 - 0.1, yg + 0.45, r"$\mathbf{i}_t$", fontsize=8)
    _wire(ax, [(xf, yg + (0.3 if coupled else 0.43)), (xf, yc - r)])
    _label(ax, xf - 0.35, (yg + yc) / 2, r"$\mathbf{f}_t$", fontsize=9)
    # input gate x candidate -> +
    ymul = 3.85
    _op(ax, xadd, ymul, "×", "op-mul")
    _wire(ax, [(xi, yg + 0.43), (xi, ymul), (xadd - r, ymul)])
    _wire(ax, [(xcand, yg + 0.43), (xcand, ymul - r)])
    _wire(ax, [(xadd, ymul + r), (xadd, yc - r)])
    # output: h_t = o_t x tanh(c_t)
    ytanh = 3.85
    _wire(ax, [(xout, yc), (xout, ytanh + 0.25)])
    _box(ax, xout, ytanh, r"$\tanh$", "op-tanh", "op", w=0.75, h=0.45, fontsize=9)
    _op(ax, xout, yg, "×", "op-mul")
    _wire(ax, [(xout, ytanh - 0.23), (xout, yg + r)])
    _wire(ax, [(xo + 0.48, yg), (xout - r, yg)])
    _box(ax, 10.0, yb, r"$\mathbf{h}_t$", "state-h", "state", w=0.8)
    _wire(ax, [(xout, yg - r), (xout, yb), (9.6, yb)])
    if peephole:  # diagonal V_i, V_f read c_{t-1}; V_o reads c_t (dotted)
        for x in ([xi] if coupled else [xf, xi]):
            _wire(ax, [(1.1, yc), (1.1, yg + 0.8), (x - 0.25, yg + 0.8), (x - 0.25, yg + 0.43)],
                  dotted=True, color="C0")
        _wire(ax, [(9.2, yc), (9.2, yg + 0.9), (xo + 0.25, yg + 0.9), (xo + 0.25, yg + 0.43)],
              dotted=True, color="C0")
        _label(ax, 1.1, yg + 1.25, "peepholes", fontsize=8, color="C0")
    ax.text(5.0, -1.25, "×, +: element-wise;  each gate box: σ or tanh of "
            r"$W\mathbf{x}_t + U\mathbf{h}_{t-1} + \mathbf{b}$", ha="center", fontsize=8,
            color="0.3")
    return _finish(ax, (-0.5, 10.6), (-1.5, 5.6))


def draw_gru_cell(ax=None, *, reset_after: bool = False):
    """One GRU step: the state line h_{t-1} -> h_t on top (kept with weight z_t), the gates
    below, the bus [x_t; h_{t-1}] at the bottom. ``reset_after`` moves the reset gate behind
    the product with U_h (PyTorch, cuDNN, Keras ``reset_after=True``). Returns ``ax``."""
    ax = new_axes(ax, (7.2, 4.4))
    ytop, yg, yb, ymix, yres, r = 5.0, 2.6, 0.9, 3.85, 1.75, 0.22
    xz, xr, xres, xcand, xadd = 2.6, 4.0, 5.5, 7.0, 7.0
    # the state line: h_{t-1} -> x z_t -> + (1 - z_t) h~_t -> h_t
    _box(ax, 0.2, ytop, r"$\mathbf{h}_{t-1}$", "state-h_prev", "state", w=1.0)
    _box(ax, 10.0, ytop, r"$\mathbf{h}_t$", "state-h", "state", w=0.8)
    _wire(ax, [(0.7, ytop), (xz - r, ytop)])
    _op(ax, xz, ytop, "×", "op-mul")
    _wire(ax, [(xz + r, ytop), (xadd - r, ytop)])
    _op(ax, xadd, ytop, "+", "op-add")
    _wire(ax, [(xadd + r, ytop), (9.6, ytop)])
    # the bus: h_{t-1} branches down from the state line, x_t comes in from below
    _wire(ax, [(1.0, ytop), (1.0, yb), (xcand + 0.25, yb)], arrow=False)
    _box(ax, 1.6, -0.5, r"$\mathbf{x}_t$", "state-x", "x", w=0.7)
    _wire(ax, [(1.6, -0.15), (1.6, yb)], arrow=False)
    for x, name, sym in [(xz, "z", r"$\mathbf{z}_t$"), (xr, "r", r"$\mathbf{r}_t$")]:
        _wire(ax, [(x, yb), (x, yg - 0.42)])
        _box(ax, x, yg, sym + "\n" + r"$\sigma$", f"gate-{name}", "gate", w=0.95, h=0.85,
             fontsize=9)
    _wire(ax, [(xz, yg + 0.43), (xz, ytop - r)])
    _label(ax, xz - 0.35, (yg + ytop) / 2 + 0.4, r"$\mathbf{z}_t$", fontsize=9)
    # (1 - z_t) x h~_t -> +
    _op(ax, 4.3, ymix, "1−", "op-one-minus", r=0.3)
    _wire(ax, [(xz, ymix), (4.3 - 0.3, ymix)])
    _op(ax, xadd, ymix, "×", "op-mul")
    _wire(ax, [(4.3 + 0.3, ymix), (xadd - r, ymix)])
    _wire(ax, [(xadd, ymix + r), (xadd, ytop - r)])
    # the reset gate multiplies h_{t-1} (before U_h) or U_h h_{t-1} + b_Uh (after)
    _op(ax, xres, yres, "×", "op-mul")
    _wire(ax, [(xr + 0.48, yg), (xres, yg), (xres, yres + r)])
    _wire(ax, [(xres, yb), (xres, yres - r)])
    _box(ax, xcand, yg, r"$\tilde{\mathbf{h}}_t$" + "\n" + r"$\tanh$", "gate-h", "cand",
         w=0.95, h=0.85, fontsize=9)
    _wire(ax, [(xres + r, yres), (xcand - 0.2, yres), (xcand - 0.2, yg - 0.42)])
    _wire(ax, [(xcand + 0.25, yb), (xcand + 0.25, yg - 0.42)])
    _wire(ax, [(xcand, yg + 0.43), (xcand, ymix - r)])
    if reset_after:
        into, out = r"$U_h\mathbf{h}_{t-1}{+}\mathbf{b}_{Uh}$", \
            r"$\mathbf{r}_t\odot(U_h\mathbf{h}_{t-1}{+}\mathbf{b}_{Uh})$"
        note = r"$\tilde{\mathbf{h}}_t=\tanh(W_h\mathbf{x}_t+\mathbf{b}_h+\mathbf{r}_t\odot" \
               r"(U_h\mathbf{h}_{t-1}+\mathbf{b}_{Uh}))$  — PyTorch, cuDNN, Keras reset_after"
    else:
        into, out = r"$\mathbf{h}_{t-1}$", r"$\mathbf{r}_t\odot\mathbf{h}_{t-1}$"
        note = r"$\tilde{\mathbf{h}}_t=\tanh(W_h\mathbf{x}_t+U_h(\mathbf{r}_t\odot" \
               r"\mathbf{h}_{t-1})+\mathbf{b}_h)$  — NNDL, d2l"
    _label(ax, xres + 0.1, (yb + yres) / 2 - 0.05, into, fontsize=7, ha="left")
    _label(ax, xcand + 0.7, yres - 0.05, out, fontsize=7, ha="left")
    ax.text(5.0, -1.25, note, ha="center", fontsize=8, color="0.3")
    return _finish(ax, (-0.5, 10.6), (-1.5, 5.6))


def _check_int(value, name, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or not low <= value <= high:
        raise ValueError(f"{name} must be an int between {low} and {high}; got {value!r}")
    return int(value)
