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
quotient.

The truncation term eps^4 L^(5) / 30 is not always small at eps = 1e-3: a layer whose
state grows large (the residual RNN of (6.50) reaches |h| ~ 20 in 20 steps) makes L
vary on a scale near eps, and the five-point estimate is then off by as much as 1e-4
(a false alarm at tol = 1e-7). ``refine=True`` (what :func:`check_layer` uses) therefore
tests each array: for the entry whose two-point estimates at eps and 2 eps differ most
(the most curved one), it also forms the stencil at 2 eps and at eps / 10. The truncation
error grows as eps^4 and the rounding error as 1 / eps, so if the estimate moves more
between 2 eps and eps than between eps and eps / 10, truncation dominates; if it also
moves by more than 1e-9 of the array's rms gradient, the whole array is redone at
eps / 10 (at most three times). An array without visible truncation keeps eps (and its
lower rounding) at a cost of two to six extra evaluations; the estimates never look at
the analytic gradient, so a wrong gradient is still caught.

The relative error of an analytic
gradient ``a`` against the numerical ``n`` is ||a - n|| / (||a|| + ||n||) (Euclidean norms
over the whole array; 0 when both are exactly zero). A check fails on NaN rather than
skipping it: if either gradient holds a NaN or an inf (a layer whose state overflowed),
the error is NaN, and so is the report's maximum, so the check does not pass.

Nothing here mutates its inputs: :func:`check_layer` perturbs a deep copy of the layer.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .._checks import check_rng
from ..layers.stack import Bidirectional, Stacked

__all__ = ["numerical_gradient", "numerical_jacobian", "relative_error", "order_of_magnitude",
           "GradCheckReport", "check_layer", "linear_loss"]


#: an entry's truncation error, relative to the array's rms gradient, worth a smaller step
_TRUNCATION_FLOOR = 1e-9


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6,
                       indices=None, order: int = 2, refine: bool = False) -> np.ndarray:
    """Central-difference gradient of ``f()`` with respect to the array ``x``.

    ``order`` 2 (the textbook two-point formula) or 4 (five-point stencil).
    ``f`` takes no argument and reads ``x`` (which is perturbed in place, one entry at a
    time, and restored to its exact original value before returning). ``indices``: an
    optional iterable of flat indices to check (others are returned as NaN). ``refine``
    (order 4 only): redo the array at eps / 10 while its truncation error is visible
    (see the module docstring). Returns an array of the shape and dtype of ``x``.
    """
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must be a float array; got dtype {x.dtype}")
    grad = np.full(x.shape, np.nan if indices is not None else 0.0, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so it can be perturbed in place")
    if order not in (2, 4):
        raise ValueError(f"order must be 2 or 4; got {order}")
    if refine and order != 4:
        raise ValueError("refine needs order=4")
    idx = np.arange(flat.size) if indices is None else np.asarray(list(indices), dtype=np.intp)

    def diff(i, h):  # f(x + h e_i) - f(x - h e_i), x_i restored exactly
        old = flat[i]
        flat[i] = old + h
        up = f()
        flat[i] = old - h
        down = f()
        flat[i] = old
        return up - down

    d1 = np.array([diff(i, eps) for i in idx], dtype=np.float64)
    if order == 2:
        gflat[idx] = d1 / (2 * eps)
        return grad.astype(x.dtype)
    d2 = np.array([diff(i, 2 * eps) for i in idx], dtype=np.float64)
    gflat[idx] = (8 * d1 - d2) / (12 * eps)
    for _ in range(3 if refine and idx.size else 0):
        if not np.isfinite(gflat[idx]).all():
            break  # a NaN or inf (an overflowed L) stays so at any eps: the check fails anyway
        # the most curved entry: its two-point estimates at eps and 2 eps differ most
        k = int(np.argmax(np.abs(d2 / (4 * eps) - d1 / (2 * eps))))
        g = gflat[idx[k]]
        floor = _TRUNCATION_FLOOR * np.sqrt(np.mean(gflat[idx] ** 2))
        g_wide = (8 * d2[k] - diff(idx[k], 4 * eps)) / (24 * eps)  # the stencil at 2 eps
        if abs(g_wide - g) <= 15 * floor:  # its truncation error, about |g_wide - g| / 15
            break
        e = eps / 10
        f1, f2 = diff(idx[k], e), diff(idx[k], 2 * e)
        g_fine = (8 * f1 - f2) / (12 * e)
        if abs(g - g_fine) <= floor or abs(g_wide - g) <= abs(g - g_fine):
            break  # nothing to gain, or rounding (not truncation) moves the estimate
        eps = e
        d1 = np.array([f1 if j == k else diff(i, e) for j, i in enumerate(idx)])
        d2 = np.array([f2 if j == k else diff(i, 2 * e) for j, i in enumerate(idx)])
        gflat[idx] = (8 * d1 - d2) / (12 * e)
    return grad.astype(x.dtype)


def numerical_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                       eps: float = 1e-3) -> np.ndarray:
    """The Jacobian (m, n) of a vector function ``f`` (n,) -> (m,) at a 1-D float64 array
    ``x`` (n,), column j by the five-point central difference in x_j:
    (8 (f(x + e) - f(x - e)) - (f(x + 2e) - f(x - 2e))) / (12 eps). ``x`` is not changed."""
    x = np.asarray(x)
    if x.ndim != 1 or x.dtype != np.float64:
        raise ValueError(f"x must be a 1-D float64 array (n,); got {x.dtype} {x.shape}")
    if not (isinstance(eps, (int, float)) and eps > 0):
        raise ValueError(f"eps must be a positive number; got {eps!r}")
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = eps
        cols.append((8 * (f(x + e) - f(x - e)) - (f(x + 2 * e) - f(x - 2 * e))) / (12 * eps))
    return np.stack(cols, axis=1)


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """||a - n|| / (||a|| + ||n||) over all entries (0 when both are exactly zero).

    NaN if either array holds a NaN or an inf: such a gradient is wrong, whatever the other
    entries say. (Compare only the entries :func:`numerical_gradient` computed when it was
    given ``indices``; the others are NaN.) Both arrays are first scaled by the same
    power of two, which is exact, so that huge or tiny gradients do not overflow or
    underflow in the norms.
    """
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    if a.shape != n.shape:
        raise ValueError(f"analytic and numeric gradients differ in shape: {a.shape} vs {n.shape}")
    if not (np.isfinite(a).all() and np.isfinite(n).all()):
        return math.nan
    top = max(float(np.abs(a).max(initial=0.0)), float(np.abs(n).max(initial=0.0)))
    if top == 0:
        return 0.0
    scale = math.ldexp(1.0, -math.frexp(top)[1])  # 2**-e with top = f 2**e, f in [0.5, 1)
    a, n = a * scale, n * scale
    denom = np.linalg.norm(a) + np.linalg.norm(n)
    return float(np.linalg.norm(a - n) / denom)


