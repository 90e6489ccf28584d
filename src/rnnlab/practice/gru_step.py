"""Task 4: one GRU step, forward and backward, NNDL (6.66)–(6.69) and the "reset after" form.

Shape legend: ``B`` batch, ``D`` input size, ``H`` hidden size.

The student writes ``gru_step_forward(x_t, h_prev, p) -> (h_t, cache)`` and
``gru_step_backward(dh_t, cache) -> (dx_t, dh_prev, grads)``, the signatures of
:func:`rnnlab.gru_step_forward` and :func:`rnnlab.gru_step_backward` (the reference), twice:
in NNDL's form, the reset gate on h_{t-1} before the product with U_h, and in the form of
PyTorch's ``nn.GRU`` (``reset_after=True``), the reset gate on U_h h_{t-1} + b_Uh. ``p``
holds ``W_g`` (H, D), ``U_g`` (H, H), ``b_g`` (H,) for g in z, r, h, and in the reset-after
form also ``b_Uh`` (H,); ``grads`` is a dict with the same keys.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from rnnlab import gru_step_backward, gru_step_forward, sigmoid

from ._core import BadReturn, Mistake, Out, Task, check

__all__ = ["check_gru_step"]

GATES = {"z": "the update-gate term", "r": "the reset-gate term", "h": "the candidate term"}


def _params(reset_after: bool) -> tuple:
    return tuple(f"{m}_{g}" for g in GATES for m in "WUb") + (("b_Uh",) if reset_after else ())


def _outputs(reset_after: bool) -> tuple:
    def shape(k):
        return ("H", "D") if k[0] == "W" else ("H", "H") if k[0] == "U" else ("H",)

    def hint(k):
        return ("the recurrent bias of the candidate, which the reset gate multiplies"
                if k == "b_Uh" else GATES[k[-1]])

    return (Out("h_t", ("B", "H"), "the forward step, (6.66)–(6.69)"),
            Out("dx_t", ("B", "D"), "what flows back to x_t through W_z, W_r, W_h"),
            Out("dh_prev", ("B", "H"), "what flows back to h_{t-1}: directly through (6.69), "
                "and through U_z, U_r, U_h"),
            *(Out(f"d{k}", shape(k), hint(k)) for k in _params(reset_after)))


def _cases(reset_after: bool) -> list:
    cases = []
    for seed in (41, 42, 43):
        rng = np.random.default_rng(seed + 10 * reset_after)
        B, D, H = 3, 4, 5
        p = {}
        for g in GATES:
            p |= {f"W_{g}": rng.normal(0, 0.5, (H, D)), f"U_{g}": rng.normal(0, 0.5, (H, H)),
                  f"b_{g}": rng.normal(0, 0.5, H)}
        if reset_after:
            p["b_Uh"] = rng.normal(0, 0.5, H)
        cases.append({"sizes": {"B": B, "D": D, "H": H}, "x_t": rng.standard_normal((B, D)),
                      "h_prev": rng.uniform(-0.9, 0.9, (B, H)), "p": p,
                      "dh_t": rng.standard_normal((B, H))})
    return cases


def _run(case: dict, call, out: dict, reset_after: bool) -> None:
    c = case
    h_t, cache = call.unpack(call(0, c["x_t"], c["h_prev"], c["p"]), 0, 2, "(h_t, cache)")
    out["h_t"] = h_t
    dx_t, dh_prev, grads = call.unpack(tuple(call(1, c["dh_t"], cache)), 1, 3,
                                       "(dx_t, dh_prev, grads)")
    out["dx_t"], out["dh_prev"] = dx_t, dh_prev
    if not isinstance(grads, dict):
        raise BadReturn(f"{call.name(1)} must return grads as a dict with the keys of p "
                        f"(W_z, U_z, b_z, ...); got a {type(grads).__name__}")
    for k in _params(reset_after):
        out[f"d{k}"] = grads.get(k)


def _mutant(mistake: str, reset_after: bool) -> tuple:
    """The GRU step with one mistake, in the student's signatures."""
    swapped = mistake == "z_swapped"
    before = (not reset_after) != (mistake == "reset_wrong_side")  # r_t ⊙ h_{t-1} before U_h
    outside = mistake == "b_Uh_outside"

    def dsig(g):  # the derivative of a sigmoid gate, written with its value
        return g if mistake == "sigma_for_derivative" else g * (1 - g)

    def tr(m):  # the matrix of a backward product through U
        return m.T if mistake == "U_not_T" else m

    def forward(x_t, h_prev, p):
        z = sigmoid(x_t @ p["W_z"].T + h_prev @ p["U_z"].T + p["b_z"])
        r = sigmoid(x_t @ p["W_r"].T + h_prev @ p["U_r"].T + p["b_r"])
        b_Uh = p["b_Uh"] if reset_after else 0.0
        if before:
            n = r * h_prev
            a_h = x_t @ p["W_h"].T + n @ p["U_h"].T + p["b_h"] + b_Uh
        else:
            n = h_prev @ p["U_h"].T + (0.0 if outside else b_Uh)
            a_h = x_t @ p["W_h"].T + p["b_h"] + r * n + (b_Uh if outside else 0.0)
        h_tilde = np.tanh(a_h)
        keep = 1 - z if swapped else z  # the share of h_{t-1} kept
        return keep * h_prev + (1 - keep) * h_tilde, (x_t, h_prev, z, r, h_tilde, n, p)

    def backward(dh_t, cache):
        x_t, h_prev, z, r, h_tilde, n, p = cache
        keep = 1 - z if swapped else z
        da_h = dh_t * (1 - keep)
        if mistake != "no_tanh_prime":
            da_h = da_h * (1 - h_tilde**2)
        dkeep = dh_t * (h_prev - h_tilde)
        da_z = (-dkeep if swapped else dkeep) * dsig(z)
        dh_prev = 0.0 if mistake == "direct_path_dropped" else dh_t * keep
        grads = {}
        if before:
            dn = da_h @ tr(p["U_h"])
            da_r = dn * h_prev * dsig(r)
            dh_prev = dh_prev + dn * r
            grads["U_h"] = da_h.T @ n
            db_Uh = da_h.sum(axis=0)
        else:
            dn = da_h * r
            da_r = da_h * n * dsig(r)
            dh_prev = dh_prev + dn @ tr(p["U_h"])
            grads["U_h"] = dn.T @ h_prev
            db_Uh = (da_h if outside else dn).sum(axis=0)
        dh_prev = dh_prev + da_z @ tr(p["U_z"]) + da_r @ tr(p["U_r"])
        dx_t = da_z @ p["W_z"] + da_r @ p["W_r"] + da_h @ p["W_h"]
        for g, da in (("z", da_z), ("r", da_r), ("h", da_h)):
            grads[f"W_{g}"], grads[f"b_{g}"] = da.T @ x_t, da.sum(axis=0)
        grads["U_z"], grads["U_r"] = da_z.T @ h_prev, da_r.T @ h_prev
        if reset_after:
            grads["b_Uh"] = db_Uh
        return dx_t, dh_prev, grads

    return forward, backward


