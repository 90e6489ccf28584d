"""Diagrams (smoke): each returns its axes and draws the right number of boxes of each kind."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnnlab.viz import PATTERNS, draw_io_pattern, draw_io_patterns, draw_unrolled_rnn  # noqa: E501


def _count(ax):
    gids = [p.get_gid() for p in ax.patches if p.get_gid()]
    return {k: gids.count(f"node-{k}") for k in ("x", "h", "h0", "y")}


@pytest.mark.parametrize("T", [1, 3, 5])
@pytest.mark.parametrize("folded", [True, False])
@pytest.mark.parametrize("outputs", [True, False])
def test_unrolled_rnn_boxes(T, folded, outputs):
    fig, ax = plt.subplots()
    out = draw_unrolled_rnn(ax, T, folded=folded, outputs=outputs)
    assert out is ax and not ax.axison
    n = _count(ax)
    assert n["x"] == T + folded and n["h"] == T + folded and n["h0"] == 1
    assert n["y"] == (T + folded if outputs else 0)
    plt.close(fig)


def test_unrolled_rnn_labels_every_step_and_the_shared_weights():
    fig, ax = plt.subplots()
    draw_unrolled_rnn(ax, 3)
    texts = [t.get_text() for t in ax.texts]
    for t in (1, 2, 3):
        assert rf"$\mathbf{{h}}_{{{t}}}$" in texts
    assert texts.count("$U$") == 3 + 1  # one per unrolled step plus the self-loop
    assert texts.count("$W$") == 3 + 1
    plt.close(fig)
    with pytest.raises(ValueError, match="T"):
        draw_unrolled_rnn(None, 0)


@pytest.mark.parametrize("key", list(PATTERNS))
def test_each_io_pattern_draws_its_inputs_states_and_outputs(key):
    p = PATTERNS[key]
    fig, ax = plt.subplots()
    assert draw_io_pattern(ax, key) is ax
    n = _count(ax)
    assert (n["x"], n["h"], n["y"]) == (len(p.inputs), p.steps, len(p.outputs))
    assert p.examples in [t.get_text() for t in ax.texts]
    plt.close(fig)


def test_all_patterns_side_by_side():
    axes = draw_io_patterns()
    assert len(axes) == len(PATTERNS)
    total = sum(_count(ax)["h"] for ax in axes)
    assert total == sum(p.steps for p in PATTERNS.values())
    plt.close(axes[0].figure)
    fig, two = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="one Axes per pattern"):
        draw_io_patterns(two)
    plt.close(fig)
    assert np.all([not a.axison for a in axes])
