"""Plot helpers: they draw what they are given on the axes they are given, and label it."""

import numpy as np
import pytest

from rnnlab.viz import (
    plot_activation,
    plot_curves,
    plot_depth_time,
    plot_grad_norms,
    plot_steps_back,
    set_decade_ticks,
)


def test_grad_norms_log_scale_k_axis_and_bound(ax):
    norms = 0.5 ** np.arange(9, -1, -1)  # k = 1..10
    out = plot_grad_norms(ax, norms, label="RNN", bound=2 * norms, bound_label="bound")
    assert out is ax
    assert ax.get_yscale() == "log"
    assert "k" in ax.get_xlabel() and ax.get_ylabel()
    line, bound = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 11))
    np.testing.assert_array_equal(line.get_ydata(), norms)
    assert bound.get_linestyle() == "--" and bound.get_color() == line.get_color()
    assert [t.get_text() for t in ax.legend().get_texts()] == ["RNN", "bound"]


def test_grad_norms_leave_out_what_a_log_axis_cannot_show(ax):
    plot_grad_norms(ax, [1.0, 0.0, np.inf, np.nan, -1.0, 2.0])
    y = ax.get_lines()[0].get_ydata()
    assert y[0] == 1.0 and y[-1] == 2.0 and np.isnan(y[1:5]).all()


def test_grad_norms_rows_and_shape_errors(ax):
    plot_grad_norms(ax, np.ones((3, 5)), label=["a", "b", "c"])
    assert len(ax.get_lines()) == 3
    with pytest.raises(ValueError, match="label"):
        plot_grad_norms(ax, np.ones((3, 5)), label=["a"])
    with pytest.raises(ValueError, match="bound"):
        plot_grad_norms(ax, np.ones(5), bound=np.ones(4))
    with pytest.raises(ValueError, match="norms"):
        plot_grad_norms(ax, np.ones((2, 2, 2)))


def test_curves_and_baseline(ax):
    out = plot_curves(ax, {"a": [3, 2, 1], "b": [1, 1]}, log=True, baseline=0.5,
                      ylabel="MSE")
    assert out is ax and ax.get_yscale() == "log" and ax.get_ylabel() == "MSE"
    assert len(ax.get_lines()) == 3  # two curves and the baseline
    with pytest.raises(ValueError):
        plot_curves(ax, {})


@pytest.mark.parametrize("name, gamma", [("tanh", 1.0), ("sigmoid", 0.25), ("relu", 1.0)])
def test_activation_plots_the_library_derivative(ax, name, gamma):
    z = np.linspace(-3, 3, 61)
    plot_activation(ax, name, z=z)
    f, df = ax.get_lines()[:2]
    np.testing.assert_array_equal(f.get_xdata(), z)
    assert np.max(df.get_ydata()) <= gamma + 1e-15
    assert ax.get_lines()[2].get_ydata()[0] == gamma  # the dotted gamma line


def test_decade_ticks_are_plain_text_and_fixed(ax):
    out = set_decade_ticks(ax, -30, 30, 10)
    assert out is ax and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.get_ylim(), (1e-30, 1e30))
    np.testing.assert_allclose(ax.get_yticks(), [10.0**e for e in range(-30, 31, 10)])
    ax.figure.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["1e-30", "1e-20"]
    assert len(ax.yaxis.get_minorticklocs()) == 0
    set_decade_ticks(ax, 0, 3, axis="x")
    assert ax.get_xscale() == "log" and len(ax.get_xticks()) == 4
    with pytest.raises(ValueError):
        set_decade_ticks(ax, 3, 0)


def test_steps_back_draws_each_line_on_fixed_plain_text_axes(ax):
    back = np.arange(9, -1, -1)  # T - k for k = 1..10
    y1, y2 = 0.5**back, np.where(back > 5, 0.0, 2.0**back)  # y2 has zeros: gaps
    out = plot_steps_back(ax, back, [(y1, "RNN", {"color": "C0", "lw": 2}),
                                     (y2, "LSTM", {"color": "C3", "ls": "--"})],
                          xmax=100, title="b_f = 1")
    assert out is ax and ax.get_yscale() == "log"
    first, second = ax.get_lines()
    np.testing.assert_array_equal(first.get_xdata(), back)
    np.testing.assert_array_equal(first.get_ydata(), y1)
    assert np.isnan(second.get_ydata()[back > 5]).all() and second.get_linestyle() == "--"
    np.testing.assert_allclose(ax.get_ylim(), (1e-18, 1e12))
    assert ax.get_xlim() == (0, 100) and ax.get_title() == "b_f = 1"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["10⁻¹⁶", "10⁻⁸", "10⁰", "10⁸"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["RNN", "LSTM"]
    with pytest.raises(ValueError, match="shape"):
        plot_steps_back(ax, back, [(y1[:3], "short", {})], xmax=10)


def test_depth_time_shows_log10_norms_and_a_fixed_colour_bar(ax):
    norms = 10.0 ** -np.arange(12, dtype=float).reshape(3, 4)  # (L, T) = (3, 4)
    out = plot_depth_time(ax, norms, title="RNN")
    assert out is ax and ax.get_title() == "RNN"
    image = ax.get_images()[0]
    np.testing.assert_allclose(image.get_array(), np.log10(norms))
    assert image.get_clim() == (-14, 1) and image.get_extent() == [0.5, 4.5, 0.5, 3.5]
    np.testing.assert_array_equal(ax.get_yticks(), [1, 2, 3])
    (cax,) = ax.child_axes  # the inset colour bar
    assert cax.get_images()[0].get_clim() == (-14, 1)
    assert [t.get_text() for t in cax.get_yticklabels()] == ["1e-12", "1e-8", "1e-4", "1"]
    with pytest.raises(ValueError, match="L, T"):
        plot_depth_time(ax, np.ones(5))
