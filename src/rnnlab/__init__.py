"""rnnlab: recurrent layers with exact backpropagation through time, in NumPy.

The shared package of the course book on chapter 6 of Qiu Xipeng's *Neural Networks and
Deep Learning* (NNDL). Every chapter imports it; every formula the book teaches is
implemented here once and checked by the tests.

Package map
-----------
* ``rnnlab.layers`` — the recurrent layers (simple RNN, LSTM, GRU, stacked, bidirectional),
  their step functions, activations, the output layer and the losses: chapters 1–8.
* ``rnnlab.data`` — synthetic memory tasks, character text, the bracket language, n-grams.
* ``rnnlab.train`` — optimisers and gradient clipping, the training loop, truncated BPTT,
  sampling with a temperature.
* ``rnnlab.grad`` — gradient checking by finite differences, Jacobians and gradient-norm
  diagnostics, the error terms of BPTT, real-time recurrent learning.
* ``rnnlab.viz`` — plots, diagrams and the slider figure.
* ``rnnlab.book`` — the experiments and page scaffolding of individual chapters.

Each subpackage imports only from those listed before it. The names most pages need are
importable from ``rnnlab`` itself.

Conventions (one calling shape for every layer)
-----------------------------------------------
Shape legend used in every docstring: ``T`` time steps, ``B`` batch, ``D`` input size,
``H`` hidden size.

* Arrays are **time-major**: an input sequence ``X`` has shape ``(T, B, D)``, a hidden
  sequence ``H`` has shape ``(T, B, H)``; ``H[t - 1]`` is NNDL's :math:`h_t` (steps are
  numbered from 1 in the book and from 0 in the arrays).
* Weights are stored in NNDL orientation, so the code reads like the equations:
  ``W_*`` has shape ``(H, D)``, ``U_*`` ``(H, H)``, ``b_*`` ``(H,)``, and a pre-activation
  is ``z = x @ W.T + h @ U.T + b``.
* ``layer.params`` is a flat ``dict`` keyed by NNDL names (``W``, ``U``, ``b`` for the
  simple RNN; ``W_i, U_i, b_i, ...`` for LSTM; ``W_z, U_z, b_z, ...`` for GRU). Composite
  layers prefix the names of their parts (``"l1.W"``, ``"fwd.U_i"``) and share the arrays
  with them, so an optimiser that updates ``params`` in place trains the parts.
* ``H, cache = layer.forward(X, state)``: ``state`` is ``None`` (zeros), ``h0`` of shape
  ``(B, H)``, or the pair ``(h0, c0)`` for an LSTM; ``Stacked`` takes a list with one such
  state per layer and ``Bidirectional`` a pair ``(forward_state, backward_state)``.
  ``layer.final_state(cache)`` is the state after the last step, in the same form, so a
  long stream can be processed chunk by chunk (truncated BPTT).
* ``dX, dstate0, grads = layer.backward(dH, cache)``: ``dH`` is ``dL/dH`` with the shape of
  ``H``; ``dX`` has the shape of ``X``; ``dstate0`` the form of ``state``; ``grads`` is
  keyed like ``params``. ``layer.bptt(dH, cache, dstate_T=None)`` returns the same and
  more as a named record (the total gradient with respect to every hidden state, which the
  gradient-norm diagnostics plot).
* Caches are named records (``NamedTuple``), read by field.
* Initialisation takes ``rng: np.random.Generator``; arrays are float64 by default and a
  layer built with ``dtype=np.float32`` stays float32 end to end. Nothing is cast
  silently: float64 ``X`` (or ``state``, ``dH``) given to a float32 layer raises
  ``TypeError`` (convert with ``X.astype(np.float32)``).
* ``backward``/``bptt`` accept only the cache returned by the same layer's ``forward``
  (``TypeError`` for another kind of record, ``ValueError`` for another layer's cache).
* Bad input raises ``ValueError``/``TypeError`` naming the argument and the expected shape.
* What a layer returns never shares memory with what its ``backward`` reads: ``forward``
  returns a copy of the outputs and ``final_state`` copies of the last state, so editing
  them in place cannot change a later gradient.
* Each layer module opens with its NNDL equations and holds the book's step functions
  (``rnn_step_forward``/``rnn_step_backward``, ``lstm_step_*``, ``gru_step_*``): one step,
  written one equation per line from x_t, the previous state and the parameters, with a
  NamedTuple cache. The layers run the same equations over a sequence, with two speed-ups
  worth knowing: the input terms W x_t + b of all steps are one matrix product before the
  loop, and the gate blocks of the LSTM and GRU are stacked so that a step needs one
  product with the recurrent weights.
"""

__version__ = "0.1.0"

from .grad import (
    GradCheckReport,
    check_layer,
    numerical_gradient,
    numerical_jacobian,
    relative_error,
)
from .layers import (
    GRU,
    LSTM,
    RNN,
    Bidirectional,
    BPTTResult,
    GRUStepCache,
    GRUStepGrads,
    Linear,
    LSTMStepCache,
    LSTMStepGrads,
    ResidualRNN,
    RNNStepCache,
    RNNStepGrads,
    Stacked,
    get_activation,
    gru_step_backward,
    gru_step_forward,
    log_softmax,
    lstm_step_backward,
    lstm_step_forward,
    mse,
    rnn_step_backward,
    rnn_step_forward,
    sigmoid,
    softmax,
    softmax_cross_entropy,
)
from .train import SGD, Adam, clip_grad_norm, clip_grad_value, global_norm

__all__ = [
    "RNN", "ResidualRNN", "LSTM", "GRU", "Stacked", "Bidirectional", "Linear",
    "softmax_cross_entropy", "mse", "softmax", "log_softmax", "sigmoid", "get_activation",
    "check_layer", "numerical_gradient", "numerical_jacobian", "relative_error",
    "GradCheckReport", "BPTTResult",
    "rnn_step_forward", "rnn_step_backward", "RNNStepCache", "RNNStepGrads",
    "lstm_step_forward", "lstm_step_backward", "LSTMStepCache", "LSTMStepGrads",
    "gru_step_forward", "gru_step_backward", "GRUStepCache", "GRUStepGrads",
    "SGD", "Adam", "clip_grad_norm", "clip_grad_value", "global_norm",
]
