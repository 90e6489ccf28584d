"""The workbook's checkers (rnnlab.practice): the reference passes, every recognised mistake
gets exactly its diagnosis, a small perturbation fails, and bad outputs get a clear message.

Tolerance: the checkers count an output as right when its relative error to the reference is
at most ``TOL`` = 1e-8 (float64); a perturbation of 1e-3 relative must fail.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab import (
    RNN,
    clip_grad_norm,
    lstm_step_backward,
    lstm_step_forward,
    rnn_step_backward,
    rnn_step_forward,
)
from rnnlab.practice import (
    bptt,
    check_rnn_step,
    clipping,
    evaluate,
    gru_step,
    lstm_step,
    rnn_step,
    tbptt_sampling,
)
from rnnlab.practice._core import NOT_DONE, TOL

TASKS = {"rnn_step": rnn_step.TASK, "bptt": bptt.TASK, "lstm_step": lstm_step.TASK,
         "gru_step": gru_step.TASK, "gru_step_reset_after": gru_step.TASK_RESET_AFTER,
         "clipping": clipping.TASK, "tbptt": tbptt_sampling.TASK_TBPTT,
         "sampling": tbptt_sampling.TASK_SAMPLING}
MUTANTS = [(name, m) for name, task in TASKS.items() for m in task.mistakes]
# a mutant module's implementation with no mistake must be the reference itself
CLEAN = {"rnn_step": rnn_step._mutant(None), "bptt": bptt._mutant(None),
         "lstm_step": lstm_step._mutant(None), "gru_step": gru_step._mutant(None, False),
         "gru_step_reset_after": gru_step._mutant(None, True),
         "clipping": clipping._mutant(None), "tbptt": tbptt_sampling._tbptt_mutant(None),
         "sampling": tbptt_sampling._sampling_mutant(None)}


@pytest.mark.parametrize("name", TASKS)
def test_reference_passes(name):
    res = evaluate(TASKS[name], TASKS[name].reference)
    assert res.status == "pass", "\n".join(res.lines)
    assert res.lines[-1].startswith("Verdict: ✓")


@pytest.mark.parametrize("name", TASKS)
def test_mutant_code_without_mistake_passes(name):
    """The mutants are the reference with one change: without a change they pass."""
    res = evaluate(TASKS[name], CLEAN[name])
    assert res.status == "pass", "\n".join(res.lines)


@pytest.mark.parametrize(("name", "mistake"), MUTANTS, ids=[f"{n}-{m.key}" for n, m in MUTANTS])
def test_each_mutant_gets_exactly_its_diagnosis(name, mistake):
    res = evaluate(TASKS[name], mistake.fns)
    assert res.status == "fail", "\n".join(res.lines)
    assert res.diagnoses == [mistake.key], "\n".join(res.lines)
    assert f"Diagnosis: {mistake.message}" in res.lines
    assert res.lines[-1].startswith("Verdict: ✗")


def _tampered(task, change):
    """The task with ``change(out)`` applied to the reference's outputs as the student's."""
    def run(case, call, out):
        task.run(case, call, out)
        if call.fns is not task.reference:  # only the student's side (a new tuple) changes
            change(out)
    return task._replace(run=run)


def _float_outputs(task):
    return [o.name for o in task.outputs if o.kind == "float"]


PERTURBED = [(n, o) for n, t in TASKS.items()
             for o in dict.fromkeys(_float_outputs(t)[:1] + _float_outputs(t)[-1:])]


@pytest.mark.parametrize(("name", "output"), PERTURBED, ids=[f"{n}-{o}" for n, o in PERTURBED])
def test_perturbation_of_1e_3_fails(name, output):
    task = TASKS[name]

    def change(out):
        out[output] = out[output] * (1 + 1e-3)
    res = evaluate(_tampered(task, change), list(task.reference))
    assert res.status == "fail" and res.wrong == [output], "\n".join(res.lines)
    assert res.diagnoses == []  # a perturbation is no known mistake
    line = next(ln for ln in res.lines if ln.strip().startswith(f"{output} "))
    assert "✗ (0.0005)" in line  # ||1e-3 r|| / (||r|| + ||1.001 r||), two digits


BAD = {
    "shape": (lambda a: np.ones(a.shape + (2,)), "must have shape ("),
    "nan": (lambda a: np.where(np.ones(a.shape, bool), np.nan, a), "contains NaN or inf"),
    "dtype": (lambda a: np.asarray(a, np.float32), "must be float64"),
}


@pytest.mark.parametrize("name", ["rnn_step", "lstm_step", "clipping", "sampling"])
@pytest.mark.parametrize("kind", BAD)
def test_bad_output_message_names_the_output_and_its_shape(name, kind):
    task = TASKS[name]
    output = next(o for o in task.outputs if o.shape)  # an array output
    make, words = BAD[kind]

    def change(out):
        out[output.name] = make(np.asarray(out[output.name]))
    res = evaluate(_tampered(task, change), list(task.reference))
    line = next(ln for ln in res.lines if ln.strip().startswith(f"{output.name} ✗"))
    assert words in line and f"({', '.join(output.shape)}" in line, line
    assert res.status == "fail"


def test_wrong_shape_message_reads_plainly():
    def bwd(dh_t, cache):
        g = rnn_step_backward(dh_t, cache)
        return g.dx_t, g.dh_prev, g.dW.T, g.dU, g.db
    res = evaluate(rnn_step.TASK, (rnn_step_forward, bwd))
    assert "  dW ✗: dW must have shape (H, D) = (5, 4); got (4, 5)" in res.lines


def _stub(*args, **kwargs):
    raise NotImplementedError


@pytest.mark.parametrize("name", TASKS)
def test_not_implemented_prints_the_one_line(name, capsys):
    res = evaluate(TASKS[name], (_stub,) * len(TASKS[name].fn_names))
    assert res.status == "not_implemented"
    assert res.lines == [f"_stub: {NOT_DONE}"]


def test_forward_done_backward_not_yet():
    res = evaluate(rnn_step.TASK, (rnn_step_forward, _stub))
    assert res.status == "pending"
    assert "  h_t ✓" in res.lines and f"_stub: {NOT_DONE}" in res.lines


def test_exception_is_one_line_without_traceback(capsys):
    def bwd(dh_t, cache):
        return cache.no_such_field
    check_rnn_step(rnn_step_forward, bwd)
    out = capsys.readouterr()
    assert out.out.splitlines()[0] == ("✗ bwd raised AttributeError: 'RNNStepCache' object has "
                                       "no attribute 'no_such_field'")
    assert "Traceback" not in out.out + out.err


def test_wrong_return_kind_is_named():
    def fwd(x_t, h_prev, W, U, b):
        return np.tanh(x_t @ W.T + h_prev @ U.T + b)  # no cache
    res = evaluate(rnn_step.TASK, (fwd, rnn_step_backward))
    assert res.status == "error"
    assert res.lines[0] == "✗ fwd must return (h_t, cache); got a ndarray"


# ---- mistakes written the way a student would, independently of the checker's mutants ----
def test_student_rnn_without_tanh_prime():
    def fwd(x_t, h_prev, W, U, b):
        h = np.tanh(x_t @ W.T + h_prev @ U.T + b)
        return h, (x_t, h_prev, W, U)

    def bwd(dh_t, cache):
        x_t, h_prev, W, U = cache
        dz = dh_t  # forgot tanh'
        return dz @ W, dz @ U, dz.T @ x_t, dz.T @ h_prev, dz.sum(axis=0)
    assert evaluate(rnn_step.TASK, (fwd, bwd)).diagnoses == ["no_fprime"]


def test_student_bptt_without_carry():
    def rnn_bptt(dH, X, Hs, h0, W, U):
        delta = dH * (1 - Hs**2)  # each step on its own: nothing carried from t + 1
        H_prev = np.concatenate([h0[None], Hs[:-1]])
        return (delta, delta @ W, delta[0] @ U, np.einsum("tbh,tbd->hd", delta, X),
                np.einsum("tbh,tbk->hk", delta, H_prev), delta.sum(axis=(0, 1)))
    assert evaluate(bptt.TASK, (rnn_bptt,)).diagnoses == ["no_carry"]


c_prev = np.zeros((3, 5))  # a notebook's leftover global, the shape of the checker's cases


def test_student_lstm_forward_reading_global_c_prev():
    def fwd(x_t, h_prev, c_prev_t, p):
        return lstm_step_forward(x_t, h_prev, c_prev, p)  # the global, not the argument
    res = evaluate(lstm_step.TASK, (fwd, lstm_step_backward))
    assert res.diagnoses == ["forward_global_c_prev"], "\n".join(res.lines)
    assert any("the bug of 6-2P" in ln for ln in res.lines)


def test_student_lstm_backward_reading_global_c_prev():
    def bwd(dh_t, dc_t, cache):  # 6-2P's bug: the forget-gate term with the global c_prev
        return lstm_step_backward(dh_t, dc_t, cache._replace(c_prev=c_prev))
    res = evaluate(lstm_step.TASK, (lstm_step_forward, bwd))
    assert res.diagnoses == ["backward_global_c_prev"], "\n".join(res.lines)
    assert "  dW_f ✗ (1): the forget-gate term" in res.lines
    assert "  dc_prev ✓" in res.lines


def test_student_lstm_forward_ignoring_c_prev_without_a_global():
    def fwd(x_t, h_prev, c, p):
        return lstm_step_forward(x_t, h_prev, np.zeros_like(c), p)
    res = evaluate(lstm_step.TASK, (fwd, lstm_step_backward))
    assert res.diagnoses == ["forward_ignores_c_prev"]


def test_student_clipping_each_array_by_its_own_norm():
    def by_norm(grads, max_norm):
        out, norms = {}, []
        for k, g in grads.items():
            n = np.linalg.norm(g)
            norms.append(n)
            out[k] = g * max_norm / n if n > max_norm else g.copy()
        return out, sum(norms)  # and a wrong total as well: only the arrays are diagnosed
    res = evaluate(clipping.TASK, (by_norm, clipping.TASK.reference[1]))
    assert "per_array" in res.diagnoses


def test_student_clipping_in_place():
    def by_norm(grads, max_norm):
        out, total = clip_grad_norm(grads, max_norm)
        for k in grads:
            grads[k][...] = out[k]
        return grads, total
    res = evaluate(clipping.TASK, (by_norm, clipping.TASK.reference[1]))
    assert res.diagnoses == ["in_place_0"] and res.status == "fail"


def test_student_temperature_overflow():
    def apply_temperature(logits, temperature):
        e = np.exp(logits / temperature)  # no shift: overflows for small temperatures
        return e / e.sum(axis=-1, keepdims=True)
    res = evaluate(tbptt_sampling.TASK_SAMPLING,
                   (apply_temperature, tbptt_sampling._sampling_mutant(None)[1]))
    assert res.diagnoses == ["overflow"]
    assert any("p ✗: p (shape (B, V) = (3, 6)) contains NaN or inf" in ln for ln in res.lines)


def test_student_sampling_with_rng_choice_matches_the_package():
    """The stub asks for rng.choice(V, p=p): it draws what rnnlab's sample draws."""
    from rnnlab.practice import read

    def sample(model, prompt, n_chars, rng, temperature):
        logits, state = read(model, prompt)
        ids = []
        for _ in range(n_chars):
            z = logits / temperature
            p = np.exp(z - z.max())
            ids.append(int(rng.choice(len(p), p=p / p.sum())))
            logits, state = read(model, [ids[-1]], state)
        return ids
    res = evaluate(tbptt_sampling.TASK_SAMPLING,
                   (tbptt_sampling.TASK_SAMPLING.reference[0], sample))
    assert res.status == "pass", "\n".join(res.lines)


