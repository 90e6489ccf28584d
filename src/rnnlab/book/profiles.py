"""The gradient profiles behind the LSTM chapter's slider: a simple RNN and an LSTM side by side.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

A slider frame must show the same networks for every setting it is asked for, so these
functions take a ``seed`` and build their generators from it.
"""

from __future__ import annotations

import numpy as np

from ..grad.diagnostics import gradient_profile
from ..layers.cells import make_cell

__all__ = ["probe_inputs", "rnn_lstm_profiles"]


def probe_inputs(T: int, *, D: int = 4, B: int = 8, seed: int = 0) -> np.ndarray:
    """Standard normal inputs X (T, B, D) from ``default_rng(seed)``; a shorter T gives a
    prefix of a longer one (the first T steps are the same)."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((T, B, D))  # T outermost: the draws of step t come first


def rnn_lstm_profiles(forget_bias: float, scale: float, X: np.ndarray, H: int = 16,
                      seed: int = 0) -> dict:
    """The curves of the LSTM chapter's slider: gradient profiles of a tanh RNN and an LSTM
    of H units whose recurrent matrices have every singular value equal to ``scale``, both
    built from ``default_rng(seed)``, on X (T, B, D). Returns ``{"back": T - k for
    k = 1..T, "rnn": GradientProfile, "lstm": GradientProfile}``."""
    T, _, D = np.shape(X)
    rnn = make_cell("RNN", D, H, np.random.default_rng(seed), sigma_1=scale, flat=True)
    lstm = make_cell("LSTM", D, H, np.random.default_rng(seed), sigma_1=scale, flat=True,
                     forget_bias=forget_bias)
    return {"back": T - np.arange(1, T + 1), "rnn": gradient_profile(rnn, X),
            "lstm": gradient_profile(lstm, X)}
