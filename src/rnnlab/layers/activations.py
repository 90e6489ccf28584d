"""Activation functions f and their derivatives f', written in terms of the output.

Every derivative is expressed through ``a = f(z)`` (tanh' = 1 - a**2, sigma' = a (1 - a),
relu' = [a > 0], identity' = 1), so BPTT only needs the stored activations. The bounds
chapter 2 relies on: ``tanh'(z) <= 1`` and ``sigma'(z) <= 1/4``, the book's gamma_f = sup |f'|
(not NNDL's gamma of (6.48), gamma ~ ||diag(f'(z)) U^T||, which gamma_f sigma_1(U) bounds).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["sigmoid", "tanh", "relu", "identity", "Activation", "get_activation", "ACTIVATIONS"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function sigma(z) = 1 / (1 + exp(-z)), without overflow for any finite z.

    Computed as (1 + tanh(z / 2)) / 2, an identity: tanh never overflows, so
    ``sigmoid(+-1e4)`` is exactly 1 or 0 with no warning, and it costs one transcendental
    call instead of exp, a branch and a division (it is the inner loop of every gate).
    The absolute error is a few units of roundoff; relative precision is lost only where
    sigma(z) itself is below about 1e-8 (float64), values a gate cannot tell from 0.
    Same shape and dtype as ``z``.
    """
    return 0.5 + 0.5 * np.tanh(0.5 * np.asarray(z))


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent (NumPy's is already overflow-free)."""
    return np.tanh(z)


def relu(z: np.ndarray) -> np.ndarray:
    """Rectified linear unit max(z, 0)."""
    return np.maximum(z, 0)


def identity(z: np.ndarray) -> np.ndarray:
    """f(z) = z (a linear RNN)."""
    return z


class Activation(NamedTuple):
    """An activation f with its derivative written in terms of the output a = f(z).

    Fields: ``name``; ``f(z)``; ``df(a)`` = f'(z) evaluated through a = f(z);
    ``gamma`` = sup_z |f'(z)|, written gamma_f in the book: the largest norm of the factor
    diag(f'(z)) in one step of BPTT, so NNDL's gamma ~ ||diag(f'(z)) U^T|| of (6.48) is at
    most gamma_f sigma_1(U).
    """

    name: str
    f: object
    df: object
    gamma: float


# The derivatives, each through a = f(z). Module-level functions (not lambdas), so that a
# layer holding an Activation can be pickled and copied to another process.
def tanh_slope(a: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 - a**2."""
    return 1 - a * a


def sigmoid_slope(a: np.ndarray) -> np.ndarray:
    """sigma'(z) = a (1 - a)."""
    return a * (1 - a)


def relu_slope(a: np.ndarray) -> np.ndarray:
    """relu'(z) = 1 where a > 0, else 0 (the kink at 0 counts as 0)."""
    return (a > 0).astype(a.dtype)


def identity_slope(a: np.ndarray) -> np.ndarray:
    """identity'(z) = 1."""
    return np.ones_like(a)


ACTIVATIONS = {
    "tanh": Activation("tanh", tanh, tanh_slope, 1.0),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_slope, 0.25),
    "relu": Activation("relu", relu, relu_slope, 1.0),
    "identity": Activation("identity", identity, identity_slope, 1.0),
}


def get_activation(name: str) -> Activation:
    """Look up an activation by name: one of ``tanh``, ``sigmoid``, ``relu``, ``identity``."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got {name!r}")
    return ACTIVATIONS[name]
