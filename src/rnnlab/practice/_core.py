"""The checker's core: run the student's functions, compare every output with the reference,
recognise the common mistakes, and print one line per result and a verdict.

Shape legend: ``T`` steps, ``B`` batch, ``D`` input size, ``H`` hidden size, ``V``
vocabulary size; an output's expected shape is written with these letters, e.g. ``(B, H)``.

A :class:`Task` describes one workbook page: the student's functions (names and order), the
outputs they produce (:class:`Out`), a few random cases in float64, a ``run`` that calls
the functions on one case and fills a dict ``name -> value``, the reference functions (the
package's, with the same signatures) and the :class:`Mistake` s. Each mistake is a complete
implementation in the student's signatures with that one mistake in it (a mutant of the
reference): a student whose outputs equal a mutant's on every random case has made exactly
that mistake, so the diagnosis is exact and testable. A ``recogniser`` looks at the
functions themselves (a global name read where an argument is meant, an input changed in
place) and adds its diagnosis whatever the outputs are.

What is printed never shows a reference value or the formula of an output: only which
output is right or wrong, its relative error rounded to two significant digits, what it
depends on, and the name of a recognised mistake.
"""

from __future__ import annotations

import dis
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from rnnlab import relative_error

__all__ = ["Out", "Mistake", "Task", "Result", "NotDone", "StudentError", "BadReturn",
           "Caller", "evaluate", "check", "reads_global", "TOL", "NOT_DONE"]

#: largest relative error ||a - r|| / (||a|| + ||r||) that counts as equal to the reference;
#: two float64 implementations of the same formula differ by rounding, near 1e-15
TOL = 1e-8
NOT_DONE = "not implemented yet — fill in the function above"


class Out(NamedTuple):
    """One output: ``name`` as printed, ``shape`` in legend letters (``()`` for a number),
    ``hint``: what it depends on (printed when it is wrong), ``kind``: ``"float"`` (a float64
    array or number, compared by relative error) or ``"ids"`` (integers, compared exactly)."""

    name: str
    shape: tuple
    hint: str
    kind: str = "float"


class Mistake(NamedTuple):
    """A known mistake: ``key``, the ``message`` printed when it is recognised, and ``fns``,
    the task's functions (in the student's signatures) with that mistake in them. ``only``:
    the names of the outputs the mistake is about, when the others may come out either way
    (empty: all outputs must match)."""

    key: str
    message: str
    fns: tuple
    only: tuple = ()


class Task(NamedTuple):
    """One workbook task (see the module docstring)."""

    title: str
    fn_names: tuple
    outputs: tuple
    cases: Callable          # () -> list of dicts, each with "sizes" (letter -> int)
    run: Callable            # (case, Caller, out: dict) -> None; fills out[name]
    reference: tuple
    mistakes: tuple = ()
    recognisers: tuple = ()  # (fns, cases, Caller factory) -> list of (key, message)
    nonfinite_hint: str = ""


class Result(NamedTuple):
    """What :func:`evaluate` found. ``status``: ``"pass"``, ``"fail"``, ``"pending"`` (some
    outputs checked, a function not yet written), ``"not_implemented"`` or ``"error"`` (the
    student's code raised, or returned the wrong kind of thing). ``wrong``: names of the wrong
    outputs; ``diagnoses``: keys of the recognised mistakes; ``lines``: what is printed."""

    status: str
    lines: list
    wrong: list
    diagnoses: list

    @property
    def passed(self) -> bool:
        return self.status == "pass"


class NotDone(Exception):
    """The student's function ``name`` raised NotImplementedError."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class StudentError(Exception):
    """The student's function ``name`` raised ``exc``."""

    def __init__(self, name: str, exc: BaseException):
        super().__init__(name)
        self.name, self.exc = name, exc


class BadReturn(Exception):
    """A student's function returned something of the wrong kind (``message`` says what)."""


