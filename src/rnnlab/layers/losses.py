"""Losses with their gradients: softmax cross-entropy and mean squared error.

Shape legend: ``N...`` any leading shape (e.g. ``(T, B)`` for a loss at every step or
``(B,)`` for the last step only), ``K`` number of classes / output size.
Both losses are averaged over the positions they count, so the returned gradient is
``dL/d(input)`` of that average.
"""

from __future__ import annotations

import numpy as np

__all__ = ["softmax", "log_softmax", "softmax_cross_entropy", "mse"]


def _as_logits(logits, name: str = "logits") -> np.ndarray:
    """``logits`` (..., K) as a float32 or float64 array with K >= 1 classes.

    A list or an int array is read as float64 (the values are the same). float16 is
    refused: its sums overflow at 65504, so a loss over many positions would be inf.
    """
    x = np.asarray(logits)
    if np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.float64)
    elif x.dtype == np.float16:
        raise TypeError(f"{name} must be float32 or float64; float16 sums overflow at 65504 "
                        f"(convert with {name}.astype(np.float32))")
    elif x.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be a float32 or float64 array; got dtype {x.dtype}")
    if x.ndim < 1 or x.shape[-1] == 0:
        raise ValueError(f"{name} must have shape (..., K) with K >= 1 classes; got {x.shape}")
    return x


def _row_max(logits: np.ndarray) -> np.ndarray:
    """The maximum of each row (..., 1), refusing the rows whose softmax is undefined: a
    NaN, a +inf (inf - inf is NaN), or every entry -inf (no class has any probability).
    An entry of -inf beside finite ones is fine: its probability is exactly 0."""
    top = logits.max(axis=-1, keepdims=True)
    if not np.isfinite(top).all():  # np.max propagates NaN, so one check finds all three
        if np.isnan(top).any():
            raise ValueError("logits contains NaN")
        if (top == np.inf).any():
            raise ValueError("logits contains +inf: the softmax of its row is undefined; "
                             "give finite logits")
        raise ValueError("a row of logits is all -inf: its softmax is undefined (no class "
                         "has any probability)")
    return top


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log softmax over the last axis, shifted by the maximum so exp never overflows.

    logits (..., K) float32 or float64 (a list or ints are read as float64); -inf entries
    give -inf, a row with NaN or +inf, or all -inf, raises ``ValueError``.
    """
    logits = _as_logits(logits)
    shifted = logits - _row_max(logits)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, stable for any finite logits (e.g. +-1e4); (..., K)."""
    return np.exp(log_softmax(logits))


def _check_mask(mask, shape, what: str = "the shape of targets"):
    if mask is None:
        return None
    mask = np.asarray(mask)
    if mask.dtype != bool:  # a float or int is not silently read as "nonzero"
        raise TypeError(f"mask must be a bool array of shape {shape}; got dtype {mask.dtype} "
                        f"(make one by a comparison, e.g. Y != pad)")
    if mask.shape != shape:
        raise ValueError(f"mask must have shape {shape} ({what}); got {mask.shape}")
    if not mask.any():
        raise ValueError("mask selects no position: the average loss is undefined")
    return mask


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray, mask=None):
    """Mean of -log softmax(logits)[target] over the counted positions.

    logits  (N..., K) float32 or float64; targets (N...,) int in [0, K); mask (N...,)
    bool or None. Returns ``(loss, dlogits)`` with ``dlogits`` (N..., K) =
    (softmax - onehot) / count, zero where the mask is False. At least one position must
    be counted (an empty batch has no mean).
    """
    logits = _as_logits(logits)
    targets = np.asarray(targets)
    if logits.shape[:-1] != targets.shape:
        raise ValueError(
            f"logits must have shape targets.shape + (K,) = {targets.shape} + (K,); "
            f"got {logits.shape}")
    if not np.issubdtype(targets.dtype, np.integer):
        raise TypeError(f"targets must be integer class indices; got dtype {targets.dtype}")
    if targets.size == 0:
        raise ValueError(f"logits must hold at least one position: the mean loss over none is "
                         f"undefined; got shape {logits.shape}")
    K = logits.shape[-1]
    if targets.min() < 0 or targets.max() >= K:
        raise ValueError(f"targets must lie in [0, K={K}); got range "
                         f"[{targets.min()}, {targets.max()}]")
    if not np.isfinite(logits).all():
        raise ValueError("logits contains NaN or inf")
    mask = _check_mask(mask, targets.shape)
    logp = log_softmax(logits)
    nll = -np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    weight = np.ones(targets.shape, logits.dtype) if mask is None else mask.astype(logits.dtype)
    count = weight.sum()
    loss = (nll * weight).sum() / count
    dlogits = np.exp(logp)
    np.put_along_axis(dlogits, targets[..., None],
                      np.take_along_axis(dlogits, targets[..., None], axis=-1) - 1, axis=-1)
    dlogits *= (weight / count)[..., None]
    return float(loss), dlogits


def _as_values(x, name: str) -> np.ndarray:
    """A real-valued array for :func:`mse`: float32, float64 or ints (not bool, not float16)."""
    x = np.asarray(x)
    if x.dtype == np.float16:
        raise TypeError(f"{name} must be float32 or float64; float16 sums overflow at 65504 "
                        f"(convert with {name}.astype(np.float32))")
    if x.dtype == bool or not (np.issubdtype(x.dtype, np.floating)
                               or np.issubdtype(x.dtype, np.integer)):
        raise TypeError(f"{name} must be a real-valued (float) array; got dtype {x.dtype}")
    return x


def mse(pred: np.ndarray, target: np.ndarray, mask=None):
    """Mean squared error mean((pred - target)**2) over the counted positions.

    pred, target (N..., K), at least one axis and one value; mask (N...,) bool or None.
    Returns ``(loss, dpred)``.
    """
    pred = _as_values(pred, "pred")
    target = _as_values(target, "target")
    if pred.ndim == 0 or pred.size == 0:
        raise ValueError(f"pred must have shape (N..., K) with at least one value, e.g. (B, 1) "
                         f"for one number per example; got {pred.shape}")
    if pred.shape != target.shape:
        raise ValueError(f"target must have the shape of pred {pred.shape}; got {target.shape}")
    if not (np.isfinite(pred).all() and np.isfinite(target).all()):
        raise ValueError("pred or target contains NaN or inf")
    mask = _check_mask(mask, pred.shape[:-1], "pred.shape without its last axis")
    diff = pred - target
    weight = np.ones(pred.shape[:-1] + (1,), pred.dtype) if mask is None else \
        mask[..., None].astype(pred.dtype)
    count = weight.sum() * pred.shape[-1]
    loss = (diff * diff * weight).sum() / count
    return float(loss), 2 * diff * weight / count