def test_bptt_reference_is_the_layer_bptt():
    rng = np.random.default_rng(0)
    T, B, D, H = 5, 2, 3, 4
    layer = RNN(D, H, rng=rng)
    X, h0 = rng.standard_normal((T, B, D)), rng.standard_normal((B, H))
    Hs, cache = layer.forward(X, h0)
    dH = rng.standard_normal((T, B, H))
    res = layer.bptt(dH, cache)
    delta, dX, dh0, dW, dU, db = bptt.reference_bptt(dH, X, Hs, h0, layer.params["W"],
                                                     layer.params["U"])
    for mine, theirs in ((delta, res.dH_total * (1 - Hs**2)), (dX, res.dX), (dh0, res.dstate0),
                         (dW, res.grads["W"]), (dU, res.grads["U"]), (db, res.grads["b"])):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)


def test_tolerance_separates_rounding_from_mistakes():
    assert 1e-15 < TOL < 1e-4


# ---- the pages: a solved stub passes its check cell ----------------------------------------
def _solved(stub, reference):
    """``reference`` behind the stub's signature: a call the stub would not accept fails."""
    import inspect
    sig = inspect.signature(stub)

    def solved(*args, **kwargs):
        sig.bind(*args, **kwargs)
        return reference(*args, **kwargs)
    solved.__name__ = stub.__name__
    return solved


