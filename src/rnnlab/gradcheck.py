"""Gradient checking by central differences, with a per-parameter report.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

The numerical gradient of a scalar function L at an array x is, entry by entry, the
central difference

    order 2:  dL/dx_i ≈ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps),
    order 4:  dL/dx_i ≈ (-L(x + 2eps e_i) + 8 L(x + eps e_i) - 8 L(x - eps e_i)
                         + L(x - 2eps e_i)) / (12 eps).

The error is truncation, O(eps^2) or O(eps^4), plus rounding, O(u |L| / eps) with u the
unit roundoff. Order 2 at eps = 1e-6 resolves a gradient entry only to about 1e-10 |L|;
order 4 lets eps grow to 1e-3 and reaches about 1e-12 |L|, which is what a gradient
reaching back 20 steps needs. :func:`check_layer` uses order 4 in float64; a gradient far
below that floor (one that has truly vanished) cannot be verified by any difference
quotient. The relative error of an analytic
gradient ``a`` against the numerical ``n`` is ||a - n|| / (||a|| + ||n||) (Euclidean norms
over the whole array; 0 when both are exactly zero).

Nothing here mutates its inputs: :func:`check_layer` perturbs a deep copy of the layer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._checks import check_rng

__all__ = ["numerical_gradient", "relative_error", "GradCheckReport", "check_layer",
           "linear_loss"]


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6,
                       indices=None, order: int = 2) -> np.ndarray:
    """Central-difference gradient of ``f()`` with respect to the array ``x``.

    ``order`` 2 (the textbook two-point formula) or 4 (five-point stencil).
    ``f`` takes no argument and reads ``x`` (which is perturbed in place, one entry at a
    time, and restored to its exact original value before returning). ``indices``: an
    optional iterable of flat indices to check (others are returned as NaN).
    Returns an array of the shape and dtype of ``x``.
    """
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must be a float array; got dtype {x.dtype}")
    grad = np.full(x.shape, np.nan if indices is not None else 0.0, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so it can be perturbed in place")
    if order not in (2, 4):
        raise ValueError(f"order must be 2 or 4; got {order}")

    def at(i, old, delta):
        flat[i] = old + delta
        value = f()
        flat[i] = old  # restore exactly
        return value

    for i in range(flat.size) if indices is None else indices:
        old = flat[i]
        d1 = at(i, old, eps) - at(i, old, -eps)
        if order == 2:
            gflat[i] = d1 / (2 * eps)
        else:
            d2 = at(i, old, 2 * eps) - at(i, old, -2 * eps)
            gflat[i] = (8 * d1 - d2) / (12 * eps)
    return grad.astype(x.dtype)


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """||a - n|| / (||a|| + ||n||) over the entries where ``numeric`` is not NaN."""
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    if a.shape != n.shape:
        raise ValueError(f"analytic and numeric gradients differ in shape: {a.shape} vs {n.shape}")
    keep = ~np.isnan(n)
    a, n = a[keep], n[keep]
    denom = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - n) / denom)


class GradCheckReport(NamedTuple):
    """Relative error per checked array (``errors``: name -> float) and the tolerance.

    Names are the parameter names, plus ``"X"`` and ``"state"`` (``"state.h"``,
    ``"state.c"`` for an LSTM). ``max_error`` is the largest; ``passed`` is
    ``max_error <= tol``. ``str(report)`` is a table whose numbers are rounded to one
    significant digit in the exponent, so it reads the same on any BLAS.
    """

    errors: dict
    tol: float

    @property
    def max_error(self) -> float:
        return max(self.errors.values())

    @property
    def passed(self) -> bool:
        return self.max_error <= self.tol

    def __str__(self) -> str:
        width = max(len(k) for k in self.errors)
        lines = [f"{'array':<{width}}  rel. error  <= {self.tol:.0e}"]
        for name, err in self.errors.items():
            lines.append(f"{name:<{width}}  {_order(err):>10}  {err <= self.tol}")
        lines.append(f"max relative error <= {self.tol:.0e}: {self.passed}")
        return "\n".join(lines)


def _order(err: float) -> str:
    """An error shown only by its order of magnitude ("< 1e-09"), stable across machines."""
    if err == 0:
        return "0"
    return f"< 1e{int(np.floor(np.log10(err))) + 1:+03d}"


def linear_loss(H_shape: tuple, rng: np.random.Generator, where: str = "every", dtype=np.float64):
    """A random linear loss L = sum_t sum_b G_t,b · h_t,b and its gradient dL/dH = G.

    ``where="every"`` puts a loss on every step, ``"last"`` only on h_T (the other G_t
    are zero). Random weights make L sensitive to every entry of H. Returns a function
    ``H -> (L, dH)``.
    """
    if where not in ("every", "last"):
        raise ValueError(f"where must be 'every' or 'last'; got {where!r}")
    G = rng.standard_normal(H_shape).astype(dtype)
    if where == "last":
        G[:-1] = 0
    return lambda H: (float(np.sum(G * H)), G)


def _state_items(state) -> list:
    if state is None:
        return []
    if isinstance(state, np.ndarray):
        return [("state", state)]
    if isinstance(state, tuple) and len(state) == 2 and all(isinstance(s, np.ndarray)
                                                            for s in state):
        return [("state.h", state[0]), ("state.c", state[1])]
    out = []
    for i, s in enumerate(state):
        out += [(f"state[{i}]" + n[5:], a) for n, a in _state_items(s)]
    return out


def _has_kinks(layer) -> bool:
    """True if the layer (or a part of it) uses a non-differentiable activation (relu)."""
    parts = getattr(layer, "layers", None) or [getattr(layer, n) for n in ("fwd", "bwd")
                                               if hasattr(layer, n)]
    if parts:
        return any(_has_kinks(p) for p in parts)
    act = getattr(layer, "activation", None)
    return act is not None and act.name == "relu"


def check_layer(layer, X: np.ndarray, state=None, *, loss="every", rng=None,
                eps: float | None = None, order: int | None = None, tol: float = 1e-7,
                max_entries: int | None = None,
                ) -> GradCheckReport:
    """Compare ``layer.backward`` with central differences for every parameter, X and state.

    layer: any rnnlab recurrent layer; X (T, B, D); state as the layer takes it (None for
    zeros, then no state gradient is checked). ``loss``: ``"every"`` / ``"last"`` for a
    random linear loss on every step / the last step (needs ``rng``), or a function
    ``H -> (L, dL/dH)``. ``eps``, ``order``: see :func:`numerical_gradient`; by default
    the five-point stencil with eps = 1e-3 for smooth layers, and the two-point formula
    with eps = 1e-6 for layers with a kink (relu): a difference quotient whose points
    straddle z = 0 measures nothing, and with eps = 1e-6 almost no pre-activation lies
    that close to the kink.
    ``max_entries``: check at most this many random entries per array
    (all by default). Works on deep copies: the layer, X and state are left untouched.
    """
    kinks = _has_kinks(layer)
    eps = eps if eps is not None else (1e-6 if kinks else 1e-3)
    order = order if order is not None else (2 if kinks else 4)
    layer = copy.deepcopy(layer)
    X = np.array(X, copy=True)
    state = copy.deepcopy(state)
    H, cache = layer.forward(X, state)
    if callable(loss):
        loss_fn = loss
    else:
        rng = check_rng(rng)
        loss_fn = linear_loss(H.shape, rng, loss, H.dtype)
    _, dH = loss_fn(H)
    dX, dstate0, grads = layer.backward(dH, cache)

    def f() -> float:
        return loss_fn(layer.forward(X, state)[0])[0]

    def pick(a):
        if max_entries is None or a.size <= max_entries:
            return None
        return np.random.default_rng(a.size).choice(a.size, max_entries, replace=False)

    errors = {}
    for name, p in layer.params.items():
        errors[name] = relative_error(grads[name], numerical_gradient(f, p, eps, pick(p), order))
    errors["X"] = relative_error(dX, numerical_gradient(f, X, eps, pick(X), order))
    d_items = _state_items(dstate0) if state is not None else []
    for (name, s), (_, ds) in zip(_state_items(state), d_items, strict=True):
        errors[name] = relative_error(ds, numerical_gradient(f, s, eps, pick(s), order))
    return GradCheckReport(errors, tol)
