"""The cell diagrams: which elements each drawing contains (counted by gid)."""

from collections import Counter

import matplotlib.pyplot as plt
import pytest

from rnnlab.viz import draw_gru_cell, draw_lstm_cell


def _gids(draw, **kw):
    fig, ax = plt.subplots()
    try:
        assert draw(ax, **kw) is ax
        assert not ax.axison  # a diagram, not a plot
        return Counter(p.get_gid() for p in ax.patches if p.get_gid())
    finally:
        plt.close(fig)


def test_lstm_cell_has_three_gates_a_candidate_and_the_cell_line():
    g = _gids(draw_lstm_cell)
    assert [g[f"gate-{n}"] for n in "ifoc"] == [1, 1, 1, 1]
    assert g["op-mul"] == 3 and g["op-add"] == 1 and g["op-tanh"] == 1  # f·c, i·c~, o·tanh c
    assert g["state-c_prev"] == g["state-c"] == g["state-h_prev"] == g["state-h"] == 1
    assert g["op-one-minus"] == 0


def test_coupled_lstm_replaces_the_forget_gate_by_one_minus_i():
    g = _gids(draw_lstm_cell, coupled=True)
    assert g["gate-f"] == 0 and g["op-one-minus"] == 1 and g["gate-i"] == 1


def test_peephole_lstm_adds_dotted_wires_only():
    fig, ax = plt.subplots()
    draw_lstm_cell(ax)
    plain = sum(line.get_linestyle() == ":" for line in ax.lines)
    ax.clear()
    draw_lstm_cell(ax, peephole=True)
    dotted = sum(line.get_linestyle() == ":" for line in ax.lines)
    plt.close(fig)
    assert plain == 0 and dotted == 3  # to i, f (from c_{t-1}) and o (from c_t)


@pytest.mark.parametrize("reset_after", [False, True])
def test_gru_cell_has_two_gates_a_candidate_and_one_minus_z(reset_after):
    g = _gids(draw_gru_cell, reset_after=reset_after)
    assert g["gate-z"] == g["gate-r"] == g["gate-h"] == 1
    assert g["op-one-minus"] == 1 and g["op-add"] == 1
    assert g["op-mul"] == 3  # z·h_{t-1}, (1-z)·h~, and the reset product
