"""Equation numbers that do not fight NNDL's: NNDL's own equations show NNDL's number, the
book's equations are numbered page by page.

* A labelled display equation whose TeX contains ``\\tag{6.39}`` is NNDL's equation (6.39):
  it is shown, and referenced by ``{eq}``, as (6.39). The tag may name a range for a block
  of NNDL equations, ``\\tag{6.51–6.56}``. The ``\\tag`` itself is removed from the TeX, so
  MathJax does not print the number a second time.
* Every other labelled display equation is the book's own and gets ``(chapter.k)``: the k-th
  such equation of the chapter, after the chapter's number — ``5`` for ``chapters/05_lstm``,
  ``6-4`` for exercise 6-4 (``chapters/ex6_4_...``), ``P3`` for practice page 3. A chapter
  split over two pages (:data:`CONTINUES`) numbers on from its first page, so no book number
  has the form ``6.k`` of NNDL's chapter 6.

The code and the printed checks name equations by label, ``(eq-ex64-dh)``, which is what
the notebook's source can know. In the built page every such label in code, in a cell's
output and in the Checks table reads as the equation's number, ``(6-4.1)``; a label that
names no equation is a warning.

A book number that equals an NNDL number used anywhere in the book would be ambiguous; the
build warns about it (and ``-W`` makes the warning an error). Sphinx's own numbering across
the whole book is switched off with ``math_numfig = False``, set here.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

TAG = re.compile(r"\\tag\{([^{}]+)\}")
PAGE = [
    (re.compile(r"(?:^|/)(\d+)_[^/]*$"), lambda m: str(int(m.group(1)))),
    (re.compile(r"(?:^|/)ex(\d+)_(\d+p?)_[^/]*$"), lambda m: f"{m.group(1)}-{m.group(2).upper()}"),
    (re.compile(r"(?:^|/)p(\d+)_[^/]*$"), lambda m: f"P{m.group(1)}"),
]


#: the second page of a chapter split in two -> its first page
CONTINUES = {"chapters/01_activations": "chapters/01_rnn_basics",
             "chapters/04_gradient_clipping": "chapters/04_vanishing_exploding",
             "chapters/06_lstm_in_practice": "chapters/05_lstm",
             "chapters/07_gru_in_practice": "chapters/07_gru",
             "chapters/10_char_lm_training": "chapters/09_char_lm"}


def page_number(docname: str) -> str | None:
    """The number a page's own equations are prefixed with, or None for other pages."""
    for pattern, number in PAGE:
        m = pattern.search(docname)
        if m:
            return number(m)
    return None


def _first_pages_first(app, env, docnames: list[str]) -> None:
    """Read the first page of a split chapter before its second page: Sphinx reads pages in
    alphabetical order, and a second page's name may sort before its first page's."""
    for second, first in CONTINUES.items():
        if second in docnames and first in docnames \
                and docnames.index(first) > docnames.index(second):
            docnames.remove(second)
            docnames.insert(docnames.index(first) + 1, second)


def _number_equations(app, doctree) -> None:
    docname = app.env.docname
    equations = app.env.get_domain("math").equations  # label -> (docname, number)
    nndl = app.env.__dict__.setdefault("nndl_equation_numbers", {})
    own = app.env.__dict__.setdefault("own_equation_numbers", {})
    nndl[docname], own[docname] = set(), set()
    first = CONTINUES.get(docname)
    if first is not None and first not in own and first in app.env.found_docs:
        logger.warning(f"{docname} continues the equation numbers of {first}, which has not "
                       "been read yet")
    k = len(own.get(first, ())) if first else 0
    for node in doctree.findall(nodes.math_block):
        label = node.get("label")
        if not label:
            continue
        tag = TAG.search(node.astext())
        if tag:
            number = tag.group(1).strip()
            latex = TAG.sub("", node.astext()).rstrip()
            node.children = [nodes.Text(latex)]
            nndl[docname].add(number)
        else:
            prefix = page_number(first or docname)
            if prefix is None:
                logger.warning(f"equation {label!r}: page {docname!r} has no equation number "
                               "prefix (see _ext/eq_numbers.py)", location=node)
                continue
            k += 1
            number = f"{prefix}.{k}"
            own[docname].add(number)
        node["number"] = number
        equations[label] = (docname, number)


def _check_clashes(app, env) -> None:
    nndl = set().union(*getattr(env, "nndl_equation_numbers", {}).values())
    for docname, numbers in getattr(env, "own_equation_numbers", {}).items():
        for number in sorted(numbers & nndl):
            logger.warning(f"{docname}: the book's equation ({number}) has the number of an "
                           "NNDL equation shown in the book; renumber the page")


def _purge(app, env, docname) -> None:
    for key in ("nndl_equation_numbers", "own_equation_numbers"):
        getattr(env, key, {}).pop(docname, None)


LABEL = re.compile(r"\(eq-[\w.-]+\)")


def _numbers_for_labels(app, doctree, docname) -> None:
    """In code, outputs and raw HTML (the Checks table): ``(eq-label)`` -> ``(number)``."""
    equations = app.env.get_domain("math").equations

    def number(m: re.Match) -> str:
        label = m.group(0)[1:-1]
        if label not in equations:
            logger.warning(f"{docname}: {m.group(0)} in code or output names no equation",
                           location=docname)
            return m.group(0)
        return f"({equations[label][1]})"

    for node in list(doctree.findall(lambda n: isinstance(n, (nodes.literal_block,
                                                                nodes.raw)))):
        text = node.astext()
        if not LABEL.search(text):
            continue
        new = LABEL.sub(number, text)
        node.children = [nodes.Text(new)]
        if isinstance(node, nodes.literal_block) and node.rawsource == text:
            node.rawsource = new  # what the HTML writer highlights


def _no_book_wide_numbers(app, config) -> None:
    config.math_numfig = False  # node["number"] (set above) is what the page and {eq} show


def setup(app):
    app.connect("config-inited", _no_book_wide_numbers)
    app.connect("env-before-read-docs", _first_pages_first)
    app.connect("doctree-read", _number_equations)
    app.connect("env-purge-doc", _purge)
    app.connect("env-check-consistency", _check_clashes)
    app.connect("doctree-resolved", _numbers_for_labels)
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True}
