"""Losses with their gradients: softmax cross-entropy and mean squared error.

Shape legend: ``N...`` any leading shape (e.g. ``(T, B)`` for a loss at every step or
``(B,)`` for the last step only), ``K`` number of classes / output size.
Both losses are averaged over the positions they count, so the returned gradient is
``dL/d(input)`` of that average.
"""

from __future__ import annotations

import numpy as np

__all__ = ["softmax", "log_softmax", "softmax_cross_entropy", "mse"]


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log softmax over the last axis, shifted by the maximum so exp never overflows."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, stable for any finite logits (e.g. +-1e4)."""
    return np.exp(log_softmax(logits))


def _check_mask(mask, shape):
    if mask is None:
        return None
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != shape:
        raise ValueError(f"mask must have shape {shape} (the shape of targets); got {mask.shape}")
    if not mask.any():
        raise ValueError("mask selects no position: the average loss is undefined")
    return mask


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray, mask=None):
    """Mean of -log softmax(logits)[target] over the counted positions.

    logits  (N..., K) float; targets (N...,) int in [0, K); mask (N...,) bool or None.
    Returns ``(loss, dlogits)`` with ``dlogits`` (N..., K) = (softmax - onehot) / count,
    zero where the mask is False.
    """
    logits = np.asarray(logits)
    targets = np.asarray(targets)
    if logits.ndim < 1 or logits.shape[:-1] != targets.shape:
        raise ValueError(
            f"logits must have shape targets.shape + (K,) = {targets.shape} + (K,); "
            f"got {logits.shape}")
    if not np.issubdtype(targets.dtype, np.integer):
        raise TypeError(f"targets must be integer class indices; got dtype {targets.dtype}")
    K = logits.shape[-1]
    if targets.size and (targets.min() < 0 or targets.max() >= K):
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


def mse(pred: np.ndarray, target: np.ndarray, mask=None):
    """Mean squared error mean((pred - target)**2) over the counted positions.

    pred, target (N..., K); mask (N...,) bool or None. Returns ``(loss, dpred)``.
    """
    pred = np.asarray(pred)
    target = np.asarray(target)
    if pred.shape != target.shape:
        raise ValueError(f"target must have the shape of pred {pred.shape}; got {target.shape}")
    if not (np.isfinite(pred).all() and np.isfinite(target).all()):
        raise ValueError("pred or target contains NaN or inf")
    mask = _check_mask(mask, pred.shape[:-1]) if pred.ndim > 0 else None
    diff = pred - target
    weight = np.ones(pred.shape[:-1] + (1,), pred.dtype) if mask is None else \
        mask[..., None].astype(pred.dtype)
    count = weight.sum() * pred.shape[-1]
    loss = (diff * diff * weight).sum() / count
    return float(loss), 2 * diff * weight / count
