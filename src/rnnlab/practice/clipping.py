"""Task 5: gradient clipping by global norm and by value (NNDL §6.5.1).

Shape legend: ``D`` input size, ``H`` hidden size; the gradients are a dict
``{"W": (H, D), "U": (H, H), "b": (H,)}``.

The student writes ``clip_grad_norm(grads, max_norm) -> (clipped, total_norm)`` and
``clip_grad_value(grads, clip_value) -> clipped``, the signatures of
:func:`rnnlab.clip_grad_norm` and :func:`rnnlab.clip_grad_value` (the reference): new dicts
of new arrays, the input left as it was, and the norm before clipping.
"""

from __future__ import annotations

import numpy as np

from rnnlab import clip_grad_norm, clip_grad_value

from ._core import BadReturn, Mistake, Out, Task, check

__all__ = ["check_clipping"]

NAMES = ("W", "U", "b")
SHAPES = {"W": ("H", "D"), "U": ("H", "H"), "b": ("H",)}
OUTPUTS = (
    Out("total_norm", (), "the norm of all the gradients together, before clipping"),
    *(Out(f"{k} by norm", SHAPES[k], "one factor for every array: when, and by how much?")
      for k in NAMES),
    *(Out(f"{k} by value", SHAPES[k], "each entry on its own, on both sides") for k in NAMES),
)


def _cases() -> list:
    cases = []
    D, H = 4, 5
    for seed, scale, max_norm, clip_value in ((51, 3.0, 5.0, 0.5), (52, 0.05, 5.0, 0.1),
                                              (53, 1.0, 2.0, 1.0)):
        rng = np.random.default_rng(seed)
        grads = {"W": scale * rng.standard_normal((H, D)),
                 "U": scale * rng.standard_normal((H, H)), "b": scale * rng.standard_normal(H)}
        if seed == 53:  # one array much larger than the others
            grads["W"] *= 20
        cases.append({"sizes": {"D": D, "H": H}, "grads": grads, "max_norm": max_norm,
                      "clip_value": clip_value})
    return cases


def _as_dict(value, call, i: int) -> dict:
    if not isinstance(value, dict):
        raise BadReturn(f"{call.name(i)} must return the clipped gradients as a dict with the "
                        f"keys of grads (W, U, b); got a {type(value).__name__}")
    return value


def _run(case: dict, call, out: dict) -> None:
    clipped, total = call.unpack(call(0, case["grads"], case["max_norm"]), 0, 2,
                                 "(clipped, total_norm)")
    out["total_norm"] = total
    clipped = _as_dict(clipped, call, 0)
    for k in NAMES:
        out[f"{k} by norm"] = clipped.get(k)
    by_value = _as_dict(call(1, case["grads"], case["clip_value"]), call, 1)
    for k in NAMES:
        out[f"{k} by value"] = by_value.get(k)


def _norm(gs) -> float:
    return float(np.sqrt(sum(np.sum(g * g) for g in gs)))


def _mutant(mistake: str) -> tuple:
    """Clipping with one mistake, in the student's signatures."""
    def by_norm(grads, max_norm):
        total = _norm(grads.values())
        if mistake == "per_array":
            out = {k: g * (max_norm / _norm([g]) if _norm([g]) > max_norm else 1.0)
                   for k, g in grads.items()}
        elif mistake == "always_scale":
            out = {k: g * (max_norm / total) for k, g in grads.items()}
        else:
            factor = (total / max_norm if mistake == "inverted" else max_norm / total) \
                if total > max_norm else 1.0
            out = {k: g * factor for k, g in grads.items()}
        return out, (_norm(out.values()) if mistake == "norm_after" else total)

    def by_value(grads, clip_value):
        if mistake == "one_sided":
            return {k: np.minimum(g, clip_value) for k, g in grads.items()}
        if mistake == "rescale_max":
            return {k: g * min(1.0, clip_value / np.abs(g).max()) for k, g in grads.items()}
        return {k: np.clip(g, -clip_value, clip_value) for k, g in grads.items()}

    return by_norm, by_value


_BY_NORM = tuple(f"{k} by norm" for k in NAMES)
_BY_VALUE = tuple(f"{k} by value" for k in NAMES)
MISTAKES = (
    Mistake("per_array", "each array is clipped by its own norm instead of the global one: "
            "the clipped gradient then points in another direction.", _mutant("per_array"),
            _BY_NORM),
    Mistake("always_scale", "the gradients are rescaled even when their norm is already "
            "below max_norm: clipping only ever shortens the gradient.",
            _mutant("always_scale"), _BY_NORM),
    Mistake("inverted", "the factor is inverted: the clipped gradient must be shorter than "
            "the original, with norm max_norm.", _mutant("inverted"), _BY_NORM),
    Mistake("norm_after", "total_norm is the norm after clipping: return the norm before "
            "clipping (the one that tells whether the gradient exploded).",
            _mutant("norm_after"), ("total_norm",)),
    Mistake("one_sided", "clipping by value only from above: entries below −clip_value must "
            "be clipped too.", _mutant("one_sided"), _BY_VALUE),
    Mistake("rescale_max", "by value, each array is rescaled so that its largest entry is "
            "clip_value: clipping by value clips each entry on its own.",
            _mutant("rescale_max"), _BY_VALUE),
)


def _in_place(fns: tuple, cases: list) -> list:
    """A clipping function that changes the dict or the arrays it was given."""
    found = []
    case = cases[0]
    for i, arg in ((0, case["max_norm"]), (1, case["clip_value"])):
        grads = {k: g.copy() for k, g in case["grads"].items()}
        try:
            fns[i](grads, arg)
        except Exception:  # noqa: BLE001 -- the outputs check reports the student's error
            return found
        if set(grads) != set(NAMES) or any(not np.array_equal(grads[k], case["grads"][k])
                                           for k in NAMES):
            name = getattr(fns[i], "__name__", ("clip_grad_norm", "clip_grad_value")[i])
            found.append((f"in_place_{i}", f"{name} changes the grads it is given (in place): "
                          "return new arrays and leave the input as it was; the caller may "
                          "still need the unclipped gradient."))
    return found


TASK = Task("Gradient clipping", ("clip_grad_norm", "clip_grad_value"), OUTPUTS, _cases, _run,
            (clip_grad_norm, clip_grad_value), MISTAKES, (_in_place,))


def check_clipping(clip_grad_norm, clip_grad_value) -> None:
    """Check the student's clipping functions against :func:`rnnlab.clip_grad_norm` and
    :func:`rnnlab.clip_grad_value` on three random float64 gradient dicts (W (5, 4),
    U (5, 5), b (5,)): one far above the threshold, one below it, one with a single large
    array. Also checks that the input is left unchanged.

    Signatures of the stubs: ``clip_grad_norm(grads, max_norm) -> (clipped, total_norm)``,
    ``clip_grad_value(grads, clip_value) -> clipped``.
    """
    check(TASK, (clip_grad_norm, clip_grad_value))
