"""Reused record memory (rnnlab.workspace): reused only when idle, never under a live cache.

A layer takes the arrays of its records from its :class:`Workspace`, which hands an array
out again only when nothing else refers to it. These tests pin down both halves: memory is
reused when it is idle (the speed), and a cache, an output, a view or a gradient the caller
still holds is never overwritten by a later pass (the correctness).
"""

import copy
import pickle

import numpy as np
import pytest

from rnnlab import LSTM
from rnnlab.workspace import _IDLE_REFS, Workspace

from layer_configs import CONFIGS


def test_reuse_is_enabled_on_this_interpreter():
    assert _IDLE_REFS > 0  # 0 would mean: every pass allocates afresh (correct, slower)


def test_an_idle_array_is_handed_out_again():
    ws = Workspace()
    a = ws.empty((3, 4), np.float32)
    address = a.ctypes.data
    del a
    b = ws.empty((3, 4), np.float32)
    assert b.ctypes.data == address and b.shape == (3, 4) and b.dtype == np.float32


def _held(a, hold):
    """Something that refers to ``a``: a itself, a view of it, or an exported buffer."""
    return {"array": a, "view": a[1:], "transpose": a.T}[hold] if hold != "memoryview" \
        else memoryview(a)


@pytest.mark.parametrize("hold", ["array", "view", "transpose", "memoryview"])
def test_an_array_in_use_is_not_handed_out(hold):
    ws = Workspace()
    a = ws.empty((3, 4), np.float64)
    a[:] = 7.0
    address = a.ctypes.data
    kept = _held(a, hold)
    del a
    b = ws.empty((3, 4), np.float64)
    b[:] = -1.0
    assert b.ctypes.data != address
    assert np.all(np.asarray(kept) == 7.0)  # untouched by the new array
    del kept
    c = ws.empty((3, 4), np.float64)  # b is still held; the first array is idle again
    assert c.ctypes.data == address


def test_shape_and_dtype_must_match():
    ws = Workspace()
    a = ws.empty((2, 3), np.float64)
    address = a.ctypes.data
    del a
    assert ws.empty((3, 2), np.float64).ctypes.data != address
    assert ws.empty((2, 3), np.float32).ctypes.data != address
    assert ws.empty((2, 3), np.float64).ctypes.data == address


def test_the_budget_bounds_the_memory_kept():
    ws = Workspace(budget=1000)
    for _ in range(10):
        ws.empty((100,), np.float64)  # 800 bytes each, dropped at once
    assert sum(a.nbytes for a in ws._arrays) <= 1000
    big = ws.empty((1000,), np.float64)  # larger than the whole budget: not kept
    assert all(a is not big for a in ws._arrays)
    ws.clear()
    assert len(ws) == 0


def test_copies_and_pickles_start_empty():
    ws = Workspace()
    kept = [ws.empty((4,), np.float64) for _ in range(3)]
    for clone in (copy.copy(ws), copy.deepcopy(ws), pickle.loads(pickle.dumps(ws))):
        assert len(clone) == 0 and clone.budget == ws.budget
    assert len(ws) == 3 and len(kept) == 3


def _pass(layer, X, dH):
    H, cache = layer.forward(X)
    return H, cache, layer.backward(dH, cache)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_a_held_cache_survives_later_passes(name):
    # forward X1 and keep the cache; run other passes (whose records may reuse memory);
    # then the kept cache must still give exactly the gradients of X1
    T, B, D, Hn = 6, 3, 4, 5
    rng = np.random.default_rng(0)
    layer = CONFIGS[name](D, Hn, rng, np.float64)
    twin = copy.deepcopy(layer)  # an independent layer with the same parameters
    X1, X2 = rng.standard_normal((2, T, B, D))
    H1, cache1 = layer.forward(X1)
    H1_copy = np.array(H1)
    dH = rng.standard_normal(H1.shape)
    for _ in range(3):
        _pass(layer, X2, dH)  # results dropped at once: their memory is idle again
    g1 = layer.backward(dH, cache1)
    ref = twin.backward(dH, twin.forward(X1)[1])
    np.testing.assert_array_equal(H1, H1_copy)
    np.testing.assert_array_equal(g1[0], ref[0])
    for k in ref[2]:
        np.testing.assert_array_equal(g1[2][k], ref[2][k])


