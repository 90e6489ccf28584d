"""Input validation shared by every module: errors that name the argument and the shape.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_float_array", "check_array", "check_positive_int", "check_rng", "check_dtype",
           "check_real", "check_cache", "LayerToken"]

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_dtype(dtype) -> np.dtype:
    """Return ``np.dtype(dtype)`` if it is float32 or float64, else raise ``TypeError``."""
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype must be np.float32 or np.float64; got {dtype!r}") from err
    if dt not in _FLOAT_DTYPES:
        raise TypeError(f"dtype must be np.float32 or np.float64; got {dt}")
    return dt


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an ``int`` if it is a positive integer, else raise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int; got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int; got {value}")
    return int(value)


def check_real(value, name: str) -> float:
    """Return ``value`` as a ``float`` if it is a finite real number (not a bool), else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value}")
    return float(value)


class LayerToken:
    """An opaque mark of one layer object; its caches carry it (see :func:`check_cache`).

    A deep copy of a layer gets a token of its own (and a deep copy of a layer together
    with its cache keeps them matched), so a cache is accepted only by the layer it came from.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "<rnnlab layer token>"


def check_cache(layer, cache, cache_type) -> None:
    """Refuse a cache that ``layer.forward`` did not return.

    ``TypeError`` if it is not a ``cache_type``; ``ValueError`` if it carries the token
    (field ``owner``) of another layer. A cache built by hand (``owner`` None) passes here.
    """
    if not isinstance(cache, cache_type):
        raise TypeError(f"cache must be the {cache_type.__name__} returned by "
                        f"{type(layer).__name__}.forward; got {type(cache).__name__}")
    owner = getattr(cache, "owner", None)
    if owner is not None and owner is not getattr(layer, "_token", None):
        raise ValueError("cache was produced by a different layer; pass the cache returned by "
                         "this layer's forward")


def check_rng(rng) -> np.random.Generator:
    """Require a seeded ``np.random.Generator`` (no hidden global random state)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a np.random.Generator (e.g. np.random.default_rng(0)); "
            f"got {type(rng).__name__}"
        )
    return rng


def _fmt(shape) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def check_array(x, name: str, shape: tuple, dtype=None, finite: bool = True) -> np.ndarray:
    """Validate an array argument and return it (as an ndarray, never a copy if avoidable).

    ``shape`` is a tuple whose entries are either ints (that size is required) or
    ``(label, size_or_None)`` pairs, e.g. ``(("T", None), ("B", None), ("D", 3))``: the label
    is used in the message and ``None`` accepts any positive size. ``dtype``, when given, must
    match exactly (layers never up-cast silently). With ``finite`` the array may not hold
    NaN or inf.
    """
    converted, type_name = not isinstance(x, np.ndarray), type(x).__name__
    labels = []
    for s in shape:
        if isinstance(s, tuple):
            lab, size = s
            labels.append(lab if size is None else f"{lab}={size}")
        else:
            labels.append(str(s))
    expected = "(" + ", ".join(labels) + ("," if len(labels) == 1 else "") + ")"
    if isinstance(x, np.ma.MaskedArray):  # its isfinite() skips masked entries: a NaN hides
        raise TypeError(f"{name} must be a plain NumPy array, not a masked array (np.ma); "
                        f"fill the masked entries first, e.g. {name}.filled(0)")
    if converted:
        if not (isinstance(x, (list, tuple)) or np.isscalar(x)):
            raise TypeError(f"{name} must be a NumPy array; got {type_name}")
        try:
            x = np.asarray(x)
        except ValueError as err:  # a ragged nested list has no shape
            raise ValueError(f"{name} must have shape {expected}; got a {type_name} whose "
                             f"rows differ in length") from err
    if x.ndim != len(shape):
        raise ValueError(f"{name} must have shape {expected}; got {_fmt(x.shape)}")
    for s, got in zip(shape, x.shape, strict=True):
        size = s[1] if isinstance(s, tuple) else s
        if (size is not None and got != size) or got == 0:
            empty = "; every size must be positive" if got == 0 else ""
            raise ValueError(f"{name} must have shape {expected}; got {_fmt(x.shape)}{empty}")
    if dtype is not None and x.dtype != np.dtype(dtype):
        if not np.issubdtype(x.dtype, np.number):
            raise TypeError(f"{name} must be a {np.dtype(dtype)} array; got dtype {x.dtype}")
        what = name if name.isidentifier() else "it"
        if converted:  # a list or scalar: NumPy chose the dtype, so say how to choose it
            raise TypeError(
                f"{name} must have dtype {np.dtype(dtype)} like the layer's parameters; a "
                f"{type_name} was given, which NumPy reads as {x.dtype} (pass "
                f"np.asarray({what}, dtype=np.{np.dtype(dtype)}))"
            )
        raise TypeError(
            f"{name} must have dtype {np.dtype(dtype)} like the layer's parameters; got {x.dtype} "
            f"(convert with {what}.astype(np.{np.dtype(dtype)}))"
        )
    if finite and np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf")
    return x


def as_float_array(x, name: str, dtype) -> np.ndarray:
    """Convert a float or int array-like to ``dtype``; used only where conversion is the point."""
    arr = np.asarray(x)
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"{name} must be numeric; got dtype {arr.dtype}")
    return arr.astype(dtype, copy=False)
