"""Task 3: one LSTM step, forward and backward, NNDL (6.51)–(6.59) (exercise 6-2P).

Shape legend: ``B`` batch, ``D`` input size, ``H`` hidden size.

The student writes ``lstm_step_forward(x_t, h_prev, c_prev, p) -> (h_t, c_t, cache)`` and
``lstm_step_backward(dh_t, dc_t, cache) -> (dx_t, dh_prev, dc_prev, grads)``, the
signatures of :func:`rnnlab.lstm_step_forward` and :func:`rnnlab.lstm_step_backward` (the
reference). ``p`` holds ``W_g`` (H, D), ``U_g`` (H, H), ``b_g`` (H,) for g in i, f, o, c;
``grads`` is a dict with the same keys.
"""

from __future__ import annotations

import numpy as np

from rnnlab import lstm_step_backward, lstm_step_forward, relative_error, sigmoid

from ._core import (
    TOL,
    BadReturn,
    Caller,
    Mistake,
    NotDone,
    Out,
    StudentError,
    Task,
    check,
    reads_global,
)

__all__ = ["check_lstm_step"]

GATES = {"i": "the input-gate term", "f": "the forget-gate term",
         "o": "the output-gate term", "c": "the candidate term"}
PARAMS = tuple(f"{m}_{g}" for g in GATES for m in "WUb")
OUTPUTS = (
    Out("h_t", ("B", "H"), "(6.52): the output gate and the new cell"),
    Out("c_t", ("B", "H"), "(6.51): the forget gate on c_{t-1}, the input gate on the "
        "candidate"),
    Out("dx_t", ("B", "D"), "what flows back to x_t through the four W_g"),
    Out("dh_prev", ("B", "H"), "what flows back to h_{t-1} through the four U_g"),
    Out("dc_prev", ("B", "H"), "the memory-cell path from c_t back to c_{t-1}"),
    *(Out(f"d{k}", ("H", "D") if k[0] == "W" else ("H", "H") if k[0] == "U" else ("H",),
          GATES[k[-1]]) for k in PARAMS),
)


def _cases() -> list:
    cases = []
    for seed in (31, 32, 33):
        rng = np.random.default_rng(seed)
        B, D, H = 3, 4, 5
        p = {}
        for g in GATES:
            p |= {f"W_{g}": rng.normal(0, 0.5, (H, D)), f"U_{g}": rng.normal(0, 0.5, (H, H)),
                  f"b_{g}": rng.normal(0, 0.5, H)}
        cases.append({"sizes": {"B": B, "D": D, "H": H}, "x_t": rng.standard_normal((B, D)),
                      "h_prev": rng.uniform(-0.9, 0.9, (B, H)),
                      "c_prev": rng.normal(0, 1, (B, H)), "p": p,
                      "dh_t": rng.standard_normal((B, H)), "dc_t": rng.standard_normal((B, H))})
    return cases


def _run(case: dict, call, out: dict) -> None:
    c = case
    h_t, c_t, cache = call.unpack(call(0, c["x_t"], c["h_prev"], c["c_prev"], c["p"]), 0, 3,
                                  "(h_t, c_t, cache)")
    out["h_t"], out["c_t"] = h_t, c_t
    back = call.unpack(tuple(call(1, c["dh_t"], c["dc_t"], cache)), 1, 4,
                       "(dx_t, dh_prev, dc_prev, grads)")
    out["dx_t"], out["dh_prev"], out["dc_prev"], grads = back
    if not isinstance(grads, dict):
        raise BadReturn(f"{call.name(1)} must return grads as a dict with the keys of p "
                        f"(W_i, U_i, b_i, ...); got a {type(grads).__name__}")
    for k in PARAMS:
        out[f"d{k}"] = grads.get(k)


