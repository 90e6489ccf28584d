"""The recursive network over a tree (NNDL exercise 6-7): on a chain it is the simple RNN."""

import numpy as np
import pytest

from rnnlab.grad import numerical_gradient, relative_error
from rnnlab.layers import RecursiveNet, as_rnn, balanced, chain


def _net(H, rng, activation="tanh"):
    net = RecursiveNet(H, rng=rng, activation=activation)
    net.params["b"][:] = rng.uniform(-0.3, 0.3, H)
    return net


def test_tree_builders():
    assert chain(2) == (0, 1)
    assert chain(4) == (((0, 1), 2), 3)
    assert balanced(4) == ((0, 1), (2, 3))
    assert balanced(5) == (((0, 1), 2), (3, 4))
    with pytest.raises(ValueError, match="at least 2 leaves"):
        chain(1)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "identity"])
def test_chain_is_the_simple_rnn_forward_and_backward(activation):
    """Exercise 6-7: on the left-branching chain the recursive net's internal states are
    the RNN's hidden states (U = W_left, W = W_right, h_0 = x_0), and so are the gradients."""
    rng = np.random.default_rng(0)
    n, B, H = 7, 3, 5
    net = _net(H, rng, activation)
    X = rng.standard_normal((n, B, H))
    root, cache = net.forward(X, chain(n))
    rnn = as_rnn(net)
    Hs, rcache = rnn.forward(X[1:], X[0])
    np.testing.assert_allclose(cache.Hn, Hs, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(root, cache.Hn[-1])
    G = rng.standard_normal(root.shape)
    dX, grads = net.backward(G, cache)
    dH = np.zeros_like(Hs)
    dH[-1] = G
    dX_rnn, dh0, g_rnn = rnn.backward(dH, rcache)
    np.testing.assert_allclose(dX[1:], dX_rnn, atol=1e-14)
    np.testing.assert_allclose(dX[0], dh0, atol=1e-14)
    np.testing.assert_allclose(grads["W"], np.hstack([g_rnn["U"], g_rnn["W"]]), atol=1e-13)
    np.testing.assert_allclose(grads["b"], g_rnn["b"], atol=1e-13)


@pytest.mark.parametrize("tree", [chain(5), balanced(5), ((0, (1, 2)), (3, 4)),
                                  (4, ((2, 0), (3, 1)))])
def test_backpropagation_through_structure_matches_finite_differences(tree):
    rng = np.random.default_rng(1)
    net = _net(4, rng)
    X = rng.standard_normal((5, 2, 4))
    G = rng.standard_normal((2, 4))
    _, cache = net.forward(X, tree)
    dHn = rng.standard_normal(cache.Hn.shape)  # a loss on every internal node too

    def f():
        root, c = net.forward(X, tree)
        return float(np.sum(G * root) + np.sum(dHn * c.Hn))

    dX, grads = net.backward(G, cache, dHn)
    for name, p in net.params.items():
        assert relative_error(grads[name], numerical_gradient(f, p, 1e-3, order=4)) < 1e-9
    assert relative_error(dX, numerical_gradient(f, X, 1e-3, order=4)) < 1e-9


def test_a_balanced_tree_is_a_different_function_from_the_chain():
    rng = np.random.default_rng(2)
    net = _net(3, rng)
    X = rng.standard_normal((4, 1, 3))
    assert np.abs(net.forward(X, chain(4))[0] - net.forward(X, balanced(4))[0]).max() > 1e-3


@pytest.mark.parametrize("tree, match", [((0, 1), "every leaf"), ((0, (1, 1)), "every leaf"),
                                         ((0, 5), "outside"), (0, "internal node"),
                                         ((0, 1, 2), "pair")])
def test_bad_trees_are_rejected(tree, match):
    net = RecursiveNet(2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=match):
        net.forward(np.zeros((3, 1, 2)), tree)
