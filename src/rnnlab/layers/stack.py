"""Deep (stacked) RNNs, NNDL (6.70), and bidirectional RNNs, (6.71)–(6.73).

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size of a part.

    h_t^(l) = f(U^(l) h_{t-1}^(l) + W^(l) h_t^(l-1) + b^(l)),  h_t^(0) = x_t      (6.70)
    forward  h_t^(1) = f(U^(1) h_{t-1}^(1) + W^(1) x_t + b^(1))                  (6.71)
    backward h_t^(2) = f(U^(2) h_{t+1}^(2) + W^(2) x_t + b^(2))                  (6.72)
    h_t = h_t^(1) ⊕ h_t^(2)  (concatenation)                                     (6.73)

Both compose any rnnlab layer (RNN, LSTM, GRU, ResidualRNN, or each other) and follow the
same calling shape. Their ``params`` is a view of the parts' parameters under prefixed
names (``"l1.W"``, ``"fwd.U_i"``): reading, in-place updates and assignment all reach
the part's own array.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import NamedTuple

import numpy as np

from .._checks import LayerToken, check_array, check_cache
from .base import BPTTResult

__all__ = ["Stacked", "Bidirectional", "PrefixedParams"]

#: what a part of a composite must have: methods, then attributes
_METHODS = ("forward", "bptt", "final_state", "init_state")
_ATTRIBUTES = ("params", "input_size", "hidden_size", "dtype")


def _check_part(layer, name: str) -> None:
    """A part must follow the layer interface (any rnnlab recurrent layer or composite)."""
    missing = [m for m in _METHODS if not callable(getattr(layer, m, None))]
    missing += [a for a in _ATTRIBUTES if not hasattr(layer, a)]
    if missing:
        raise TypeError(f"{name} must be a recurrent layer (RNN, LSTM, GRU, Stacked, ...) with "
                        f"{', '.join(_METHODS + _ATTRIBUTES)}; got {type(layer).__name__} "
                        f"without {', '.join(missing)}")


def _check_distinct(parts: dict) -> None:
    """Refuse parts that are one layer object or share a parameter array (name -> layer).

    Each part's BPTT returns the gradient of its own use of a parameter only, so a shared
    array would get its gradient split in two, reported under two names, and an optimiser
    would step it twice. Weight tying needs the two halves summed, which these composites
    do not do; give each part parameters of its own (another layer, or ``copy.deepcopy``).
    """
    named = list(parts.items())
    for j, (name_j, layer_j) in enumerate(named):
        for name_i, layer_i in named[:j]:
            if layer_j is layer_i:
                raise ValueError(f"{name_j} is the same layer object as {name_i}; each part "
                                 f"needs a layer of its own (build another, or pass "
                                 f"copy.deepcopy({name_i}))")
            for key_j, p_j in layer_j.params.items():
                for key_i, p_i in layer_i.params.items():
                    if np.may_share_memory(p_j, p_i) and np.shares_memory(p_j, p_i):
                        raise ValueError(
                            f"{name_j}.params[{key_j!r}] shares memory with "
                            f"{name_i}.params[{key_i!r}]; each part needs parameter arrays "
                            f"of its own (tied weights are not supported: their gradients "
                            f"would be split between the parts)")


def _sequence_shape(cache) -> tuple:
    """(T, B) of the input a cache was made from, or (None, None) if it does not say."""
    if isinstance(cache, StackedCache):
        return _sequence_shape(cache.caches[0]) if cache.caches else (None, None)
    if isinstance(cache, BidirectionalCache):
        return _sequence_shape(cache.fwd)
    X = getattr(cache, "X", None)
    return tuple(X.shape[:2]) if isinstance(X, np.ndarray) and X.ndim == 3 else (None, None)


class PrefixedParams(MutableMapping):
    """A dict-like view {prefix + "." + name: array} over the parts' ``params``."""

    def __init__(self, parts: dict):
        self._parts = parts  # prefix -> layer

    def _locate(self, key: str):
        prefix, _, name = key.partition(".")
        layer = self._parts.get(prefix)
        if layer is None or name not in layer.params:
            raise KeyError(key)
        return layer.params, name

    def __getitem__(self, key):
        params, name = self._locate(key)
        return params[name]

    def __setitem__(self, key, value):
        params, name = self._locate(key)
        old = params[name]
        if np.shape(value) != old.shape:
            raise ValueError(f"params[{key!r}] must have shape {old.shape}; got {np.shape(value)}")
        value = np.asarray(value, dtype=old.dtype)
        for other in self:  # the parts must keep parameters of their own (see _check_distinct)
            if other != key and np.may_share_memory(value, self[other]) \
                    and np.shares_memory(value, self[other]):
                raise ValueError(f"params[{key!r}] must not share memory with "
                                 f"params[{other!r}]; assign a copy")
        params[name] = value

    def __delitem__(self, key):
        raise TypeError("parameters of a composite layer cannot be deleted")

    def __iter__(self):
        for prefix, layer in self._parts.items():
            for name in layer.params:
                yield f"{prefix}.{name}"

    def __len__(self):
        return sum(len(layer.params) for layer in self._parts.values())


