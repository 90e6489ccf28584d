"""A recursive neural network over a binary tree, and its chain case (NNDL exercise 6-7).

Shape legend: ``n`` leaves, ``N`` internal nodes (n - 1 for a binary tree), ``B`` batch,
``H`` vector size (leaves and internal nodes alike, as in NNDL).

A recursive network applies one shared composition at every internal node p of a tree,

    h_p = f(W [h_left; h_right] + b),      W (H, 2H), b (H,),

where a child is a leaf vector x_i or the state of another internal node; the root's state
represents the whole input. A tree is written as nested pairs of leaf indices:
``((0, 1), (2, 3))`` is the balanced tree over four leaves, :func:`chain` the left-branching
chain ``(((0, 1), 2), 3)``. On the chain, node t computes

    h_t = f(W_left h_{t-1} + W_right x_{t+1} + b),   h_0 = x_0,

which is the simple RNN (6.5)–(6.6) with U = W_left = W[:, :H] and W = W_right = W[:, H:],
read over x_1..x_{n-1} from the initial state x_0: :func:`as_rnn` builds that RNN.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_array, check_positive_int, check_rng
from .activations import get_activation
from .base import uniform_init
from .rnn import RNN

__all__ = ["RecursiveNet", "RecursiveCache", "chain", "balanced", "as_rnn"]


def chain(n: int):
    """The left-branching tree (((0, 1), 2), ..., n-1) over n >= 2 leaves."""
    n = check_positive_int(n, "n")
    if n < 2:
        raise ValueError(f"a tree needs at least 2 leaves; got n={n}")
    tree = 0
    for i in range(1, n):
        tree = (tree, i)
    return tree


def balanced(n: int):
    """A balanced binary tree over the leaves 0..n-1 (n >= 2): the left half, the right half."""
    n = check_positive_int(n, "n")
    if n < 2:
        raise ValueError(f"a tree needs at least 2 leaves; got n={n}")

    def build(lo, hi):
        if hi - lo == 1:
            return lo
        mid = (lo + hi + 1) // 2
        return (build(lo, mid), build(mid, hi))

    return build(0, n)


def _post_order(tree, n_leaves: int) -> list[tuple]:
    """Internal nodes children-first: a list of (left, right), each child ("x", i) for a
    leaf or ("h", j) for internal node j of this list. Every leaf must appear once."""
    nodes, seen = [], []

    def visit(t):
        if isinstance(t, (int, np.integer)) and not isinstance(t, bool):
            if not 0 <= t < n_leaves:
                raise ValueError(f"leaf index {t} is outside 0..{n_leaves - 1}")
            seen.append(int(t))
            return ("x", int(t))
        if not (isinstance(t, tuple) and len(t) == 2):
            raise ValueError(f"a tree is a leaf index or a pair (left, right); got {t!r}")
        left, right = visit(t[0]), visit(t[1])
        nodes.append((left, right))
        return ("h", len(nodes) - 1)

    if visit(tree)[0] != "h":
        raise ValueError("the tree must have at least one internal node")
    if sorted(seen) != list(range(n_leaves)):
        raise ValueError(f"every leaf 0..{n_leaves - 1} must appear exactly once; got {seen}")
    return nodes


class RecursiveCache(NamedTuple):
    """Forward record: X (n, B, H) leaves; nodes the post-order list of (left, right) child
    references; Hn (N, B, H) the internal states f(z_p) in that order (the root is last)."""

    X: np.ndarray
    nodes: list
    Hn: np.ndarray


class RecursiveNet:
    """h_p = f(W [h_left; h_right] + b) at every internal node (see the module docstring).

    Parameters (``params``): ``W`` (H, 2H), ``b`` (H,). ``activation`` as for
    :class:`~rnnlab.layers.rnn.RNN`.
    """

    def __init__(self, hidden_size: int, *, rng: np.random.Generator, activation: str = "tanh",
                 dtype=np.float64):
        H = check_positive_int(hidden_size, "hidden_size")
        check_rng(rng)
        self.hidden_size, self.dtype = H, np.dtype(dtype)
        self.activation = get_activation(activation)
        self.params = {"W": uniform_init(rng, (H, 2 * H), H, self.dtype),
                       "b": np.zeros(H, self.dtype)}

    def forward(self, X: np.ndarray, tree) -> tuple[np.ndarray, RecursiveCache]:
        """X (n, B, H) leaf vectors, ``tree`` over the leaves 0..n-1 -> root (B, H), cache."""
        X = check_array(X, "X", (("n", None), ("B", None), ("H", self.hidden_size)),
                        dtype=self.dtype)
        nodes = _post_order(tree, X.shape[0])
        W, b, f = self.params["W"], self.params["b"], self.activation.f
        Hn = np.empty((len(nodes), X.shape[1], self.hidden_size), self.dtype)

        def value(ref):
            return X[ref[1]] if ref[0] == "x" else Hn[ref[1]]

        for p, (left, right) in enumerate(nodes):  # children before parents
            children = np.concatenate([value(left), value(right)], axis=-1)  # (B, 2H)
            Hn[p] = f(children @ W.T + b)
        return Hn[-1], RecursiveCache(X, nodes, Hn)

    def backward(self, droot: np.ndarray, cache: RecursiveCache, dHn=None):
        """Backpropagation through structure. droot (B, H) = dL/d(root); ``dHn`` optional
        (N, B, H) extra dL/dh_p at every internal node. Returns (dX (n, B, H), grads)."""
        X, nodes, Hn = cache.X, cache.nodes, cache.Hn
        H = self.hidden_size
        W, df = self.params["W"], self.activation.df
        dH = np.zeros_like(Hn) if dHn is None else np.array(dHn, dtype=self.dtype)
        dH[-1] += droot
        dX = np.zeros_like(X)
        dW, db = np.zeros_like(W), np.zeros_like(self.params["b"])
        for p in reversed(range(len(nodes))):  # parents before children
            dz = dH[p] * df(Hn[p])  # backprop through f, (B, H)
            left, right = nodes[p]
            vals = [X[r[1]] if r[0] == "x" else Hn[r[1]] for r in (left, right)]
            dW += dz.T @ np.concatenate(vals, axis=-1)
            db += dz.sum(axis=0)
            dchildren = dz @ W  # (B, 2H): to [h_left; h_right]
            for ref, d in ((left, dchildren[:, :H]), (right, dchildren[:, H:])):
                (dX if ref[0] == "x" else dH)[ref[1]] += d
        return dX, {"W": dW, "b": db}


def as_rnn(net: RecursiveNet) -> RNN:
    """The simple RNN that a recursive net computes on :func:`chain`: U = W[:, :H] (the left,
    recurrent child), W = W[:, H:] (the right child, a leaf), same b and activation. Run it
    on X[1:] from the initial state X[0]; its states are the chain's internal states."""
    H = net.hidden_size
    rnn = RNN(H, H, rng=np.random.default_rng(0), activation=net.activation.name,
              dtype=net.dtype)
    rnn.params["U"][:] = net.params["W"][:, :H]
    rnn.params["W"][:] = net.params["W"][:, H:]
    rnn.params["b"][:] = net.params["b"]
    return rnn
