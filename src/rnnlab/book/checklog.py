"""The numerical checks of one page: each recorded and printed where it is made, all of them
shown together at the end of the page as a collapsed table.

Every derivation in the book ends with a check the reader can run: a formula against central
differences or against the package (a relative error below a tolerance), or a statement
about a computed result (``True``). A page keeps one :class:`CheckLog`::

    checks = CheckLog("6-4")
    checks.error("delta h_t (eq-ex64-dh)", relative_error(dh, numeric_dh), tol=1e-7)
    checks.claim("the cell path is diag(f_t)", np.allclose(J, np.diag(f)))
    checks.table()          # last cell of the page: the collapsed "Checks" box

A check that fails raises :class:`CheckFailed` at once, with the measured value, so a page
whose formula is wrong cannot be executed (and strict nbval fails on it). Errors are printed
only by their order of magnitude (``< 1e-10`` for anything at rounding level), so the
printed lines read the same on any machine and BLAS.
"""

from __future__ import annotations

import html
import math
from typing import NamedTuple

from ..grad.gradcheck import order_of_magnitude

__all__ = ["CheckFailed", "Check", "error_order", "CheckLog", "CheckTable"]

# Relative errors below this are rounding noise in float64 and print as "< 1e-10".
ROUNDING_LEVEL = 1e-10


class CheckFailed(AssertionError):
    """A recorded check did not hold; the message names it and gives the measured value."""


class Check(NamedTuple):
    """One recorded check: what was checked, the kind of error measured ("relative error",
    "abs. error"; "statement" for a statement checked as true), the error and the tolerance
    it had to stay below (both None for a statement)."""

    what: str
    kind: str
    error: float | None
    tol: float | None


def error_order(err: float, tol: float = 1.0) -> str:
    """A relative error shown by its order of magnitude: the smallest power of ten above it
    (``3.2e-8`` reads ``< 1e-07``), but no finer than the rounding level or the tolerance
    ``tol`` it was checked against, whichever is smaller (``< 1e-10``; ``< 1e-12`` under a
    tolerance of 1e-12), so the result never reads coarser than its tolerance."""
    if not math.isfinite(err) or err < 0:
        raise ValueError(f"err must be a finite number >= 0; got {err!r}")
    floor = min(ROUNDING_LEVEL, tol)
    return f"< {floor:.0e}" if err < floor else order_of_magnitude(err)


class CheckLog:
    """The checks of one page, in the order they were made.

    ``label`` names the page in the table (an exercise number such as ``"6-4"``, or a
    chapter's title); ``tol`` is the default tolerance of :meth:`error`.
    """

    def __init__(self, label: str = "", tol: float = 1e-7):
        if not (isinstance(tol, (int, float)) and 0 < tol < 1):
            raise ValueError(f"tol must be a number in (0, 1); got {tol!r}")
        self.label = str(label)
        self.tol = float(tol)
        self.checks: list[Check] = []

    def error(self, what: str, err: float, tol: float | None = None, *,
              kind: str = "relative error") -> None:
        """Check that an error ``err`` is below ``tol`` (default: the log's), record it and
        print ``what: relative error < tol: True``. NaN and inf fail. ``kind`` names the
        measure, e.g. ``"abs. error"`` for a largest absolute difference."""
        tol = self.tol if tol is None else float(tol)
        if not 0 < tol < 1:
            raise ValueError(f"tol must be in (0, 1); got {tol!r} (use claim() for exact checks)")
        err = float(err)
        if not (math.isfinite(err) and err < tol):
            raise CheckFailed(f"{what}: {kind} {err:.2e} is not below {tol:.0e}")
        self.checks.append(Check(str(what), kind, err, tol))
        print(f"{what}: {kind} < {tol:.0e}: True")

    def claim(self, what: str, holds) -> None:
        """Check a statement about a computed result (``holds`` must be ``True``, a NumPy
        bool included), record it and print ``what: True``."""
        if holds is not True and not (hasattr(holds, "dtype") and holds.shape == ()
                                      and holds.dtype == bool):
            raise TypeError(f"holds must be a single bool; got {type(holds).__name__} "
                            "(use all(...) or np.all(...) for many)")
        if not holds:
            raise CheckFailed(f"{what}: False")
        self.checks.append(Check(str(what), "statement", None, None))
        print(f"{what}: True")

    def __len__(self) -> int:
        return len(self.checks)

    def table(self, note: str = "") -> CheckTable:
        """All checks as a table that shows collapsed (an HTML ``<details>`` box) in the book
        and in Jupyter, and as plain text elsewhere; ``note`` (plain text) says above the
        table how the errors were measured."""
        if not self.checks:
            raise ValueError("no checks recorded: nothing to show")
        return CheckTable(self.label, tuple(self.checks), str(note))


class CheckTable(NamedTuple):
    """The rendered table of a :class:`CheckLog` (see :meth:`CheckLog.table`)."""

    label: str
    checks: tuple
    note: str = ""

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(what was checked, kind, error or "true", tolerance or "—") for each check."""
        return [(c.what, c.kind, "true" if c.error is None else error_order(c.error, c.tol),
                 "—" if c.tol is None else f"{c.tol:.0e}") for c in self.checks]

    def summary(self) -> str:
        n_err = sum(c.error is not None for c in self.checks)  # the rest are statements
        n_claim = len(self.checks) - n_err
        parts = [f"{n_err} formula{'s' * (n_err != 1)} against a reference"] if n_err else []
        if n_claim:
            parts.append(f"{n_claim} statement{'s' * (n_claim != 1)} about results")
        where = f" of {self.label}" if self.label else ""
        return f"Checks{where}: {' and '.join(parts)}, all passed"

    def __repr__(self) -> str:
        head = ("checked", "measure", "result", "tolerance")
        rows = [head, *self.rows()]
        width = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = [self.summary(), *([self.note] if self.note else [])]
        lines += ["  ".join(f"{cell:<{w}}" for cell, w in zip(r, width, strict=True)).rstrip()
                  for r in rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td><code>{html.escape(what)}</code></td>"
            + "".join(f"<td>{html.escape(cell)}</td>" for cell in rest) + "</tr>"
            for what, *rest in self.rows())
        return (
            '<details class="rnnlab-checks">'
            f"<summary>{html.escape(self.summary())} (open to see each)</summary>"
            + (f"<p>{html.escape(self.note)}</p>" if self.note else "") +
            '<table class="table"><thead><tr><th>checked</th><th>measure</th><th>result</th>'
            f"<th>tolerance</th></tr></thead><tbody>{body}</tbody></table></details>")
