"""Optimisers that update a flat parameter dict in place, and gradient clipping.

Shape legend: every gradient ``grads[name]`` has the shape of ``params[name]`` (e.g.
``W`` (H, D), ``U`` (H, H), ``b`` (H,)); the update rules below act entry by entry.

Every optimiser has one method, ``opt.step(params, grads)``: it checks that ``grads`` has
exactly the keys and shapes of ``params``, float dtypes and no NaN or inf, and only then
changes the arrays of ``params`` in place (a layer whose ``params`` dict is passed is
trained; float32 stays float32). Any running statistics (velocity, squared-gradient
sums, Adam's moments) live inside the optimiser, one array per parameter name — so use
one optimiser per model.

Clipping (NNDL §6.5.1; Pascanu, Mikolov & Bengio 2013) is a separate, pure function:
:func:`clip_grad_norm` rescales the whole gradient and keeps its direction;
:func:`clip_grad_value` clips each entry and, in general, turns the direction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

__all__ = ["SGD", "Momentum", "Adagrad", "Adam", "global_norm", "clip_grad_norm",
           "clip_grad_value"]


def _check_hyper(value, name: str, low: float = 0.0, high: float = math.inf,
                 low_open: bool = True, high_open: bool = False) -> float:
    """A finite real hyper-parameter in the interval (low, high] (ends as requested)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    v = float(value)
    too_low = v <= low if low_open else v < low
    too_high = v >= high if high_open else v > high
    if not math.isfinite(v) or too_low or too_high:
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{name} must lie in {interval}; got {value!r}")
    return v


def _float_array(g, name: str) -> np.ndarray:
    """``g`` as an array of a real float dtype; TypeError for ints, bools, complex, objects.

    Integer gradients are refused rather than converted: a gradient is a real-valued
    derivative, and an int array usually means a wrong argument (and would be rounded by
    any rescaling done in its own dtype)."""
    g = np.asarray(g)
    if not np.issubdtype(g.dtype, np.floating):
        raise TypeError(f"{name} must be a float array; got dtype {g.dtype}")
    return g


def _checked_grads(params: Mapping, grads: Mapping) -> dict:
    """Validate every gradient before any parameter is touched; return them in the dtypes
    of their parameters (name -> array).

    ``grads`` must have exactly the keys of ``params``; ``grads[name]`` a float array of
    the shape of ``params[name]``, finite also once cast to the parameter's dtype (a
    float64 entry of 1e39 overflows float32). A bad entry therefore raises before the
    step starts, and no parameter is half-updated.
    """
    if not isinstance(params, Mapping) or not isinstance(grads, Mapping):
        raise TypeError("params and grads must be dicts name -> array; got "
                        f"{type(params).__name__} and {type(grads).__name__}")
    missing, extra = set(params) - set(grads), set(grads) - set(params)
    if missing or extra:
        raise KeyError(f"grads must have the keys of params; missing {sorted(missing)}, "
                       f"unexpected {sorted(extra)}")
    checked = {}
    for name, p in params.items():
        if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
            what = f"dtype {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
            raise TypeError(f"params[{name!r}] must be a float array updated in place; got "
                            f"{what}")
        g = _float_array(grads[name], f"grads[{name!r}]")
        if g.shape != p.shape:
            raise ValueError(f"grads[{name!r}] must have the shape of params[{name!r}] "
                             f"{p.shape}; got {g.shape}")
        if not np.isfinite(g).all():
            raise ValueError(f"grads[{name!r}] contains NaN or inf; no parameter was updated "
                             f"(lower the learning rate, or clip the gradients)")
        with np.errstate(over="ignore"):  # an overflow shows as inf, refused just below
            g = g.astype(p.dtype, copy=False)  # compute in the parameter's dtype
        if not np.isfinite(g).all():
            raise ValueError(f"grads[{name!r}] has entries beyond the range of "
                             f"params[{name!r}].dtype {p.dtype}; no parameter was updated "
                             f"(clip the gradients)")
        checked[name] = g
    return checked