_MESSAGES = {
    "z_swapped": "z_t and 1 − z_t swapped in (6.69): in NNDL's GRU (and PyTorch's) the update "
                 "gate z_t is the share of h_{t-1} that is kept.",
    "reset_wrong_side": {
        False: "the reset gate is applied on the wrong side of U_h: in NNDL's (6.67) it "
               "multiplies h_{t-1} before the product with U_h (that is the reset-after form).",
        True: "the reset gate is applied on the wrong side of U_h: in the reset-after form it "
              "multiplies the recurrent term U_h h_{t-1} + b_Uh after the product (that is "
              "NNDL's form)."},
    "b_Uh_outside": "b_Uh is added outside the reset: in the reset-after form the reset gate "
                    "multiplies U_h h_{t-1} + b_Uh, bias included.",
    "sigma_for_derivative": "σ used where σ(1−σ) is meant: the derivative of a sigmoid gate "
                            "g_t = σ(a) is g_t ⊙ (1 − g_t), not g_t.",
    "no_tanh_prime": "the tanh′ factor of the candidate h̃_t is missing.",
    "U_not_T": "U where Uᵀ is meant in the backward step: the error goes back through the "
               "transpose of each product with U_z, U_r, U_h that went forward.",
    "direct_path_dropped": "dh_prev misses the direct path: by (6.69) h_{t-1} reaches h_t "
                           "also without any weight matrix, scaled by the update gate.",
}


def _mistakes(reset_after: bool) -> tuple:
    out = []
    for key, msg in _MESSAGES.items():
        if key == "b_Uh_outside" and not reset_after:
            continue
        text = msg[reset_after] if isinstance(msg, dict) else msg
        out.append(Mistake(key, text, _mutant(key, reset_after)))
    return tuple(out)


TASK = Task("GRU step (NNDL's form)", ("gru_step_forward", "gru_step_backward"),
            _outputs(False), partial(_cases, False), partial(_run, reset_after=False),
            (gru_step_forward, gru_step_backward), _mistakes(False))
TASK_RESET_AFTER = Task(
    "GRU step (reset after)", ("gru_step_forward", "gru_step_backward"), _outputs(True),
    partial(_cases, True), partial(_run, reset_after=True),
    (partial(gru_step_forward, reset_after=True), gru_step_backward), _mistakes(True))


def check_gru_step(gru_step_forward, gru_step_backward, *, reset_after: bool = False) -> None:
    """Check the student's GRU step against :func:`rnnlab.gru_step_forward` and
    :func:`rnnlab.gru_step_backward` on three random float64 cases (B=3, D=4, H=5), in
    NNDL's form or, with ``reset_after=True``, in PyTorch's (``p`` then holds ``b_Uh``).

    Signatures of the stubs: ``gru_step_forward(x_t, h_prev, p) -> (h_t, cache)``,
    ``gru_step_backward(dh_t, cache) -> (dx_t, dh_prev, grads)``.
    Prints one line per output, the mistake recognised if any, and a verdict.
    """
    check(TASK_RESET_AFTER if reset_after else TASK, (gru_step_forward, gru_step_backward))