def _prefixed(prefix: str, grads: dict) -> dict:
    return {f"{prefix}.{k}": v for k, v in grads.items()}


class StackedCache(NamedTuple):
    """Forward record of :class:`Stacked`: one cache per layer, bottom first; owner: the
    token of the layer that made it."""

    caches: list
    owner: object = None


class Stacked:
    """A deep RNN (6.70): layer l reads the hidden sequence of layer l - 1.

    layers: a list of rnnlab layers; ``layers[l].input_size`` must equal
    ``layers[l-1].hidden_size``. State: None, or a list with one state per layer.
    ``bptt`` returns ``dH_total`` (and ``dC_total``) as lists, one entry per layer.
    """

    def __init__(self, layers: list):
        if not isinstance(layers, (list, tuple)):
            raise TypeError("layers must be a list of recurrent layers; got "
                            f"{type(layers).__name__}")
        if not layers:
            raise ValueError("layers must be a non-empty list of recurrent layers")
        for l, layer in enumerate(layers):
            _check_part(layer, f"layers[{l}]")
        for l in range(1, len(layers)):
            if layers[l].input_size != layers[l - 1].hidden_size:
                raise ValueError(
                    f"layers[{l}].input_size must equal layers[{l - 1}].hidden_size = "
                    f"{layers[l - 1].hidden_size}; got {layers[l].input_size}")
        for l, layer in enumerate(layers):
            if layer.dtype != layers[0].dtype:
                raise TypeError(f"all layers must share one dtype; layers[{l}] is {layer.dtype}, "
                                f"layers[0] is {layers[0].dtype}")
        _check_distinct({f"layers[{l}]": layer for l, layer in enumerate(layers)})
        self.layers = list(layers)
        self.input_size = layers[0].input_size
        self.hidden_size = layers[-1].hidden_size
        self.dtype = layers[0].dtype
        self.params = PrefixedParams({f"l{l + 1}": layer for l, layer in enumerate(layers)})
        self._token = LayerToken()

    def __repr__(self):
        return f"Stacked({self.layers!r})"

    def _states(self, state, name: str = "state") -> list:
        if state is None:
            return [None] * len(self.layers)
        if not isinstance(state, (list, tuple)) or len(state) != len(self.layers):
            raise TypeError(f"{name} must be None or a list of {len(self.layers)} per-layer "
                            f"states; got {type(state).__name__}")
        return list(state)

    def _check_cache(self, cache) -> None:
        check_cache(self, cache, StackedCache)
        if not isinstance(cache.caches, list) or len(cache.caches) != len(self.layers):
            raise ValueError(f"cache.caches must hold one cache per layer ({len(self.layers)})")

    def init_state(self, batch_size: int) -> list:
        return [layer.init_state(batch_size) for layer in self.layers]

    def forward(self, X: np.ndarray,
                state=None) -> tuple[np.ndarray, StackedCache]:
        """X (T, B, D) -> H (T, B, H_top); state None or per-layer states."""
        caches = []
        H = X
        for layer, s in zip(self.layers, self._states(state), strict=True):
            H, cache = layer.forward(H, s)
            caches.append(cache)
        return H, StackedCache(caches, self._token)

    def final_state(self, cache: StackedCache) -> list:
        self._check_cache(cache)
        return [layer.final_state(c) for layer, c in zip(self.layers, cache.caches, strict=True)]

    def bptt(self, dH: np.ndarray, cache: StackedCache, dstate_T=None) -> BPTTResult:
        """dH (T, B, H_top) -> BPTTResult with per-layer lists in dstate0, dH_total, dC_total."""
        self._check_cache(cache)
        n = len(self.layers)
        dstates_T = self._states(dstate_T, "dstate_T")
        grads, dstate0, dH_total, dC_total = {}, [None] * n, [None] * n, [None] * n
        d = dH
        for l in reversed(range(n)):
            r = self.layers[l].bptt(d, cache.caches[l], dstates_T[l])
            grads.update(_prefixed(f"l{l + 1}", r.grads))
            dstate0[l], dH_total[l], dC_total[l] = r.dstate0, r.dH_total, r.dC_total
            d = r.dX  # the error flows down into the layer below
        grads = {k: grads[k] for k in self.params}
        return BPTTResult(d, dstate0, grads, dH_total, dC_total)

    def backward(self, dH: np.ndarray, cache: StackedCache) -> tuple:
        r = self.bptt(dH, cache)
        return r.dX, r.dstate0, r.grads