class Optimizer:
    """Base class: validates ``(params, grads)`` and calls ``_update`` once per name."""

    def __init__(self, lr: float):
        self.lr = _check_hyper(lr, "lr")
        self.t = 0  # number of steps taken

    def step(self, params: Mapping, grads: Mapping) -> None:
        """Update every ``params[name]`` in place from ``grads[name]`` (same shape).

        ``params`` is a dict, or the dict-like ``params`` of a composite layer or model.
        The step is all or nothing: every gradient is checked first (keys, shapes, float
        dtype, no NaN or inf), so an error leaves every parameter as it was.
        """
        checked = _checked_grads(params, grads)  # every entry, before any update
        self.t += 1
        for name, p in params.items():
            self._update(name, p, checked[name])

    def _update(self, name: str, p: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def _slot(self, store: dict, name: str, p: np.ndarray) -> np.ndarray:
        """The running array kept for parameter ``name``, created as zeros on first use."""
        s = store.get(name)
        if s is None or s.shape != p.shape or s.dtype != p.dtype:
            s = store[name] = np.zeros_like(p)
        return s

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={v}" for k, v in vars(self).items()
                          if isinstance(v, float))
        return f"{type(self).__name__}({hyper})"


class SGD(Optimizer):
    """Plain gradient descent: theta <- theta - lr * g."""

    def _update(self, name, p, g):
        p -= self.lr * g


