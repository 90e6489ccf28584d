"""Layers and models pickle (e.g. to another process) and compute the same afterwards."""

import copy
import pickle

import numpy as np
import pytest

from layer_configs import CONFIGS


def _make_any_layer(name, rng):
    """A layer of layer_configs, or one of the remedies of exercise 6-3."""
    from rnnlab.book import GatedResidualRNN, NormalizedResidualRNN

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
    for clone in (pickle.loads(pickle.dumps(layer)), copy.deepcopy(layer)):
        np.testing.assert_array_equal(clone.forward(X)[0], layer.forward(X)[0])


def test_a_sequence_model_survives_a_pickle_round_trip():
    from rnnlab.book import char_model

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
