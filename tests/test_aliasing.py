"""What a layer returns never shares memory with what its backward pass reads.

Shapes: T steps, B batch, D input size, H hidden size.

A caller may edit the outputs of ``forward`` (``H``) and of ``final_state`` in place, or
keep a cache while running other passes: none of it may change the gradients that a later
``backward`` computes from that cache.
"""

import copy

import numpy as np
import pytest

from layer_configs import CONFIGS

T, B, D, Hn = 6, 3, 4, 5
SINGLE = ["RNN tanh", "ResidualRNN tanh", "LSTM", "LSTM peephole", "LSTM coupled",
          "LSTM no forget gate", "GRU reset before (NNDL)", "GRU reset after (PyTorch)",
          "GatedResidualRNN", "NormalizedResidualRNN"]


def _make(name, rng):
    """A layer of layer_configs, or one of the remedies of exercise 6-3."""
    from rnnlab.book import GatedResidualRNN, NormalizedResidualRNN

    if name == "GatedResidualRNN":
        return GatedResidualRNN(D, Hn, rng=rng, coupled=True)
    if name == "NormalizedResidualRNN":
        return NormalizedResidualRNN(D, Hn, rng=rng)
    return CONFIGS[name](D, Hn, rng, np.float64)


def _layer_and_data(name, seed=0):
    rng = np.random.default_rng(seed)
    layer = _make(name, rng)
    X = rng.standard_normal((T, B, D))
    H, _ = layer.forward(X)
    dH = rng.standard_normal(H.shape)
    return layer, X, dH


def _gradients(layer, dH, cache):
    dX, dstate0, grads = layer.backward(dH, cache)
    return [dX, *_arrays(dstate0), *grads.values()]


def _arrays(obj):
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            yield from _arrays(v)


def _assert_same(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("name", SINGLE)
def test_editing_H_after_forward_leaves_the_gradients_unchanged(name):
    layer, X, dH = _layer_and_data(name)
    H, cache = layer.forward(X)
    expected = _gradients(layer, dH, layer.forward(X)[1])  # from an untouched cache
    try:
        H[...] = 0.0  # a caller reusing the output array
    except ValueError:  # a read-only output is fine too
        pass
    _assert_same(_gradients(layer, dH, cache), expected)
    for a in _arrays(cache):
        assert not np.shares_memory(a, H)


@pytest.mark.parametrize("name", SINGLE)
def test_editing_the_final_state_leaves_the_gradients_unchanged(name):
    layer, X, dH = _layer_and_data(name)
    _, cache = layer.forward(X)
    expected = _gradients(layer, dH, layer.forward(X)[1])
    for a in _arrays(layer.final_state(cache)):
        assert not any(np.shares_memory(a, c) for c in _arrays(cache))
        a[...] = 7.0
    _assert_same(_gradients(layer, dH, cache), expected)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_a_held_cache_survives_later_passes(name):
    # forward X1 and keep the cache; run other passes; the kept cache must still give
    # exactly the gradients of X1 (and the kept output must be unchanged)
    layer, X1, dH = _layer_and_data(name)
    twin = copy.deepcopy(layer)  # an independent layer with the same parameters
    H1, cache1 = layer.forward(X1)
    H1_copy = H1.copy()
    X2 = np.random.default_rng(1).standard_normal(X1.shape)
    for _ in range(3):
        layer.backward(dH, layer.forward(X2)[1])
    _assert_same(_gradients(layer, dH, cache1), _gradients(twin, dH, twin.forward(X1)[1]))
    np.testing.assert_array_equal(H1, H1_copy)
