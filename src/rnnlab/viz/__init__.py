"""Figures: plotting helpers, the diagrams of the unrolled RNN and of the gated cells, and
the slider figure that works with or without a kernel.
"""

from .cell_diagrams import draw_gru_cell, draw_lstm_cell
from .diagrams import PATTERNS, Pattern, draw_io_pattern, draw_io_patterns, draw_unrolled_rnn
from .lmplots import bin_centres, plot_closer_shares, plot_learning_curves, plot_next_char
from .plots import (
    new_axes,
    plot_activation,
    plot_curves,
    plot_depth_time,
    plot_grad_norms,
    plot_steps_back,
    set_decade_ticks,
)
from .widgets import SliderFigure

__all__ = ["draw_gru_cell", "draw_lstm_cell", "PATTERNS", "Pattern", "draw_io_pattern",
           "draw_io_patterns", "draw_unrolled_rnn", "bin_centres", "plot_closer_shares",
           "plot_learning_curves", "plot_next_char", "new_axes", "plot_activation", "plot_curves",
           "plot_depth_time", "plot_grad_norms", "plot_steps_back", "set_decade_ticks",
           "SliderFigure"]