def _pages():
    from functools import partial

    from rnnlab import clip_grad_value, gru_step_backward, gru_step_forward
    from rnnlab.train import apply_temperature as reference_apply_temperature
    ts = tbptt_sampling
    return {
        "p1_rnn_step": {"rnn_step_forward": rnn_step_forward,
                        "rnn_step_backward": rnn_step_backward},
        "p2_bptt": {"rnn_bptt": bptt.reference_bptt},
        "p3_lstm_step": {"lstm_step_forward": lstm_step_forward,
                         "lstm_step_backward": lstm_step_backward},
        "p4_gru_step": {"gru_step_forward": gru_step_forward,
                        "gru_step_backward": gru_step_backward,
                        "gru_step_forward_after": partial(gru_step_forward, reset_after=True),
                        "gru_step_backward_after": gru_step_backward},
        "p5_clipping": {"clip_grad_norm": clip_grad_norm, "clip_grad_value": clip_grad_value},
        "p6_tbptt_sampling": {"train_tbptt": ts._reference_tbptt,
                              "apply_temperature": reference_apply_temperature,
                              "sample": ts._reference_sample},
    }


@pytest.mark.parametrize("page", list(_pages()))
def test_page_with_solved_stubs_passes_its_checks(page, capsys):
    """Run the page's code cells with each stub replaced by the reference behind the stub's
    own signature: every check cell prints a passing verdict."""
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).parents[1] / "chapters" / f"{page}.ipynb").read_text())
    solutions = _pages()[page]
    ns: dict = {}
    stubs_seen = set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        capsys.readouterr()
        exec(compile(src, page, "exec"), ns)  # noqa: S102 -- the page's own code
        for name, ref in solutions.items():
            if name in ns and name not in stubs_seen and "NotImplementedError" in src:
                ns[name] = _solved(ns[name], ref)
                stubs_seen.add(name)
        out = capsys.readouterr().out
        if src.lstrip().startswith("check_"):  # a check cell
            assert "Verdict: ✓" in out and NOT_DONE not in out, out
    assert stubs_seen == set(solutions)