class BidirectionalCache(NamedTuple):
    """Forward record of :class:`Bidirectional`: the two parts' caches (the backward
    part's cache is in reversed time)."""

    fwd: object
    bwd: object
    owner: object = None


class Bidirectional:
    """A bidirectional RNN (6.71)–(6.73): one part reads x_1..x_T, the other x_T..x_1.

    Output h_t = [h_t^fwd ; h_t^bwd], shape (T, B, H_fwd + H_bwd). State: None or the
    pair (fwd_state, bwd_state), the latter being the state *after* x_T, i.e. the start
    of the backward pass. ``bptt`` returns dH_total / dC_total as (fwd, bwd) pairs in
    forward time order.
    """

    def __init__(self, fwd, bwd):
        _check_part(fwd, "fwd")
        _check_part(bwd, "bwd")
        if fwd.input_size != bwd.input_size:
            raise ValueError(f"fwd and bwd must have the same input_size; got "
                             f"{fwd.input_size} and {bwd.input_size}")
        if fwd.dtype != bwd.dtype:
            raise TypeError(f"fwd and bwd must share one dtype; got {fwd.dtype} and {bwd.dtype}")
        _check_distinct({"fwd": fwd, "bwd": bwd})
        self.fwd, self.bwd = fwd, bwd
        self.input_size = fwd.input_size
        self.hidden_size = fwd.hidden_size + bwd.hidden_size
        self.dtype = fwd.dtype
        self.params = PrefixedParams({"fwd": fwd, "bwd": bwd})
        self._token = LayerToken()

    def __repr__(self):
        return f"Bidirectional(fwd={self.fwd!r}, bwd={self.bwd!r})"

    def _pair(self, state, name: str = "state"):
        if state is None:
            return None, None
        if not isinstance(state, (list, tuple)) or len(state) != 2:
            raise TypeError(f"{name} must be None or the pair (fwd_{name}, bwd_{name}); got "
                            f"{type(state).__name__}")
        return state

    def init_state(self, batch_size: int) -> tuple:
        return self.fwd.init_state(batch_size), self.bwd.init_state(batch_size)

    def forward(self, X: np.ndarray,
                state=None) -> tuple[np.ndarray, BidirectionalCache]:
        """X (T, B, D) -> H (T, B, H_fwd + H_bwd)."""
        X = check_array(X, "X",
                        (("T", None), ("B", None), ("D", self.input_size)),
                        dtype=self.dtype)
        s_f, s_b = self._pair(state)
        H_f, cache_f = self.fwd.forward(X, s_f)  # (6.71)
        H_b, cache_b = self.bwd.forward(X[::-1], s_b)  # (6.72), in reversed time
        H = np.concatenate([H_f, H_b[::-1]], axis=-1)
        return H, BidirectionalCache(cache_f, cache_b, self._token)

    def final_state(self, cache: BidirectionalCache) -> tuple:
        check_cache(self, cache, BidirectionalCache)
        return self.fwd.final_state(cache.fwd), self.bwd.final_state(cache.bwd)

    def bptt(self, dH: np.ndarray, cache: BidirectionalCache, dstate_T=None) -> BPTTResult:
        """dH (T, B, H_fwd + H_bwd) -> BPTTResult (dX, (dstate0_fwd, dstate0_bwd), ...)."""
        check_cache(self, cache, BidirectionalCache)
        T, B = _sequence_shape(cache)
        dH = check_array(dH, "dH", (("T", T), ("B", B), ("H", self.hidden_size)),
                         dtype=self.dtype)
        Hf = self.fwd.hidden_size
        ds_f, ds_b = self._pair(dstate_T, "dstate_T")
        r_f = self.fwd.bptt(np.ascontiguousarray(dH[..., :Hf]), cache.fwd, ds_f)
        r_b = self.bwd.bptt(np.ascontiguousarray(dH[::-1, :, Hf:]), cache.bwd, ds_b)
        grads = _prefixed("fwd", r_f.grads) | _prefixed("bwd", r_b.grads)

        def rev(a):
            return None if a is None else a[::-1]

        return BPTTResult(r_f.dX + r_b.dX[::-1], (r_f.dstate0, r_b.dstate0), grads,
                          (r_f.dH_total, rev(r_b.dH_total)), (r_f.dC_total, rev(r_b.dC_total)))

    def backward(self, dH: np.ndarray, cache: BidirectionalCache) -> tuple:
        r = self.bptt(dH, cache)
        return r.dX, r.dstate0, r.grads