class Momentum(Optimizer):
    """Heavy-ball momentum: v <- beta v - lr g;  theta <- theta + v  (v starts at 0)."""

    def __init__(self, lr: float, beta: float = 0.9):
        super().__init__(lr)
        self.beta = _check_hyper(beta, "beta", 0.0, 1.0, low_open=False, high_open=True)
        self.velocity: dict[str, np.ndarray] = {}

    def _update(self, name, p, g):
        v = self._slot(self.velocity, name, p)
        v *= self.beta
        v -= self.lr * g
        p += v


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011): G <- G + g**2;  theta <- theta - lr g / (sqrt(G) + eps).

    The optimiser of Karpathy's min-char-rnn. The per-entry step shrinks as squared
    gradients accumulate, so it never grows again.
    """

    def __init__(self, lr: float, eps: float = 1e-8):
        super().__init__(lr)
        self.eps = _check_hyper(eps, "eps")
        self.sum_sq: dict[str, np.ndarray] = {}

    def _update(self, name, p, g):
        G = self._slot(self.sum_sq, name, p)
        G += g * g
        p -= self.lr * g / (np.sqrt(G) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction.

    m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g**2;
    theta <- theta - lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - b1**t),
    v_hat = v / (1 - b2**t). On the first step m_hat = g and v_hat = g**2, so every entry
    moves by lr * sign(g) (up to eps): Adam's step size is set by ``lr``, not by |g|.
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        super().__init__(lr)
        self.beta1 = _check_hyper(beta1, "beta1", 0.0, 1.0, low_open=False, high_open=True)
        self.beta2 = _check_hyper(beta2, "beta2", 0.0, 1.0, low_open=False, high_open=True)
        self.eps = _check_hyper(eps, "eps")
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def _update(self, name, p, g):
        m, v = self._slot(self.m, name, p), self._slot(self.v, name, p)
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * (g * g)
        m_hat = m / (1 - self.beta1 ** self.t)
        v_hat = v / (1 - self.beta2 ** self.t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def _float_grads(grads: Mapping) -> dict:
    """``grads`` as a dict name -> float array (TypeError for a non-dict or a non-float)."""
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads must be a dict name -> array; got {type(grads).__name__}")
    return {name: _float_array(g, f"grads[{name!r}]") for name, g in grads.items()}


#: a norm below this may have lost precision to underflow in the sum of squares
_TINY_NORM = 1e-150


def _max_and_ratio(arrays: list) -> tuple[float, float]:
    """(m, r) with ||g|| = m r for finite float64 ``arrays``: m = max |g| and r = ||g / m||
    in [1, sqrt(n)], neither of which can overflow or underflow (0, 0 for all zeros)."""
    m = max((float(np.abs(g).max(initial=0.0)) for g in arrays), default=0.0)
    if m == 0:
        return 0.0, 0.0
    return m, math.sqrt(sum(float(np.sum(np.square(g / m))) for g in arrays))


def global_norm(grads: dict) -> float:
    """||g|| = sqrt(sum over every name and entry of g**2), accumulated in float64.

    The sum of squares is formed directly when it stays in range. If it overflows (entries
    of 1e155 and more) or underflows (every entry below about 1e-150) although every entry
    is finite, the norm is recomputed as m * ||g / m|| with m = max |g|, so a huge
    gradient still gets its norm (inf only if the norm itself exceeds 1.8e308) and a tiny
    one is not reported as 0. NaN or inf entries give a NaN or inf norm. Gradients must be
    float arrays (``TypeError`` otherwise).
    """
    arrays = [g.astype(np.float64, copy=False) for g in _float_grads(grads).values()]
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        total = math.sqrt(sum(float(np.sum(np.square(g))) for g in arrays))
    overflowed = math.isinf(total) and all(np.isfinite(g).all() for g in arrays)
    if overflowed or total < _TINY_NORM:
        m, r = _max_and_ratio(arrays)
        total = m * r  # a Python float: inf, not an error, if the norm is beyond float64
    return total


def clip_grad_norm(grads: dict, max_norm: float) -> tuple[dict, float]:
    """Clip by global norm: Pascanu, Mikolov & Bengio (2013), Algorithm 1.

    With ||g|| the norm of all gradients together (:func:`global_norm`):
    if ||g|| > max_norm then g <- (max_norm / ||g||) g. Only the length
    changes; the **direction of the update is kept** (cosine 1 with the
    unclipped gradient), so a step still goes downhill — it is just shorter
    after a gradient explosion.

    Returns ``(clipped, total_norm)``: a new dict of new arrays (the input is
    never mutated) and the norm *before* clipping. If a gradient holds NaN or
    inf the gradients are returned unscaled (copied) — no rescaling can
    repair them; check ``total_norm``. Gradients must be float arrays
    (``TypeError`` otherwise; float32 stays float32).
    """
    max_norm = _check_hyper(max_norm, "max_norm")
    grads = _float_grads(grads)
    total_norm = global_norm(grads)
    finite = (math.isfinite(total_norm)
              or all(np.isfinite(g).all() for g in grads.values()))
    # short enough, or beyond repair
    if not (finite and total_norm > max_norm):
        return {name: g.copy() for name, g in grads.items()}, total_norm
    if math.isfinite(total_norm):
        scaled = {name: g * (max_norm / total_norm)
                  for name, g in grads.items()}
    else:
        # finite entries, norm beyond float64: divide by m = max |g| first
        m, r = _max_and_ratio([g.astype(np.float64, copy=False)
                               for g in grads.values()])
        scaled = {name: g / m * (max_norm / r) for name, g in grads.items()}
    clipped = {name: g.astype(grads[name].dtype, copy=False)
               for name, g in scaled.items()}
    return clipped, total_norm


def clip_grad_value(grads: dict, clip_value: float) -> dict:
    """Clip every entry to [-clip_value, clip_value].

    As in Karpathy's min-char-rnn. Entries of different sizes are shrunk by
    different factors, so the clipped gradient in general **points in a
    different direction** (a gradient (10, 1) clipped at 1 becomes (1, 1));
    it bounds each step but is not a rescaling. Returns a new dict of new
    arrays; the input is never mutated. Gradients must be float arrays
    (``TypeError`` otherwise); NaN entries stay NaN.
    """
    c = _check_hyper(clip_value, "clip_value")
    return {name: np.clip(g, -c, c)
            for name, g in _float_grads(grads).items()}