def _copy(x):
    """A deep copy of arrays and of dicts/lists/tuples of arrays (the student may change what
    they are given in place; the next case and the reference must not see it)."""
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, dict):
        return {k: _copy(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return type(x)(_copy(v) for v in x)
    return x


class Caller:
    """Calls function number ``i`` of ``fns`` with copies of its arguments and turns what it
    raises into :class:`NotDone` or :class:`StudentError`."""

    def __init__(self, fns: tuple, names: tuple, copy: bool = True):
        self.fns, self.names, self.copy = fns, names, copy

    def name(self, i: int) -> str:
        return getattr(self.fns[i], "__name__", self.names[i])

    def __call__(self, i: int, *args, **kwargs):
        if self.copy:
            args, kwargs = _copy(args), _copy(kwargs)
        try:
            with np.errstate(all="ignore"):  # a NaN or inf output gets its own clear line
                return self.fns[i](*args, **kwargs)
        except NotImplementedError as exc:
            raise NotDone(self.name(i)) from exc
        except Exception as exc:  # the student's bug: reported in one line, no traceback
            raise StudentError(self.name(i), exc) from exc

    def unpack(self, value, i: int, n: int, what: str) -> tuple:
        """``value`` as a tuple of ``n`` items, or :class:`BadReturn` naming ``what``."""
        if not isinstance(value, tuple) or len(value) != n:
            got = (f"a tuple of {len(value)}" if isinstance(value, tuple)
                   else f"a {type(value).__name__}")
            raise BadReturn(f"{self.name(i)} must return {what}; got {got}")
        return value


def _shape_text(letters: tuple, sizes: dict) -> str:
    if not letters:
        return "a number"
    sym = ", ".join(letters) + ("," if len(letters) == 1 else "")
    num = ", ".join(str(sizes[s]) for s in letters) + ("," if len(letters) == 1 else "")
    return f"shape ({sym}) = ({num})"


def _validate(o: Out, value, sizes: dict, nonfinite_hint: str) -> tuple[object, str | None]:
    """(value as an array, None) or (None, the message that refuses it)."""
    want = tuple(sizes[s] for s in o.shape)
    if value is None:
        return None, f"{o.name} is missing (None was returned)"
    if o.kind == "float" and not o.shape and isinstance(value, (int, float, np.number)) \
            and not isinstance(value, (bool, np.bool_)):
        value = np.float64(value)
    if not isinstance(value, (np.ndarray, np.generic)):
        return None, (f"{o.name} must be a NumPy array with {_shape_text(o.shape, sizes)}; "
                      f"got a {type(value).__name__}")
    a = np.asarray(value)
    if a.shape != want:
        return None, f"{o.name} must have {_shape_text(o.shape, sizes)}; got {a.shape}"
    if o.kind == "ids":
        if not np.issubdtype(a.dtype, np.integer):
            return None, f"{o.name} must hold integer ids; got dtype {a.dtype}"
        return a, None
    if a.dtype != np.float64:
        return None, (f"{o.name} must be float64 (the inputs are float64), "
                      f"{_shape_text(o.shape, sizes)}; got dtype {a.dtype}")
    if not np.isfinite(a).all():
        hint = f" — {nonfinite_hint}" if nonfinite_hint else ""
        return None, (f"{o.name} ({_shape_text(o.shape, sizes)}) contains NaN or inf"
                      f"{hint}")
    return a, None


def _error(o: Out, a, r) -> float:
    """Relative error of a float output; the fraction of ids that differ for ``"ids"``."""
    if o.kind == "ids":
        return float(np.mean(np.asarray(a) != np.asarray(r)))
    return relative_error(a, r)


def _fmt(o: Out, err: float) -> str:
    if o.kind == "ids":
        return f"{err:.0%} differ"
    return f"{err:.2g}"


def _collect(task: Task, case: dict, fns: tuple) -> tuple[dict, str | None]:
    """Run ``fns`` on one case: (outputs by name, name of a function not yet written)."""
    out: dict = {}
    try:
        task.run(case, Caller(fns, task.fn_names), out)
    except NotDone as nd:
        return out, nd.name
    return out, None


def _all_outputs(task: Task, cases: list, fns: tuple) -> list:
    """The outputs of trusted functions (reference or mutant) on every case."""
    return [_collect(task, case, fns)[0] for case in cases]


def reads_global(fn, name: str) -> bool:
    """Whether ``fn`` (or a function defined inside it) reads ``name`` as a global variable:
    a name not among its arguments, so Python takes whatever the notebook holds."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    todo = [code]
    while todo:
        c = todo.pop()
        for ins in dis.get_instructions(c):
            if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME") and ins.argval == name:
                return True
        todo.extend(k for k in c.co_consts if hasattr(k, "co_code"))
    return False


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    msg = text[0] if text else ""
    return msg if len(msg) <= 160 else msg[:157] + "..."


def evaluate(task: Task, fns: tuple) -> Result:
    """Check the student's ``fns`` against ``task`` (see the module docstring)."""
    fns = tuple(fns)
    cases = task.cases()
    found = []  # (key, message) from the recognisers
    for rec in task.recognisers:
        found += rec(fns, cases)
    diag_lines = [f"Diagnosis: {msg}" for _, msg in found]
    keys = [k for k, _ in found]

    student, pending = [], None
    try:
        for case in cases:
            out, pend = _collect(task, case, fns)
            student.append(out)
            pending = pending or pend
    except StudentError as err:
        lines = [f"✗ {err.name} raised {type(err.exc).__name__}: {_one_line(err.exc)}",
                 *diag_lines, "Verdict: ✗ fix the error above, then run this cell again."]
        return Result("error", lines, [], keys)
    except BadReturn as err:
        lines = [f"✗ {err}", *diag_lines, "Verdict: ✗ fix what the function returns."]
        return Result("error", lines, [], keys)

    present = [o for o in task.outputs if all(o.name in s for s in student)]
    if not present:
        return Result("not_implemented", [f"{pending}: {NOT_DONE}"], [], keys)

    sizes = cases[0]["sizes"]
    lines = [f"{task.title}: {len(cases)} random cases in float64 "
             f"({', '.join(f'{k}={v}' for k, v in sizes.items())})"]
    reference = _all_outputs(task, cases, task.reference)
    wrong, errors, valid = [], {}, {}
    for o in present:
        bad, vals = None, []
        for s, case in zip(student, cases, strict=True):
            a, bad = _validate(o, s[o.name], case["sizes"], task.nonfinite_hint)
            if bad:
                break
            vals.append(a)
        if bad:
            lines.append(f"  {o.name} ✗: {bad}")
            wrong.append(o.name)
            continue
        valid[o.name] = vals
        err = max(_error(o, a, r[o.name]) for a, r in zip(vals, reference, strict=True))
        errors[o.name] = err
        if err <= TOL:
            lines.append(f"  {o.name} ✓")
        else:
            lines.append(f"  {o.name} ✗ ({_fmt(o, err)}): {o.hint}")
            wrong.append(o.name)

    if wrong and len(valid) == len(present):  # every output well formed: name the mistake
        for m in task.mistakes:
            try:
                mut = _all_outputs(task, cases, m.fns)
            except (StudentError, BadReturn):  # a mutant that cannot run on these cases
                continue
            about = [o for o in present if not m.only or o.name in m.only]
            differs = any(_error(o, mv[o.name], r[o.name]) > TOL
                          for o in about for mv, r in zip(mut, reference, strict=True))
            same = all(_error(o, a, mv[o.name]) <= TOL for o in about
                       for a, mv in zip(valid[o.name], mut, strict=True))
            if differs and same:
                keys.append(m.key)
                diag_lines.append(f"Diagnosis: {m.message}")
    lines += diag_lines
    n = len(present)
    if pending:
        lines.append(f"{pending}: {NOT_DONE}")
    if wrong:
        if not diag_lines and len(valid) == len(present):
            lines.append("No common mistake matches these outputs exactly: start from the "
                         "first ✗ line above.")
        lines.append(f"Verdict: ✗ {len(wrong)} of {n} outputs wrong.")
        return Result("fail", lines, wrong, keys)
    if found:  # outputs right, but a recogniser found a problem in the code
        lines.append(f"Verdict: ✗ the {n} outputs are right, but see the diagnosis above.")
        return Result("fail", lines, wrong, keys)
    if pending:
        so_far = "the output checked so far agrees" if n == 1 else \
            f"all {n} outputs checked so far agree"
        lines.append(f"Verdict: ✓ {so_far} with the reference.")
        return Result("pending", lines, wrong, keys)
    lines.append(f"Verdict: ✓ all {n} outputs agree with the reference on every case.")
    return Result("pass", lines, wrong, keys)


def check(task: Task, fns: tuple) -> None:
    """Print what :func:`evaluate` finds, one line per result and a verdict."""
    print("\n".join(evaluate(task, fns).lines))

