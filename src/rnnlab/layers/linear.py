"""The output layer: an affine map applied at every time step.

Shape legend: ``T`` steps, ``B`` batch, ``H`` input (hidden) size, ``K`` output size.
The layer accepts any leading shape ``(..., H)`` — e.g. a whole hidden sequence
``(T, B, H)`` at once, which is one matrix product instead of a loop over time.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import (
    LayerToken,
    check_array,
    check_cache,
    check_dtype,
    check_positive_int,
    check_rng,
)

__all__ = ["Linear", "LinearCache"]


class LinearCache(NamedTuple):
    """What the backward pass of :class:`Linear` needs: the input ``X`` (..., H); owner:
    the token of the layer that made it (``backward`` accepts only its own caches)."""

    X: np.ndarray
    owner: object = None


class Linear:
    """y = W h + b at every position: NNDL's output layer y_t = g(V h_t) before g.

    Parameters ``W`` (K, H) and ``b`` (K,), initialised uniformly in +-1/sqrt(H).
    """

    def __init__(self, input_size: int, output_size: int, *, rng: np.random.Generator,
                 dtype=np.float64):
        H = check_positive_int(input_size, "input_size")
        K = check_positive_int(output_size, "output_size")
        rng = check_rng(rng)
        self.dtype = check_dtype(dtype)
        self.input_size, self.output_size = H, K
        s = 1.0 / np.sqrt(H)
        self.params = {
            "W": rng.uniform(-s, s, (K, H)).astype(self.dtype),
            "b": np.zeros(K, self.dtype),
        }
        self._token = LayerToken()

    def _check_params(self) -> None:
        K, H = self.output_size, self.input_size
        for name, shape in (("W", (K, H)), ("b", (K,))):
            p = self.params.get(name)
            if not isinstance(p, np.ndarray) or p.shape != shape or p.dtype != self.dtype:
                got = f"{p.dtype} {p.shape}" if isinstance(p, np.ndarray) else type(p).__name__
                raise ValueError(f"params[{name!r}] must be a {self.dtype} array of shape "
                                 f"{shape}; got {got}")
            if not np.isfinite(p).all():
                raise ValueError(f"params[{name!r}] contains NaN or inf")

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, LinearCache]:
        """X (..., H) -> Y (..., K)."""
        self._check_params()
        X = np.asarray(X)
        if X.ndim < 1 or X.shape[-1] != self.input_size:
            raise ValueError(f"X must have shape (..., H={self.input_size}); got {X.shape}")
        check_array(X.reshape(-1, self.input_size), "X", (("N", None), self.input_size),
                    dtype=self.dtype)
        Y = X @ self.params["W"].T + self.params["b"]
        return Y, LinearCache(X, self._token)

    def backward(self, dY: np.ndarray, cache: LinearCache) -> tuple[np.ndarray, dict]:
        """dY (..., K) -> dX (..., H) and grads {"W": (K, H), "b": (K,)}."""
        check_cache(self, cache, LinearCache)
        self._check_params()
        X = cache.X
        if X.ndim < 1 or X.shape[-1] != self.input_size:
            raise ValueError(f"cache.X must have shape (..., H={self.input_size}); got {X.shape}")
        dY = check_array(dY, "dY", tuple(X.shape[:-1]) + (("K", self.output_size),),
                         dtype=self.dtype)
        dY2 = dY.reshape(-1, self.output_size)
        grads = {"W": dY2.T @ X.reshape(-1, self.input_size), "b": dY2.sum(axis=0)}
        return dY @ self.params["W"], grads