class GradCheckReport(NamedTuple):
    """Relative error per checked array (``errors``: name -> float) and the tolerance.

    Names are the parameter names, plus ``"X"`` and ``"state"`` (``"state.h"``,
    ``"state.c"`` for an LSTM; ``"state[0]"``, ``"state[1].h"``, ... for the layers of a
    Stacked; ``"state.fwd"``, ``"state.bwd.c"``, ... for a Bidirectional). ``max_error``
    is the largest, NaN if any error is NaN (a non-finite gradient); ``passed`` is
    ``max_error <= tol``, so False then; ``failed`` lists the names that did not pass.
    ``str(report)`` is a table whose numbers are rounded to one significant digit in the
    exponent, so it reads the same on any BLAS.
    """

    errors: dict
    tol: float

    @property
    def max_error(self) -> float:
        return float(np.max(list(self.errors.values())))  # np.max propagates NaN; max() not

    @property
    def passed(self) -> bool:
        return self.max_error <= self.tol

    @property
    def failed(self) -> list:
        """The names whose error is above ``tol`` or NaN."""
        return [name for name, err in self.errors.items() if not err <= self.tol]

    def __str__(self) -> str:
        width = max(len(k) for k in self.errors)
        lines = [f"{'array':<{width}}  rel. error  <= {self.tol:.0e}"]
        for name, err in self.errors.items():
            lines.append(f"{name:<{width}}  {order_of_magnitude(err):>10}  {err <= self.tol}")
        lines.append(f"max relative error <= {self.tol:.0e}: {self.passed}")
        return "\n".join(lines)


def order_of_magnitude(err: float) -> str:
    """An error shown only by its order of magnitude ("< 1e-09"), stable across machines."""
    if err == 0:
        return "0"
    if not math.isfinite(err):
        return str(err)  # "nan": a gradient held NaN or inf
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


def _state_items(layer, state, dstate, name: str = "state") -> list:
    """(label, state array, its gradient) for every array of ``state``, labelled by the
    layer's structure: "state" or "state.h", "state.c" (LSTM); "state[l]..." for the
    layers of a Stacked, "state.fwd...", "state.bwd..." for a Bidirectional. Parts whose
    state is None (zeros) are not checked."""
    if state is None:
        return []
    if isinstance(layer, Stacked):
        return [item for l, (part, s, d) in enumerate(zip(layer.layers, state, dstate, strict=True))
                for item in _state_items(part, s, d, f"{name}[{l}]")]
    if isinstance(layer, Bidirectional):
        return (_state_items(layer.fwd, state[0], dstate[0], f"{name}.fwd")
                + _state_items(layer.bwd, state[1], dstate[1], f"{name}.bwd"))
    if getattr(layer, "n_states", 1) == 2:
        return [(f"{name}.{k}", s, d) for k, s, d in zip("hc", state, dstate, strict=True)]
    return [(name, state, dstate)]


