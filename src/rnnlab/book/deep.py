"""Helpers for the chapter on deep and bidirectional RNNs, NNDL (6.70)–(6.73).

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size of one layer
(or of one direction), ``L`` layers, ``V`` symbols of a next-symbol task.

- :func:`make_stack` builds a stack of ``L`` simple RNN, LSTM or GRU layers (6.70), with the
  recurrent matrices rescaled to a chosen largest singular value
  (:func:`rnnlab.layers.cells.make_cell`), so a chapter can compare cell types at equal
  settings.
- :func:`depth_time_norms` is the (L, T) map ||dL_T/dh_k^(l)|| of a stack for a loss on the
  top layer's last output: how the gradient spreads over depth and time.
- :func:`next_symbol_batch` and :func:`fit_next_symbol` set up the task on which a
  bidirectional RNN (6.71)–(6.73) *cheats*: predicting x_{t+1} from h_t when h_t has
  already read x_{t+1} through its backward half.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_positive_int, check_rng
from ..data.text import one_hot
from ..grad.diagnostics import state_grad_norms
from ..layers.cells import make_cell
from ..layers.linear import Linear
from ..layers.stack import Stacked
from ..train.loop import SequenceModel, TrainHistory, train
from ..train.optim import Adam

__all__ = ["make_stack", "depth_time_norms", "next_symbol_batch",
           "fit_next_symbol"]


def make_stack(cell: str, L: int, D: int, H: int, rng: np.random.Generator, *,
               sigma: float | None = None) -> Stacked:
    """A deep RNN (6.70) of ``L`` layers of type ``cell``: D -> H, then H -> H."""
    L = check_positive_int(L, "L")
    return Stacked([make_cell(cell, D if l == 0 else H, H, rng, sigma_1=sigma)
                    for l in range(L)])


def depth_time_norms(cell: str, L: int, T: int, *, H: int = 16, D: int = 4, B: int = 8,
                     sigma: float = 1.0, input_scale: float = 1.0, seed: int = 0,
                     ) -> np.ndarray:
    """||dL_T/dh_k^(l)|| for l = 1..L (bottom first) and k = 1..T, shape (L, T).

    The loss is L_T = <s, h_T^(L)>, a unit vector s per sample on the top layer's last
    output (:func:`rnnlab.grad.diagnostics.state_grad_norms`), averaged over B samples with
    X (T, B, D) ~ ``input_scale`` N(0, 1). The same ``seed`` gives the same weights for
    the layers the stacks share, so a deeper stack adds layers on top of the same bottom.
    """
    T = check_positive_int(T, "T")
    rng = np.random.default_rng(seed)
    X = input_scale * rng.standard_normal((T, B, D))
    stack = make_stack(cell, L, D, H, rng, sigma=sigma)
    return state_grad_norms(stack, X)


def next_symbol_batch(T: int, B: int, V: int, rng: np.random.Generator):
    """A batch of i.i.d. uniform symbols and the next-symbol targets.

    Returns X (T, B, V) one-hot of x_1..x_T and Y (T, B) int with Y[t] = x_{t+2} in
    0-based terms, i.e. the target at step t is the *next* symbol; the sequence is drawn
    with T + 1 symbols so every step has a target. No causal model can beat ln V nats per
    step on this data: the next symbol is independent of everything before it.
    """
    T, B, V = (check_positive_int(n, name) for n, name in ((T, "T"), (B, "B"), (V, "V")))
    ids = check_rng(rng).integers(0, V, size=(T + 1, B))
    return one_hot(ids[:-1], V), ids[1:]


def fit_next_symbol(layer, V: int, *, steps: int = 150, T: int = 12, B: int = 32,
                    lr: float = 0.02, seed: int = 0, progress: bool = False,
                    ) -> tuple[SequenceModel, TrainHistory]:
    """Train ``layer`` (input size V) + a softmax output layer on :func:`next_symbol_batch`.

    Adam with learning rate ``lr``, a fresh batch per step from ``seed``; returns the model
    and its :class:`~rnnlab.train.loop.TrainHistory` (loss in nats per step).
    """
    if layer.input_size != V:
        raise ValueError(f"layer.input_size must equal V = {V}; got {layer.input_size}")
    rng = np.random.default_rng(seed)
    model = SequenceModel(layer, Linear(layer.hidden_size, V, rng=rng), loss="softmax",
                          target="every")
    history = train(model, Adam(lr=lr), lambda step: next_symbol_batch(T, B, V, rng), steps,
                    progress=progress, clip_norm=5.0)
    return model, history