def test_held_outputs_and_gradients_are_not_overwritten():
    T, B, D, Hn = 5, 2, 3, 4
    rng = np.random.default_rng(1)
    layer = LSTM(D, Hn, rng=rng)
    X = rng.standard_normal((T, B, D))
    dH = rng.standard_normal((T, B, Hn))
    H, cache, (dX, dstate, grads) = _pass(layer, X, dH)
    r = layer.bptt(dH, cache)
    kept = [np.array(a) for a in (H, dX, r.dH_total, r.dC_total, grads["U_f"])]
    for _ in range(3):
        _pass(layer, 2 * X, dH)
    for a, b in zip((H, dX, r.dH_total, r.dC_total, grads["U_f"]), kept, strict=True):
        np.testing.assert_array_equal(a, b)


def test_repeated_passes_reuse_memory():
    # after the first passes nothing new needs allocating: the workspace stops growing,
    # and an LSTM's records stay where they were
    T, B, D, Hn = 8, 4, 3, 5
    rng = np.random.default_rng(2)
    layer = LSTM(D, Hn, rng=rng, dtype=np.float32)
    X = rng.standard_normal((T, B, D)).astype(np.float32)
    dH = rng.standard_normal((T, B, Hn)).astype(np.float32)
    for _ in range(3):
        _pass(layer, X, dH)
    n = len(layer._workspace)
    addresses = set()
    for _ in range(5):
        H, _, _ = _pass(layer, X, dH)
        addresses.add(H.ctypes.data)
        del H
    assert len(layer._workspace) == n
    assert len(addresses) == 1


def test_lstm_records_are_column_major():
    # each step's gate block is contiguous (H, B) memory: the layout the speed relies on
    rng = np.random.default_rng(3)
    H, cache = LSTM(3, 4, rng=rng).forward(rng.standard_normal((5, 2, 3)))
    s = cache.steps
    for a in (s.i[2], s.f[2], s.o[2], s.c_tilde[2], s.c[2], s.h_prev[2], H[2]):
        assert a.shape == (2, 4) and a.T.flags.c_contiguous


def test_a_pickled_layer_computes_the_same_with_an_empty_workspace():
    rng = np.random.default_rng(4)
    layer = LSTM(3, 4, rng=rng)
    X = rng.standard_normal((5, 2, 3))
    H, _ = layer.forward(X)
    clone = pickle.loads(pickle.dumps(layer))
    assert len(clone._workspace) == 0 and len(layer._workspace) > 0
    np.testing.assert_array_equal(clone.forward(X)[0], H)


def _make_any_layer(name, rng):
    """A layer of layer_configs, or one of the remedies of exercise 6-3."""
    from rnnlab.remedies import GatedResidualRNN, NormalizedResidualRNN

    if name == "GatedResidualRNN":
        return GatedResidualRNN(3, 4, rng=rng, coupled=True)
    if name == "NormalizedResidualRNN":
        return NormalizedResidualRNN(3, 4, rng=rng, activation="relu")
    return CONFIGS[name](3, 4, rng, np.float64)


@pytest.mark.parametrize("name", [*CONFIGS, "GatedResidualRNN", "NormalizedResidualRNN"])
def test_every_layer_survives_a_pickle_round_trip(name):
    """A layer (its activation included) pickles, e.g. to another process, and computes
    the same outputs, bit for bit, afterwards."""
    rng = np.random.default_rng(5)
    layer = _make_any_layer(name, rng)
    X = rng.standard_normal((6, 2, layer.input_size))
    clone = pickle.loads(pickle.dumps(layer))
    np.testing.assert_array_equal(clone.forward(X)[0], layer.forward(X)[0])


def test_a_sequence_model_survives_a_pickle_round_trip():
    from rnnlab.lm import char_model

    rng = np.random.default_rng(6)
    model = char_model("RNN", 5, 8, rng)
    X = np.eye(5)[rng.integers(0, 5, (7, 3))]  # (T, B, V) one-hot
    Y = rng.integers(0, 5, (7, 3))
    clone = pickle.loads(pickle.dumps(model))
    expected = model.loss_and_grads(X, Y)
    got = clone.loss_and_grads(X, Y)
    assert got.loss == expected.loss
    for k in model.params:
        np.testing.assert_array_equal(got.grads[k], expected.grads[k])
