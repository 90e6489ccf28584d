"""Saturation of a scaled RNN: none for small weights, most units for large ones."""

import matplotlib.pyplot as plt
import numpy as np

from rnnlab.book import draw_saturation, saturation

X = np.random.default_rng(4).standard_normal((10, 16, 8))


def test_small_weights_do_not_saturate_and_large_ones_do():
    small, large = saturation(0.5, "tanh", X), saturation(16, "tanh", X)
    assert small["saturated"] == 0 and small["mean_slope"] > 0.9
    assert large["saturated"] > 0.5 and large["mean_slope"] < 0.2
    assert small["counts"].shape == (80,) and small["edges"].shape == (81,)
    width = small["edges"][1] - small["edges"][0]
    assert abs(small["counts"].sum() * width - 1) < 1e-12      # a density


def test_the_logistic_threshold_is_a_tenth_of_a_quarter():
    d = saturation(8, "sigmoid", X)
    assert d["gamma"] == 0.25 and 0 < d["saturated"] < 1 and d["edges"][-1] == 10.0


def test_draw_saturation_titles_the_fraction():
    fig, ax = plt.subplots()
    d = saturation(4, "tanh", X)
    assert draw_saturation(ax, d, 4, "tanh") is ax
    assert f"{d['saturated']:.0%} saturated" in ax.get_title()
    plt.close(fig)
