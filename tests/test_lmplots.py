"""Chapter 6 figures: each helper draws what it is given, on the axes it is given, labelled."""

import numpy as np

from rnnlab.book import LMRun
from rnnlab.train import TrainHistory
from rnnlab.viz import (
    bin_centres,
    plot_closer_shares,
    plot_learning_curves,
    plot_next_char,
)


def _run(loss_nats, val):
    steps = len(loss_nats)
    hist = TrainHistory(np.asarray(loss_nats, float), np.ones(steps), np.arange(1.0, steps + 1),
                        False)
    return LMRun(None, hist, np.linspace(0, 1000, len(val)), np.asarray(val), 1.0, 1000.0)


def test_learning_curves_draw_loss_validation_baselines_and_floor(ax):
    runs = {"RNN": _run(np.full(100, 2 * np.log(2)), [3.0, 2.5, 2.4]),
            "GRU": _run(np.full(100, np.log(2)), [3.0, 2.3, 2.2])}
    out = plot_learning_curves(runs, 1000, {"3-gram": 2.5, "5-gram": 2.4}, 2.24,
                               hidden={"RNN": 16}, n_blocks=10, ylim=(2.0, 3.1), ax=ax)
    assert out is ax
    lines = ax.get_lines()
    assert len(lines) == 2 * 2 + 2 + 1  # per run: loss and validation; 2 baselines; floor
    loss_rnn, val_rnn, loss_gru = lines[0], lines[1], lines[2]
    np.testing.assert_allclose(loss_rnn.get_ydata(), 2.0)  # nats -> bits, 10 block means
    assert len(loss_rnn.get_ydata()) == 10 and loss_rnn.get_xdata()[-1] == 1000
    np.testing.assert_allclose(loss_gru.get_ydata(), 1.0)
    np.testing.assert_array_equal(val_rnn.get_ydata(), [3.0, 2.5, 2.4])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["RNN (H = 16): validation", "GRU: validation", "3-gram", "5-gram",
                      "entropy rate h = 2.240 (floor)"]
    assert [ln.get_ydata()[0] for ln in lines[4:]] == [2.5, 2.4, 2.24]
    assert ax.get_xlabel() and ax.get_ylabel() == "bits per character"
    assert ax.get_ylim() == (2.0, 3.1)


def test_closer_shares_models_with_error_bars_baselines_gray_and_markers(ax):
    edges = np.array([1, 2, 4, 8])
    shares = {"RNN": (np.array([0.99, 0.95, 0.9]), np.array([0.01, 0.02, 0.03]), [5, 5, 5]),
              "LSTM": (np.array([0.99, 0.97, 0.95]), np.array([0.01, 0.01, 0.01]), [5, 5, 5]),
              "3-gram": (np.array([1.0, 0.8, 0.8]), np.zeros(3), [5, 5, 5])}
    plot_closer_shares(shares, edges, baselines={"3-gram": ":"}, hidden={"LSTM": 8},
                       truncation=4, window=(2.5, "3-gram window"), ax=ax)
    assert len(ax.containers) == 2  # one errorbar container per recurrent model
    rnn_bars = ax.containers[0]
    np.testing.assert_allclose(rnn_bars.lines[0].get_xdata(), bin_centres(edges))
    np.testing.assert_allclose(rnn_bars.lines[0].get_ydata(), [0.99, 0.95, 0.9])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(labels) == sorted(["RNN", "LSTM (H = 8)", "3-gram", "the source (oracle)"])
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["truncation T = 4", "3-gram window"]
    assert ax.get_xscale() == "log" and "distance" in ax.get_xlabel()


def test_bin_centres_are_geometric_means_of_the_first_and_last_integer():
    np.testing.assert_allclose(bin_centres([1, 2, 4, 16]), [1.0, np.sqrt(2 * 3), np.sqrt(4 * 15)])


def test_next_char_bars_true_ticks_and_text(ax):
    q = np.array([0.5, 0.3, 0.2])
    plot_next_char(ax, q, "ab)", p_true=np.array([0.6, 0.4, 0.0]), label="LSTM, τ = 1",
                   title="after 'x'", text="x|" + "a" * 70, width=60)
    assert [b.get_height() for b in ax.patches] == [0.5, 0.3, 0.2]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", ")"]
    (ticks,) = ax.get_lines()
    np.testing.assert_array_equal(ticks.get_ydata(), [0.6, 0.4, 0.0])
    assert ax.texts[0].get_text() == "x|" + "a" * 58 + "\n" + "a" * 12
    assert ax.get_title() == "after 'x'" and ax.get_ylabel()
