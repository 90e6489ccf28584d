"""rnnlab.book.profiles: the gradient profiles behind the LSTM chapter's slider."""

import numpy as np

from rnnlab.book import probe_inputs, rnn_lstm_profiles
from rnnlab.grad import gradient_profile
from rnnlab.layers import make_cell


def test_probe_inputs_are_prefixes():
    np.testing.assert_array_equal(probe_inputs(5), probe_inputs(9)[:5])


def test_rnn_lstm_profiles_are_the_two_layers_gradient_profiles():
    X = probe_inputs(12, D=3, B=2)
    got = rnn_lstm_profiles(2.0, 1.5, X, H=5, seed=3)
    lstm = make_cell("LSTM", 3, 5, np.random.default_rng(3), sigma_1=1.5, flat=True,
                     forget_bias=2.0)
    rnn = make_cell("RNN", 3, 5, np.random.default_rng(3), sigma_1=1.5, flat=True)
    np.testing.assert_array_equal(got["back"], np.arange(11, -1, -1))
    np.testing.assert_array_equal(got["lstm"].dh, gradient_profile(lstm, X).dh)
    np.testing.assert_array_equal(got["lstm"].gate_path, gradient_profile(lstm, X).gate_path)
    np.testing.assert_array_equal(got["rnn"].dh, gradient_profile(rnn, X).dh)