def _has_kinks(layer) -> bool:
    """True if the layer (or a part of it) uses a non-differentiable activation (relu)."""
    parts = getattr(layer, "layers", None) or [getattr(layer, n) for n in ("fwd", "bwd")
                                               if hasattr(layer, n)]
    if parts:
        return any(_has_kinks(p) for p in parts)
    act = getattr(layer, "activation", None)
    return act is not None and act.name == "relu"


#: the seed of the random weights G_T of the final-state term of :func:`check_layer`: fixed,
#: so that the check draws nothing from the caller's ``rng`` beyond the loss weights
_FINAL_STATE_SEED = 6


def _random_like(state, rng: np.random.Generator):
    """Standard-normal arrays in the nested form of ``state`` (an array, or a tuple or list
    of such forms, as ``final_state`` returns them)."""
    if isinstance(state, np.ndarray):
        return rng.standard_normal(state.shape).astype(state.dtype)
    return type(state)(_random_like(s, rng) for s in state)


def _dot(a, b) -> float:
    """sum(a * b) over every array of two states of the same nested form."""
    if isinstance(a, np.ndarray):
        return float(np.sum(a * b))
    return sum(_dot(x, y) for x, y in zip(a, b, strict=True))


def check_layer(layer, X: np.ndarray, state=None, *, loss="every", rng=None,
                eps: float | None = None, order: int | None = None, tol: float = 1e-7,
                max_entries: int | None = None, refine: bool | None = None,
                ) -> GradCheckReport:
    """Compare ``layer.bptt`` with central differences for every parameter, X and state.

    layer: any rnnlab recurrent layer, built with ``dtype=np.float64`` (a difference
    quotient in float32 resolves only about 1e-3 of a gradient, so float32 is refused);
    X (T, B, D); state as the layer takes it (None for zeros, then no state gradient is
    checked). ``loss``: ``"every"`` / ``"last"`` for a random linear loss on every step /
    the last step (needs ``rng``), or a function ``H -> (L, dL/dH)``. To the loss is added
    a random linear term in the final state, <G_T, final_state> (G_T drawn from a fixed
    seed), whose gradient enters ``bptt`` as ``dstate_T``: so the path from the final
    state back (dc_T of an LSTM included) is checked too. ``eps``, ``order``: see
    :func:`numerical_gradient`; by default the five-point stencil with eps = 1e-3 for
    smooth layers, and the two-point formula with eps = 1e-6 for layers with a kink
    (relu): a difference quotient whose points straddle z = 0 measures nothing, and with
    eps = 1e-6 almost no pre-activation lies that close to the kink. ``refine`` (order 4
    only, on by default): shrink eps for an array whose truncation error shows (see the
    module docstring). ``max_entries``: check at most this many random entries per array
    (all by default). A NaN or inf in either gradient of an array makes its error NaN
    and the check fail. Works on deep copies: the layer, X and state are left untouched.
    """
    dtype = np.dtype(getattr(layer, "dtype", np.float64))
    if dtype != np.float64:
        raise TypeError(f"gradient checks need float64: build the layer with "
                        f"dtype=np.float64; got a {dtype} layer")
    kinks = _has_kinks(layer)
    eps = eps if eps is not None else (1e-6 if kinks else 1e-3)
    order = order if order is not None else (2 if kinks else 4)
    refine = order == 4 and (refine is None or bool(refine))  # the two-point rule never refines
    layer = copy.deepcopy(layer)
    X = np.array(X, copy=True)
    state = copy.deepcopy(state)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow shows as a NaN error
        H, cache = layer.forward(X, state)
        if callable(loss):
            loss_fn = loss
        else:
            rng = check_rng(rng)
            loss_fn = linear_loss(H.shape, rng, loss, H.dtype)
        G_T = _random_like(layer.final_state(cache), np.random.default_rng(_FINAL_STATE_SEED))
        _, dH = loss_fn(H)
        r = layer.bptt(dH, cache, G_T)  # dL/d(final state) = G_T comes in as dstate_T

        def f() -> float:
            H, cache = layer.forward(X, state)
            return loss_fn(H)[0] + _dot(G_T, layer.final_state(cache))

        def error(analytic, a) -> float:  # analytic against numerical dL/da
            idx = None
            if max_entries is not None and a.size > max_entries:
                idx = np.random.default_rng(a.size).choice(a.size, max_entries, replace=False)
            numeric = numerical_gradient(f, a, eps, idx, order, refine)
            if idx is None:
                return relative_error(analytic, numeric)
            return relative_error(np.ravel(analytic)[idx], numeric.reshape(-1)[idx])

        errors = {name: error(r.grads[name], p) for name, p in layer.params.items()}
        errors["X"] = error(r.dX, X)
        for name, s, ds in _state_items(layer, state, r.dstate0):
            errors[name] = error(ds, s)
    return GradCheckReport(errors, tol)
