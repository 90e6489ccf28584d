"""The build step that numbers equations (_ext/eq_numbers.py): NNDL's equations keep NNDL's
number, the book's own are numbered by chapter, and references follow."""

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from docutils import nodes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))

from eq_numbers import (  # noqa: E402
    CONTINUES,
    _check_clashes,
    _first_pages_first,
    _number_equations,
    _numbers_for_labels,
    page_number,
)


@pytest.mark.parametrize("docname, number", [
    ("chapters/05_lstm", "5"), ("chapters/10_char_lm_training", "10"),
    ("chapters/01_activations", "1"), ("chapters/04_gradient_clipping", "4"),
    ("chapters/07_gru_in_practice", "7"),
    ("chapters/ex6_4_lstm_gradients", "6-4"), ("chapters/ex6_1p_gru_vs_lstm", "6-1P"),
    ("chapters/p3_lstm_step", "P3"), ("intro", None), ("notation", None)])
def test_page_numbers(docname, number):
    assert page_number(docname) == number


def _app(docname, env=None):
    env = env or SimpleNamespace(found_docs={"chapters/05_lstm", "chapters/06_lstm_in_practice"})
    env.docname = docname
    equations = getattr(env, "_equations", {})
    env._equations = equations
    env.get_domain = lambda name: SimpleNamespace(equations=equations)
    return SimpleNamespace(env=env)


def _doctree(*equations):
    doc = nodes.section()
    for label, tex in equations:
        doc += nodes.math_block(tex, tex, label=label, number=None)
    return doc


def test_nndl_tags_and_own_numbers_and_the_continued_chapter():
    app = _app("chapters/05_lstm")
    tree = _doctree(("eq-a", r"c_t = f_t c_{t-1} \tag{6.51–6.56}"), ("eq-b", "x"),
                    ("eq-c", "y"))
    _number_equations(app, tree)
    blocks = list(tree.findall(nodes.math_block))
    assert [b["number"] for b in blocks] == ["6.51–6.56", "5.1", "5.2"]
    assert r"\tag" not in blocks[0].astext()  # MathJax must not print the number again
    assert app.env._equations["eq-c"] == ("chapters/05_lstm", "5.2")
    app = _app("chapters/06_lstm_in_practice", app.env)  # numbers on from its first page
    tree = _doctree(("eq-d", "z"))
    _number_equations(app, tree)
    assert next(tree.findall(nodes.math_block))["number"] == "5.3"


def test_a_book_number_equal_to_an_nndl_number_is_reported(monkeypatch):
    env = SimpleNamespace(nndl_equation_numbers={"a": {"6.1"}},
                          own_equation_numbers={"b": {"6.1", "6.2"}})
    warnings = []
    monkeypatch.setattr("eq_numbers.logger", SimpleNamespace(warning=warnings.append))
    _check_clashes(None, env)
    assert len(warnings) == 1 and "(6.1)" in warnings[0]


def test_a_second_page_is_read_after_its_first_page_whatever_its_name(monkeypatch):
    monkeypatch.setattr("eq_numbers.CONTINUES", {"chapters/01_b": "chapters/01_c",
                                                 "chapters/05_x": "chapters/04_y"})
    docnames = ["chapters/01_a", "chapters/01_b", "chapters/01_c", "chapters/04_y",
                "chapters/05_x", "intro"]
    _first_pages_first(None, None, docnames)
    assert docnames == ["chapters/01_a", "chapters/01_c", "chapters/01_b", "chapters/04_y",
                        "chapters/05_x", "intro"]
    docnames = ["chapters/01_b", "intro"]  # incremental build: the first page is not re-read
    _first_pages_first(None, None, docnames)
    assert docnames == ["chapters/01_b", "intro"]


def test_every_second_page_continues_an_existing_first_page():
    root = Path(__file__).resolve().parents[1]
    for second, first in CONTINUES.items():
        assert (root / f"{second}.ipynb").exists() and (root / f"{first}.ipynb").exists()


def test_labels_in_code_and_outputs_read_as_numbers(monkeypatch):
    """``(eq-label)`` in a code cell, a printed output and the Checks table (raw HTML) is
    shown as the equation's number; a label that names no equation is reported."""
    app = _app("chapters/ex6_4_lstm_gradients")
    app.env._equations.update({"eq-dh": ("chapters/ex6_4_lstm_gradients", "6-4.2"),
                               "eq-lstm": ("chapters/05_lstm", "6.51–6.56")})
    code = 'checks.error("delta h_t (eq-dh)", err)  # (eq-dh)-(eq-lstm)'
    tree = nodes.section()
    tree += nodes.literal_block(code, code, language="ipython3")
    tree += nodes.literal_block("delta h_t (eq-dh): True", "delta h_t (eq-dh): True")
    tree += nodes.raw("", "<td><code>delta h_t (eq-dh)</code></td>", format="html")
    tree += nodes.paragraph("", "", nodes.Text("untouched (eq-dh)"))
    warnings = []
    monkeypatch.setattr("eq_numbers.logger.warning", lambda msg, **kw: warnings.append(msg))
    _numbers_for_labels(app, tree, "chapters/ex6_4_lstm_gradients")
    shown = [n.astext() for n in tree.children]
    assert shown == ['checks.error("delta h_t (6-4.2)", err)  # (6-4.2)-(6.51–6.56)',
                     "delta h_t (6-4.2): True", "<td><code>delta h_t (6-4.2)</code></td>",
                     "untouched (eq-dh)"]
    assert tree.children[0].rawsource == shown[0]  # what the HTML writer highlights
    assert not warnings
    typo = nodes.literal_block("(eq-nope)", "(eq-nope)")
    _numbers_for_labels(app, typo, "chapters/ex6_4_lstm_gradients")
    assert typo.astext() == "(eq-nope)" and "(eq-nope)" in warnings[0]
