"""Record memory that a layer reuses from one pass to the next.

A forward pass writes its records (gates, states) into new arrays, and the backward pass
allocates as many again: about 24 MB per LSTM pass at the size of :mod:`rnnlab.bench`.
Whether freed memory comes back cheaply is up to the C allocator and to everything that
ran before: if it has returned the pages to the operating system, each 4 KB page is
mapped again on first touch, and that can cost more than the arithmetic. Measured with
``python -m rnnlab.bench`` on the 2-core test machine (float32, a fresh ``np.empty`` for
every record → this workspace): the LSTM 30.6 → 21.5 ms per pass, the GRU (timed after
the LSTM) 23.7 → 18.8 ms, the simple RNN 5.7 → 5.8 ms (no gain, no loss). Reuse makes
the timings independent of the allocator's history.

A :class:`Workspace` hands out arrays and takes them back when nobody uses them any
more: an array is reused only when the workspace holds the last reference to it (no
cache, result or view of it is alive anywhere), which CPython's reference count tells
exactly. A cache the caller keeps is therefore never overwritten; the next pass simply
gets other memory. Each layer owns one workspace (no global state); copying or pickling
a layer gives the copy an empty one.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

__all__ = ["Workspace"]


def _first_idle(arrays: list, shape: tuple, dtype: np.dtype, idle_refs: int) -> int | None:
    """The index of the first array of ``arrays`` with this shape and dtype that nothing
    outside the list refers to, or None. (The loop variable and getrefcount's argument add
    to the count; :data:`_IDLE_REFS` is measured through this same function.)"""
    for k in range(len(arrays)):
        a = arrays[k]
        if a.shape == shape and a.dtype == dtype and sys.getrefcount(a) <= idle_refs:
            return k
    return None


def _idle_refs() -> int:
    """The reference count at which :func:`_first_idle` finds an array that only its list
    holds — and does not find it while one more reference exists; 0 (never reuse) if the
    interpreter does not behave so."""
    if sys.implementation.name != "cpython":
        return 0
    held = [np.empty(1)]
    shape, dtype = held[0].shape, held[0].dtype
    idle = next((n for n in range(1, 10) if _first_idle(held, shape, dtype, n) is not None), 0)
    outside = held[0]  # noqa: F841 (the extra reference the check must see)
    if idle == 0 or _first_idle(held, shape, dtype, idle) is not None:
        return 0
    return idle


#: the reference count of an array that only the workspace holds (0: reuse disabled)
_IDLE_REFS = _idle_refs()


class Workspace:
    """A pool of arrays, reused when no one else holds them.

    ``empty(shape, dtype)`` returns an uninitialised array like ``np.empty``. Arrays up
    to ``budget`` bytes in total are remembered, the least recently used forgotten first
    (a forgotten array in use stays valid: its holder keeps it alive).
    """

    def __init__(self, budget: int = 128 * 2**20):
        self.budget = budget
        self._arrays: list[np.ndarray] = []  # least recently used first
        self._lock = threading.Lock()  # two threads using one layer never get one array

    def empty(self, shape: tuple, dtype) -> np.ndarray:
        """An uninitialised array of ``shape`` and ``dtype``, reused if one is idle."""
        shape, dtype = tuple(shape), np.dtype(dtype)
        with self._lock:
            k = _first_idle(self._arrays, shape, dtype, _IDLE_REFS)
            a = self._arrays.pop(k) if k is not None else np.empty(shape, dtype)
            if a.nbytes <= self.budget:
                self._arrays.append(a)
                total = sum(x.nbytes for x in self._arrays)
                while total > self.budget:
                    total -= self._arrays.pop(0).nbytes
        return a

    def clear(self) -> None:
        """Forget every array (their memory is freed once no one else holds them)."""
        with self._lock:
            self._arrays.clear()

    def __len__(self) -> int:
        return len(self._arrays)

    # a copy of a layer starts with an empty workspace (the arrays are scratch, not state)
    def __deepcopy__(self, memo) -> Workspace:
        return Workspace(self.budget)

    def __copy__(self) -> Workspace:
        return Workspace(self.budget)

    def __getstate__(self) -> dict:
        return {"budget": self.budget}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["budget"])
