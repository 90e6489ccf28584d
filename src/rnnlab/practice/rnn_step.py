"""Task 1: one step of the simple RNN, forward and backward, NNDL (6.5)–(6.6).

Shape legend: ``B`` batch, ``D`` input size, ``H`` hidden size.

The student writes ``rnn_step_forward(x_t, h_prev, W, U, b) -> (h_t, cache)`` with
f = tanh, and ``rnn_step_backward(dh_t, cache) -> (dx_t, dh_prev, dW, dU, db)``: the
signatures of :func:`rnnlab.rnn_step_forward` and :func:`rnnlab.rnn_step_backward`, which
are the reference. ``cache`` is whatever the student's backward needs.
"""

from __future__ import annotations

import numpy as np

from rnnlab import rnn_step_backward, rnn_step_forward

from ._core import Mistake, Out, Task, check

__all__ = ["check_rnn_step"]

OUTPUTS = (
    Out("h_t", ("B", "H"), "the forward step, (6.5)–(6.6)"),
    Out("dx_t", ("B", "D"), "what flows back to x_t through W"),
    Out("dh_prev", ("B", "H"), "what flows back to h_{t-1} through U"),
    Out("dW", ("H", "D"), "the error of z_t and the input x_t, (6.40)"),
    Out("dU", ("H", "H"), "the error of z_t and the state U multiplies, (6.39)"),
    Out("db", ("H",), "the error of z_t, summed over the batch, (6.41)"),
)


def _cases() -> list:
    cases = []
    for seed in (11, 12, 13):
        rng = np.random.default_rng(seed)
        B, D, H = 3, 4, 5
        cases.append({"sizes": {"B": B, "D": D, "H": H},
                      "x_t": rng.standard_normal((B, D)),
                      "h_prev": rng.uniform(-0.9, 0.9, (B, H)),
                      "W": rng.normal(0, 0.5, (H, D)), "U": rng.normal(0, 0.5, (H, H)),
                      "b": rng.normal(0, 0.5, H), "dh_t": rng.standard_normal((B, H))})
    return cases


def _run(case: dict, call, out: dict) -> None:
    c = case
    h_t, cache = call.unpack(call(0, c["x_t"], c["h_prev"], c["W"], c["U"], c["b"]), 0, 2,
                             "(h_t, cache)")
    out["h_t"] = h_t
    grads = call.unpack(tuple(call(1, c["dh_t"], cache)), 1, 5,
                        "(dx_t, dh_prev, dW, dU, db)")
    out.update(zip(("dx_t", "dh_prev", "dW", "dU", "db"), grads, strict=True))


def _mutant(mistake: str) -> tuple:
    """The step with one mistake, in the student's signatures (f = tanh)."""
    def forward(x_t, h_prev, W, U, b):
        z_t = h_prev @ (U if mistake == "fwd_U" else U.T) + x_t @ W.T + b
        h_t = z_t if mistake == "no_f" else np.tanh(z_t)
        return h_t, (x_t, h_prev, h_t, W, U)

    def backward(dh_t, cache):
        x_t, h_prev, h_t, W, U = cache
        if mistake == "no_fprime":
            dz = dh_t
        elif mistake == "fprime_of_h":
            dz = dh_t * (1 - np.tanh(h_t) ** 2)
        else:
            dz = dh_t * (1 - h_t**2)
        dh_prev = dz @ (U.T if mistake == "bwd_U" else U)
        dU = dz.T @ (h_t if mistake == "dU_h_t" else h_prev)
        return dz @ W, dh_prev, dz.T @ x_t, dU, dz.sum(axis=0)

    return forward, backward


MISTAKES = (
    Mistake("fwd_U", "U where Uᵀ is meant in the recurrent term of (6.5): a row of h_prev "
            "is one example, so every product with a weight matrix takes its transpose.",
            _mutant("fwd_U")),
    Mistake("no_f", "h_t is the net input z_t: the activation f = tanh of (6.6) is missing.",
            _mutant("no_f")),
    Mistake("no_fprime", "the tanh′(z_t) factor is missing: the error must pass back through "
            "the activation before the products with W and U.", _mutant("no_fprime")),
    Mistake("fprime_of_h", "tanh′ is taken at h_t = tanh(z_t) instead of at z_t: tanh is "
            "applied twice.", _mutant("fprime_of_h")),
    Mistake("bwd_U", "U where Uᵀ is meant in dh_prev: the error goes back through the "
            "transpose of the product that went forward.", _mutant("bwd_U")),
    Mistake("dU_h_t", "dU pairs the error with h_t where h_{t-1} is meant: U multiplies the "
            "previous state in (6.5).", _mutant("dU_h_t")),
)

TASK = Task("Simple RNN step", ("rnn_step_forward", "rnn_step_backward"), OUTPUTS, _cases,
            _run, (rnn_step_forward, rnn_step_backward), MISTAKES)


def check_rnn_step(rnn_step_forward, rnn_step_backward) -> None:
    """Check the student's RNN step (f = tanh) against :func:`rnnlab.rnn_step_forward` and
    :func:`rnnlab.rnn_step_backward` on three random float64 cases (B=3, D=4, H=5).

    Prints one line per output (✓, or ✗ with the relative error and what it depends on),
    the mistake recognised if any, and a verdict. The signatures are those of the stubs:
    ``rnn_step_forward(x_t, h_prev, W, U, b) -> (h_t, cache)``,
    ``rnn_step_backward(dh_t, cache) -> (dx_t, dh_prev, dW, dU, db)``.
    """
    check(TASK, (rnn_step_forward, rnn_step_backward))
