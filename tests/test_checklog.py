"""The page check log: failing checks raise, errors print by order of magnitude, the table
is collapsed HTML and plain text."""

import math

import numpy as np
import pytest

from rnnlab.book import CheckFailed, CheckLog, error_order


@pytest.mark.parametrize("err, shown", [(0.0, "< 1e-10"), (3e-11, "< 1e-10"),
                                        (3.2e-8, "< 1e-07"), (1e-7, "< 1e-06"),
                                        (0.5, "< 1e+00")])
def test_error_order(err, shown):
    assert error_order(err) == shown


def test_error_order_is_never_coarser_than_the_tolerance():
    assert error_order(5e-13, tol=1e-12) == "< 1e-12"
    assert error_order(3e-14, tol=1e-12) == "< 1e-12"
    assert error_order(5e-13, tol=1e-7) == "< 1e-10"
    log = CheckLog()
    log.error("tight", 5e-13, tol=1e-12)
    assert log.table().rows() == [("tight", "relative error", "< 1e-12", "1e-12")]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1e-3])
def test_error_order_refuses_non_errors(bad):
    with pytest.raises(ValueError, match="err must be a finite number"):
        error_order(bad)


def test_error_prints_and_records(capsys):
    log = CheckLog("6-4")
    log.error("delta h_t", 3e-12)
    log.error("dW", 2e-9, tol=1e-8)
    assert capsys.readouterr().out == ("delta h_t: relative error < 1e-07: True\n"
                                       "dW: relative error < 1e-08: True\n")
    assert len(log) == 2 and log.checks[1].tol == 1e-8


@pytest.mark.parametrize("err", [2e-7, math.nan, math.inf])
def test_an_error_at_or_above_tolerance_or_not_finite_fails(err):
    log = CheckLog(tol=1e-7)
    with pytest.raises(CheckFailed, match="delta c_t: relative error"):
        log.error("delta c_t", err)
    assert len(log) == 0


def test_claim_accepts_python_and_numpy_bools(capsys):
    log = CheckLog()
    log.claim("norm falls", True)
    log.claim("all finite", np.all(np.isfinite([1.0, 2.0])))
    assert capsys.readouterr().out == "norm falls: True\nall finite: True\n"
    with pytest.raises(CheckFailed, match="explodes: False"):
        log.claim("explodes", np.float64(1) > 2)
    with pytest.raises(TypeError, match="holds must be a single bool"):
        log.claim("many", np.array([True, True]))
    with pytest.raises(TypeError, match="holds must be a single bool"):
        log.claim("a number", 1)


def test_table_text_and_html():
    log = CheckLog("6-5")
    log.error("delta h_t <a>", 3e-12)
    log.claim("gate path is diag(z_t)", True)
    table = log.table()
    text = repr(table)
    assert text.splitlines()[0] == (
        "Checks of 6-5: 1 formula against a reference and 1 statement about results, "
        "all passed")
    assert text.splitlines()[2].split() == ["delta", "h_t", "<a>", "relative", "error", "<",
                                            "1e-10", "1e-07"]
    assert text.splitlines()[3].split()[-3:] == ["statement", "true", "—"]
    page = table._repr_html_()
    assert page.startswith('<details class="rnnlab-checks"><summary>')
    assert "<code>delta h_t &lt;a&gt;</code>" in page and page.count("<tr>") == 3
    assert "<td>statement</td><td>true</td><td>—</td>" in page


def test_absolute_errors_and_exact_checks(capsys):
    log = CheckLog()
    log.error("sum to 1", 2e-16, tol=1e-15, kind="abs. error")
    assert capsys.readouterr().out == "sum to 1: abs. error < 1e-15: True\n"
    with pytest.raises(ValueError, match="use claim"):
        log.error("count", 0, tol=0)


def test_a_note_sits_above_the_table():
    log = CheckLog()
    log.claim("x", True)
    table = log.table(note="Relative errors <against> differences.")
    assert repr(table).splitlines()[1] == "Relative errors <against> differences."
    assert "</summary><p>Relative errors &lt;against&gt; differences.</p><table" in (
        table._repr_html_())


def test_an_empty_log_has_no_table():
    with pytest.raises(ValueError, match="no checks recorded"):
        CheckLog().table()
