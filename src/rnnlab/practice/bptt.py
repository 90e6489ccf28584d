"""Task 2: backpropagation through time over a whole sequence, NNDL (6.34)–(6.41).

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size.

The student writes ``rnn_bptt(dH, X, Hs, h0, W, U) -> (delta, dX, dh0, dW, dU, db)`` for
the simple RNN with f = tanh: ``dH`` (T, B, H) holds ∂L_t/∂h_t, the loss of each step's own
output; ``Hs`` (T, B, H) the states h_1..h_T of the forward pass from ``h0`` (B, H);
``delta`` (T, B, H) the total error δ_t = ∂L/∂z_t of every step. The reference runs the
package's :func:`rnnlab.rnn_step_backward` for t = T..1, carrying dL/dh_{t-1} back and
summing the parameter shares, which is what :meth:`rnnlab.RNN.bptt` computes.
"""

from __future__ import annotations

import numpy as np

from rnnlab import RNN, RNNStepCache, get_activation, rnn_step_backward

from ._core import Mistake, Out, Task, check

__all__ = ["check_bptt"]

OUTPUTS = (
    Out("delta", ("T", "B", "H"), "the error recursion, (6.34)–(6.36): look at the last "
        "step first, then at what is carried from step t+1"),
    Out("dX", ("T", "B", "D"), "what flows back to each x_t through W"),
    Out("dh0", ("B", "H"), "what flows back from step 1 to the initial state"),
    Out("dW", ("H", "D"), "the sum over the steps, (6.40)"),
    Out("dU", ("H", "H"), "the sum over the steps, (6.39): which state does U multiply?"),
    Out("db", ("H",), "the sum over the steps and the batch, (6.41)"),
)


def reference_bptt(dH, X, Hs, h0, W, U):
    """BPTT of the tanh RNN from the package's step backward (shapes as in the module
    docstring): the loop t = T..1 carries dh_next, and the steps' shares are summed."""
    T, B, _ = X.shape
    act = get_activation("tanh")
    H_prev = np.concatenate([h0[None], Hs[:-1]])  # h_{t-1}, (T, B, H)
    delta, dX = np.empty_like(Hs), np.empty_like(X)
    dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros(U.shape[0])
    dh_next = np.zeros_like(h0)  # dL/dh_T from beyond the last step: none
    for t in reversed(range(T)):
        dh = dH[t] + dh_next  # the total dL/dh_t
        step = rnn_step_backward(dh, RNNStepCache(X[t], H_prev[t], Hs[t], W, U, act, False))
        delta[t] = dh * act.df(Hs[t])
        dX[t], dh_next = step.dx_t, step.dh_prev
        dW, dU, db = dW + step.dW, dU + step.dU, db + step.db
    return delta, dX, dh_next, dW, dU, db


def _cases() -> list:
    cases = []
    for seed in (21, 22, 23):
        rng = np.random.default_rng(seed)
        T, B, D, H = 6, 3, 4, 5
        layer = RNN(D, H, rng=rng)
        layer.params["U"][:] = rng.normal(0, 0.5, (H, H))
        layer.params["b"][:] = rng.normal(0, 0.3, H)
        X, h0 = rng.standard_normal((T, B, D)), rng.uniform(-0.5, 0.5, (B, H))
        Hs = layer.forward(X, h0)[0]
        cases.append({"sizes": {"T": T, "B": B, "D": D, "H": H},
                      "dH": rng.standard_normal((T, B, H)), "X": X, "Hs": Hs, "h0": h0,
                      "W": layer.params["W"].copy(), "U": layer.params["U"].copy()})
    return cases


def _run(case: dict, call, out: dict) -> None:
    c = case
    res = call.unpack(call(0, c["dH"], c["X"], c["Hs"], c["h0"], c["W"], c["U"]), 0, 6,
                      "(delta, dX, dh0, dW, dU, db)")
    out.update(zip((o.name for o in OUTPUTS), res, strict=True))


def _mutant(mistake: str) -> tuple:
    """BPTT with one mistake, in the student's signature."""
    def rnn_bptt(dH, X, Hs, h0, W, U):
        T = len(X)
        H_prev = np.concatenate([h0[None], Hs[:-1]])
        delta, dX = np.zeros_like(Hs), np.zeros_like(X)
        dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros(U.shape[0])
        dh_next = np.zeros_like(h0)
        for t in reversed(range(T)):
            fprime = 1 - Hs[t] ** 2
            if mistake == "no_carry":
                d = fprime * dH[t]
            elif mistake == "carry_no_fprime":
                d = fprime * dH[t] + dh_next
            else:
                d = fprime * (dH[t] + dh_next)
            delta[t] = d
            dh_next = d @ (U.T if mistake == "U_not_T" else U)
            dX[t] = d @ W
            h_used = Hs[t] if mistake == "dU_h_t" else H_prev[t]
            if mistake == "overwrite":
                dW, dU, db = d.T @ X[t], d.T @ h_used, d.sum(axis=0)
            else:
                dW, dU, db = dW + d.T @ X[t], dU + d.T @ h_used, db + d.sum(axis=0)
        return delta, dX, dh_next, dW, dU, db

    return (rnn_bptt,)


MISTAKES = (
    Mistake("no_carry", "the gradient from the next step is not carried (dh_next dropped): "
            "δ_t sees only the loss of step t, not what flows back from step t+1.",
            _mutant("no_carry")),
    Mistake("carry_no_fprime", "the gradient carried from step t+1 misses the tanh′(z_t) "
            "factor: in (6.36) it passes through f′(z_t) like the loss of step t.",
            _mutant("carry_no_fprime")),
    Mistake("U_not_T", "U where Uᵀ is meant in the recursion (6.36): the error goes back "
            "through the transpose of the product that went forward.", _mutant("U_not_T")),
    Mistake("dU_h_t", "dU pairs δ_t with h_t where h_{t-1} is meant (6.39): U multiplies "
            "the previous state.", _mutant("dU_h_t")),
    Mistake("overwrite", "the parameter gradients keep only one step (= where += is meant): "
            "the weights are shared, so (6.39)–(6.41) sum over all steps.",
            _mutant("overwrite")),
)

TASK = Task("BPTT over a sequence", ("rnn_bptt",), OUTPUTS, _cases, _run, (reference_bptt,),
            MISTAKES)


def check_bptt(rnn_bptt) -> None:
    """Check the student's BPTT for the tanh RNN on three random float64 sequences
    (T=6, B=3, D=4, H=5) against the package's backward steps.

    Signature of the stub: ``rnn_bptt(dH, X, Hs, h0, W, U) -> (delta, dX, dh0, dW, dU, db)``.
    Prints one line per output, the mistake recognised if any, and a verdict.
    """
    check(TASK, (rnn_bptt,))
