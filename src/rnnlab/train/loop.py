"""A recurrent layer with an output layer and a loss, and the loop that trains it.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size, ``K`` output
size (classes for ``loss="softmax"``, regression targets for ``loss="mse"``).

:class:`SequenceModel` is NNDL's sequence model of §6.3: a recurrent layer gives h_t,
the output layer y_t = V h_t + c reads it — at every step (``target="every"``, the
synchronous sequence-to-sequence mode of §6.3.2) or only after the last one
(``target="last"``, sequence-to-class, §6.3.1) — and a loss compares y with the targets.
:func:`train` runs an optimiser for a number of steps on batches from a callable and
records the loss and the gradient norm (before clipping) at every step.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import NamedTuple

import numpy as np

from .._checks import as_float_array, check_array, check_positive_int
from ..layers.linear import Linear
from ..layers.losses import mse, softmax, softmax_cross_entropy
from ..layers.stack import PrefixedParams
from .optim import clip_grad_norm, clip_grad_value, global_norm
from .progress import progress_bar

__all__ = ["LossResult", "SequenceModel", "TrainHistory", "TrainRecorder", "train_step", "train"]


class LossResult(NamedTuple):
    """What :meth:`SequenceModel.loss_and_grads` returns.

    loss        float       the mean loss over the counted positions.
    grads       dict        dL/d(parameter), keyed like ``model.params``.
    final_state like state  the layer's state after the last step (to carry on a stream).
    logits      (T, B, K) or (B, K)  the output layer's values (softmax logits, or the
                            regression predictions for ``loss="mse"``).
    """

    loss: float
    grads: dict
    final_state: object
    logits: np.ndarray


class SequenceModel:
    """A recurrent ``layer``, a :class:`~rnnlab.layers.linear.Linear` ``head`` and a loss.

    ``loss``: ``"softmax"`` (cross-entropy, integer targets) or ``"mse"``.
    ``target``: ``"every"`` (an output at every step) or ``"last"`` (after the last step).
    ``params`` is one flat dict-like view, ``"rnn.<name>"`` for the layer and
    ``"out.<name>"`` for the head (a :class:`~rnnlab.layers.stack.PrefixedParams`, as for
    ``Stacked``): its arrays *are* the parts' arrays, so an optimiser that updates it in
    place trains both parts, and assigning ``model.params["rnn.W"] = ...`` reaches the layer.
    """

    def __init__(self, layer, head: Linear, *, loss: str = "softmax", target: str = "every"):
        if not all(hasattr(layer, a) for a in ("params", "hidden_size", "forward", "backward",
                                               "final_state")):
            raise TypeError(f"layer must be a recurrent layer (RNN, LSTM, GRU, Stacked, ...); "
                            f"got {type(layer).__name__}")
        if not isinstance(head, Linear):
            raise TypeError(f"head must be an rnnlab Linear layer; got {type(head).__name__}")
        if head.input_size != layer.hidden_size:
            raise ValueError(f"head.input_size must equal layer.hidden_size={layer.hidden_size}; "
                             f"got {head.input_size}")
        if head.dtype != layer.dtype:
            raise TypeError(f"head.dtype must equal layer.dtype={layer.dtype}; got {head.dtype}")
        if loss not in ("softmax", "mse"):
            raise ValueError(f"loss must be 'softmax' or 'mse'; got {loss!r}")
        if target not in ("every", "last"):
            raise ValueError(f"target must be 'every' or 'last'; got {target!r}")
        self.layer, self.head, self.loss, self.target = layer, head, loss, target
        self.dtype = layer.dtype
        self.params = PrefixedParams({"rnn": layer, "out": head})

    def __repr__(self) -> str:
        return (f"SequenceModel({self.layer!r}, head K={self.head.output_size}, "
                f"loss={self.loss!r}, target={self.target!r})")

    def _check_Y(self, Y, T: int, B: int) -> np.ndarray:
        """Targets: int (T, B) / (B,) for softmax; float (T, B, K) / (B, K) for mse."""
        K = self.head.output_size
        lead = ((("T", T),) if self.target == "every" else ()) + (("B", B),)
        if self.loss == "mse":
            Y = check_array(Y, "Y", lead + (("K", K),))
            return as_float_array(Y, "Y", self.dtype)
        Y = check_array(Y, "Y", lead)
        if not np.issubdtype(Y.dtype, np.integer):
            raise TypeError(f"Y must hold integer class indices for loss='softmax'; "
                            f"got dtype {Y.dtype}")
        if Y.min() < 0 or Y.max() >= K:
            raise ValueError(f"Y must hold class indices in [0, K={K}); got range "
                             f"[{Y.min()}, {Y.max()}]")
        return Y

    def _outputs(self, X, state):
        """Forward: H (T, B, H) for the whole sequence, then one matmul for the head."""
        H, cache = self.layer.forward(X, state)
        Hs = H if self.target == "every" else H[-1]  # (T, B, H) or (B, H)
        out, head_cache = self.head.forward(Hs)      # (T, B, K) or (B, K)
        return H, cache, out, head_cache

    def loss_and_grads(self, X: np.ndarray, Y: np.ndarray, state=None,
                       mask=None) -> LossResult:
        """Forward, loss and backward through time on one batch.

        X (T, B, D); Y int (T, B) (``target="every"``) or (B,) (``"last"``) class indices
        for ``loss="softmax"``, float (T, B, K) or (B, K) for ``loss="mse"``; ``state`` the
        layer's initial state (None for zeros); ``mask`` bool of Y's leading shape (T, B)
        or (B,), or None to count every position. The loss is in nats for "softmax".
        The gradient does not flow into ``state``: when ``state`` is a previous chunk's
        ``final_state`` this is truncated BPTT.
        """
        H, cache, out, head_cache = self._outputs(X, state)
        T, B = H.shape[:2]
        Y = self._check_Y(Y, T, B)
        if self.loss == "softmax":
            loss, dout = softmax_cross_entropy(out, Y, mask)
        else:
            loss, dout = mse(out, Y, mask)
        dHs, head_grads = self.head.backward(dout, head_cache)
        if self.target == "every":
            dH = dHs                                      # (T, B, H)
        else:
            dH = np.zeros_like(H)                         # (T, B, H): loss at step T only
            dH[-1] = dHs
        _, _, layer_grads = self.layer.backward(dH, cache)
        grads = {**{f"rnn.{k}": g for k, g in layer_grads.items()},
                 **{f"out.{k}": g for k, g in head_grads.items()}}
        return LossResult(loss, grads, self.layer.final_state(cache), out)

    def predict(self, X: np.ndarray, state=None) -> np.ndarray:
        """X (T, B, D) -> outputs (T, B, K) or (B, K) for ``target="last"``.

        Class probabilities (softmax of the logits) for ``loss="softmax"``, the predicted
        values for ``loss="mse"``.
        """
        out = self._outputs(X, state)[2]
        return softmax(out) if self.loss == "softmax" else out


class TrainHistory(NamedTuple):
    """The record of a training run, one entry per step taken.

    loss      (n,)  the training loss at each step (nats for loss="softmax").
    grad_norm (n,)  the global gradient norm at each step, *before* clipping.
    seconds   (n,)  wall time since the start, at the end of each step.
    diverged  bool  True if training stopped early on a NaN/inf loss or gradient.
    """

    loss: np.ndarray
    grad_norm: np.ndarray
    seconds: np.ndarray
    diverged: bool = False


class TrainRecorder:
    """The progress bar and per-step record of a training loop, made into a
    :class:`TrainHistory` by ``finish`` (used by :func:`train` and ``train_tbptt``)."""

    def __init__(self, n_steps: int, progress: bool, desc: str, leave: bool):
        self.loss = np.full(n_steps, np.nan)
        self.grad_norm = np.full(n_steps, np.nan)
        self.seconds = np.full(n_steps, np.nan)
        self.n = 0
        self.bar = progress_bar(total=n_steps, desc=desc, leave=leave, disable=not progress)
        self.every = max(1, n_steps // 200)  # refresh the loss shown about 200 times
        self.start = time.perf_counter()

    def record(self, loss: float, norm: float) -> None:
        i = self.n
        self.loss[i], self.grad_norm[i] = loss, norm
        self.seconds[i] = time.perf_counter() - self.start
        self.n += 1
        if i % self.every == 0:
            self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
        self.bar.update(1)

    def finish(self, diverged: bool) -> TrainHistory:
        self.bar.close()
        n = self.n
        if diverged:
            warnings.warn(f"training stopped at step {n - 1}: the loss or the gradient norm is "
                          f"not finite (loss={self.loss[n - 1]}, norm={self.grad_norm[n - 1]}); "
                          "try a smaller lr or clip_norm", RuntimeWarning, stacklevel=3)
        return TrainHistory(self.loss[:n].copy(), self.grad_norm[:n].copy(),
                            self.seconds[:n].copy(), diverged)


def train_step(model: SequenceModel, optimizer, X, Y, *, mask=None, state=None, clip_norm=None,
               clip_value=None) -> tuple[LossResult, float, bool]:
    """One training step: loss and gradients, their global norm, clipping, the optimiser.

    Returns ``(result, norm, ok)``: the :class:`LossResult`, the global norm before
    clipping, and whether both were finite — if not, the parameters are left unchanged.
    """
    res = model.loss_and_grads(X, Y, state=state, mask=mask)
    norm = global_norm(res.grads)
    ok = math.isfinite(res.loss) and math.isfinite(norm)
    if ok:  # never apply a NaN/inf update: the parameters stay usable for inspection
        grads = res.grads
        if clip_value is not None:
            grads = clip_grad_value(grads, clip_value)
        if clip_norm is not None:
            grads, _ = clip_grad_norm(grads, clip_norm)
        optimizer.step(model.params, grads)
    return res, norm, ok


def train(model: SequenceModel, optimizer, batches, n_steps: int, *, clip_norm=None,
          clip_value=None, progress: bool = True, desc: str = "training",
          leave: bool = True) -> TrainHistory:
    """Train ``model`` for ``n_steps`` steps; return a :class:`TrainHistory`.

    ``batches(step)`` returns ``(X, Y)`` or ``(X, Y, mask)`` for step 0, 1, ...: X (T, B, D)
    and Y, mask as :meth:`SequenceModel.loss_and_grads` takes them. ``clip_value`` clips
    each gradient entry, then ``clip_norm`` the global norm (either, both or neither).
    ``progress`` shows a tqdm bar (``leave=False`` removes it when done). Training stops
    early, with a warning and ``diverged=True``, at the first NaN/inf loss or gradient.
    """
    n_steps = check_positive_int(n_steps, "n_steps")
    if not callable(batches):
        raise TypeError(f"batches must be a callable step -> (X, Y) or (X, Y, mask); got "
                        f"{type(batches).__name__}")
    rec = TrainRecorder(n_steps, progress, desc, leave)
    ok = True
    for step in range(n_steps):
        batch = batches(step)
        if not isinstance(batch, tuple) or len(batch) not in (2, 3):
            got = f"length {len(batch)}" if isinstance(batch, tuple) else type(batch).__name__
            raise ValueError(f"batches({step}) must return (X, Y) or (X, Y, mask); got {got}")
        X, Y, mask = batch if len(batch) == 3 else (*batch, None)
        res, norm, ok = train_step(model, optimizer, X, Y, mask=mask, clip_norm=clip_norm,
                                   clip_value=clip_value)
        rec.record(res.loss, norm)
        if not ok:
            break
    return rec.finish(diverged=not ok)
