"""What chapters 1–5 teach: the recurrent layers and their parts.
"""

from .activations import ACTIVATIONS, Activation, get_activation, identity, relu, sigmoid, tanh
from .base import BPTTResult, Recurrent, input_terms, uniform_init
from .cells import CELLS, GATE_BLOCKS, count_params, make_cell, recurrent_matrix
from .gru import (
    GRU,
    GRUCache,
    GRUStep,
    GRUStepCache,
    GRUStepGrads,
    gru_step_backward,
    gru_step_forward,
)
from .linear import Linear, LinearCache
from .losses import log_softmax, mse, softmax, softmax_cross_entropy
from .lstm import (
    LSTM,
    LSTMCache,
    LSTMStep,
    LSTMStepCache,
    LSTMStepGrads,
    lstm_step_backward,
    lstm_step_forward,
)
from .recursive import RecursiveCache, RecursiveNet, as_rnn, balanced, chain
from .rnn import (
    RNN,
    ResidualRNN,
    RNNCache,
    RNNStepCache,
    RNNStepGrads,
    rnn_step_backward,
    rnn_step_forward,
)
from .stack import Bidirectional, PrefixedParams, Stacked

__all__ = ["ACTIVATIONS", "Activation", "get_activation", "identity", "relu", "sigmoid", "tanh",
           "BPTTResult", "Recurrent", "input_terms", "uniform_init", "CELLS", "GATE_BLOCKS",
           "count_params", "make_cell", "recurrent_matrix", "GRU", "GRUCache", "GRUStep",
           "GRUStepCache", "GRUStepGrads", "gru_step_backward", "gru_step_forward", "Linear",
           "LinearCache", "log_softmax", "mse", "softmax", "softmax_cross_entropy", "LSTM",
           "LSTMCache", "LSTMStep", "LSTMStepCache", "LSTMStepGrads", "lstm_step_backward",
           "lstm_step_forward", "RecursiveCache", "RecursiveNet", "as_rnn", "balanced", "chain",
           "RNN", "ResidualRNN", "RNNCache", "RNNStepCache", "RNNStepGrads", "rnn_step_backward",
           "rnn_step_forward", "Bidirectional", "PrefixedParams", "Stacked"]