def _mutant(mistake: str) -> tuple:
    """The LSTM step with one mistake, in the student's signatures."""
    def forward(x_t, h_prev, c_prev, p):
        def net(g):
            return x_t @ p[f"W_{g}"].T + h_prev @ p[f"U_{g}"].T + p[f"b_{g}"]
        i, f, o, c_tilde = sigmoid(net("i")), sigmoid(net("f")), sigmoid(net("o")), \
            np.tanh(net("c"))
        c_t = f * c_prev + i * c_tilde
        h_t = o * c_t if mistake == "no_tanh_h" else o * np.tanh(c_t)
        return h_t, c_t, (x_t, h_prev, c_prev, i, f, o, c_tilde, c_t, p)

    def backward(dh_t, dc_t, cache):
        x_t, h_prev, c_prev, i, f, o, c_tilde, c_t, p = cache
        tanh_c = c_t if mistake == "no_tanh_h" else np.tanh(c_t)
        if mistake == "sigma_for_derivative":
            ds = {"i": i, "f": f, "o": o}
        else:
            ds = {"i": i * (1 - i), "f": f * (1 - f), "o": o * (1 - o)}
        dc = dh_t * o * (1 - tanh_c**2)
        if mistake == "no_tanh_prime":
            dc = dh_t * o
        if mistake != "dc_next_dropped":
            dc = dc + dc_t
        dz = {"i": dc * c_tilde * ds["i"], "f": dc * c_prev * ds["f"],
              "o": dh_t * tanh_c * ds["o"], "c": dc * i * (1 - c_tilde**2)}
        dc_prev = dc if mistake == "dc_prev_no_f" else dc * f
        tr = (lambda m: m.T) if mistake == "U_not_T" else (lambda m: m)
        dh_prev = sum(dz[g] @ tr(p[f"U_{g}"]) for g in GATES)
        dx_t = sum(dz[g] @ p[f"W_{g}"] for g in GATES)
        grads = {}
        for g in GATES:
            grads |= {f"W_{g}": dz[g].T @ x_t, f"U_{g}": dz[g].T @ h_prev,
                      f"b_{g}": dz[g].sum(axis=0)}
        return dx_t, dh_prev, dc_prev, grads

    return forward, backward


MISTAKES = (
    Mistake("no_tanh_h", "h_t = o_t ⊙ c_t: the tanh of the cell in (6.52) is missing.",
            _mutant("no_tanh_h")),
    Mistake("no_tanh_prime", "the tanh′(c_t) factor is missing on the path from h_t to c_t "
            "(h_t = o_t ⊙ tanh(c_t)).", _mutant("no_tanh_prime")),
    Mistake("sigma_for_derivative", "σ used where σ(1−σ) is meant: the derivative of a "
            "sigmoid gate g_t = σ(z) is g_t ⊙ (1 − g_t), not g_t.",
            _mutant("sigma_for_derivative")),
    Mistake("dc_next_dropped", "the gradient from the next step is not carried: dc_t, what "
            "flows back into c_t from step t+1, is dropped.", _mutant("dc_next_dropped")),
    Mistake("U_not_T", "U_g where U_gᵀ is meant in dh_prev: the error goes back through the "
            "transpose of each product that went forward.", _mutant("U_not_T")),
    Mistake("dc_prev_no_f", "dc_prev misses the forget gate: c_{t-1} reaches c_t "
            "multiplied by f_t (6.51).", _mutant("dc_prev_no_f")),
)


def _global_c_prev(fns: tuple, cases: list) -> list:
    """The bug of 6-2P: a step that reads the notebook's global ``c_prev``, or whose c_t does
    not change when the c_prev it is given changes."""
    found = []
    for i, (fn, where) in enumerate(zip(fns, ("forward", "backward"), strict=True)):
        if reads_global(fn, "c_prev"):
            name = getattr(fn, "__name__", where)
            found.append((f"{where}_global_c_prev", f"{name} reads the global variable c_prev "
                          "instead of the c_{t-1} of the step (the bug of 6-2P): Python "
                          "takes whatever c_prev the notebook holds. Use the argument "
                          + ("c_prev." if i == 0 else "or the cache.")))
    if found:
        return found
    c = cases[0]
    call = Caller(fns, ("lstm_step_forward", "lstm_step_backward"))
    try:
        _, c1, _ = call(0, c["x_t"], c["h_prev"], c["c_prev"], c["p"])
        _, c2, _ = call(0, c["x_t"], c["h_prev"], c["c_prev"] + 1.0, c["p"])
        ignored = relative_error(np.asarray(c1), np.asarray(c2)) <= TOL
    except (NotDone, StudentError, TypeError, ValueError):
        return []
    if ignored:
        found.append(("forward_ignores_c_prev", "c_t does not change when the argument c_prev "
                      "changes: the forward step ignores its c_prev (does it read another "
                      "variable, such as a global?)."))
    return found


TASK = Task("LSTM step", ("lstm_step_forward", "lstm_step_backward"), OUTPUTS, _cases, _run,
            (lstm_step_forward, lstm_step_backward), MISTAKES, (_global_c_prev,))


def check_lstm_step(lstm_step_forward, lstm_step_backward) -> None:
    """Check the student's LSTM step against :func:`rnnlab.lstm_step_forward` and
    :func:`rnnlab.lstm_step_backward` on three random float64 cases (B=3, D=4, H=5).

    Signatures of the stubs: ``lstm_step_forward(x_t, h_prev, c_prev, p) -> (h_t, c_t,
    cache)``, ``lstm_step_backward(dh_t, dc_t, cache) -> (dx_t, dh_prev, dc_prev, grads)``.
    Prints one line per output, the mistakes recognised, and a verdict.
    """
    check(TASK, (lstm_step_forward, lstm_step_backward))
