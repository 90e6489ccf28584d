"""References that read the same in the book and in JupyterLab (CONTRIBUTING, "Citations and
references"): jupyterlab-myst resolves a label only within the notebook it is in, and
reads no bibliography, so a notebook refers to anything else -- a bibliography entry, a
figure named in a code cell's metadata, a label on another page -- by a Markdown link whose
text is written out. The book resolves those links (``_ext/page_links.py``; the build fails
on one that does not resolve); these tests check what the build cannot see: that Lab would
resolve every role left in a notebook, that each link leads to a file Lab can open, and that
the references page and every citation's text are what ``references.bib`` gives.

The checks on the committed pages are marked ``hygiene`` (``make hygiene``); the ones on
``_ext/bibliography.py`` itself are unit tests.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from book_toc import ROOT, page_files, toc_entries

sys.path.insert(0, str(ROOT / "_ext"))

from bibliography import (  # noqa: E402
    BIB,
    CITATION,
    MARKER,
    PAGE,
    authors_and_year,
    citation_text,
    label,
    load,
    page_text,
)

PAGES = [f for e in toc_entries() for f in page_files(e)]
NOTEBOOKS = [p for p in PAGES if p.suffix == ".ipynb"]

ROLE = re.compile(r"\{(?P<role>[a-z]+(?::[a-z]+)?)\}`(?P<body>[^`]*)`")
# what a notebook's markdown defines for Lab: a label line, a labelled display equation, a
# directive's :label: option
DEFINED = [re.compile(r"^\(([\w.:-]+)\)=[ \t]*$", re.M),
           re.compile(r"\$\$[ \t]*\(([\w.:-]+)\)"),
           re.compile(r"^:label:[ \t]*([\w.:-]+)[ \t]*$", re.M)]
LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]*)\]\((?P<href>[^)\s]+)\)")


def _markdown(path: Path) -> list[str]:
    """The Markdown of a page: its markdown cells, or the whole .md file."""
    if path.suffix == ".md":
        return [path.read_text(encoding="utf-8")]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]


def _labels(path: Path) -> set[str]:
    return {m.group(1) for text in _markdown(path) for rx in DEFINED for m in rx.finditer(text)}


def _where(path: Path, text: str, pos: int) -> str:
    line = text[:pos].count("\n") + 1
    return f"{path.relative_to(ROOT)}: ...{text[max(0, pos - 40):pos + 40]!r}... (line {line})"


# -- the committed pages (hygiene) ------------------------------------------------------------

@pytest.mark.hygiene
def test_the_references_page_is_what_the_bib_gives():
    """references.md's entries are generated from references.bib (`make references`)."""
    current = PAGE.read_text(encoding="utf-8")
    assert page_text(current, load()) == current, (
        f"{PAGE.name} is not what {BIB.name} gives: run `make references`")


@pytest.mark.hygiene
@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_citations_are_links_with_the_authors_and_year_of_their_entry(path):
    """No {cite} role (Lab shows its key with a warning sign; the book no longer loads
    sphinxcontrib-bibtex). Every citation link names an entry of references.bib, reads as
    its authors and year ("Elman (1990)" or "Elman, 1990"), and leads to the references page
    from where the page is."""
    bib, bad = load(), []
    to_page = Path(os.path.relpath(PAGE, path.parent))
    for text in _markdown(path):
        for m in ROLE.finditer(text):
            if m.group("role").startswith("cite"):
                bad.append(f"a {{{m.group('role')}}} role: {_where(path, text, m.start())}")
        for m in CITATION.finditer(text):
            key, shown = m.group("key"), m.group("text")
            if key not in bib:
                bad.append(f"{key!r} is not in {BIB.name}: {_where(path, text, m.start())}")
                continue
            expected = {citation_text(bib[key], narrative=True),
                        citation_text(bib[key], narrative=False)}
            if shown not in expected:
                bad.append(f"text {shown!r}, expected one of {sorted(expected)}: "
                           f"{_where(path, text, m.start())}")
            href = m.group(0).split("](", 1)[1][:-1]
            if href != f"{to_page.as_posix()}#{label(key)}":
                bad.append(f"link {href!r}, expected {to_page.as_posix()}#{label(key)}: "
                           f"{_where(path, text, m.start())}")
    assert not bad, "\n".join(bad)


@pytest.mark.hygiene
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lab_resolves_every_reference_in_a_notebook(path):
    """Every {ref}, {numref}, {eq} role in a notebook names a label its own markdown cells
    define (Lab knows no other: not a label on another page, not a figure named in a code
    cell's metadata); a link to a label of the page (`#fig-x`) names one it has (a label or a
    figure); a link to another file leads to one that exists, and a link to a label there
    (`page.ipynb#label`) to a label or figure that page has."""
    labels, bad = _labels(path), []
    here = labels | _figures(path)
    for text in _markdown(path):
        for m in ROLE.finditer(text):
            role, body = m.group("role"), m.group("body")
            if role not in ("ref", "numref", "eq"):
                continue
            target = re.sub(r"^.*<([^<>]+)>\s*$", r"\1", body, flags=re.S).strip()
            if target not in labels:
                bad.append(f"{{{role}}}`{body}` names a label Lab cannot see from this "
                           f"notebook: {_where(path, text, m.start())}")
        for m in LINK.finditer(text):
            href = m.group("href")
            if re.match(r"[a-z]+:", href):
                continue  # a URL, doi:, ...
            file, _, anchor = href.partition("#")
            if not file:
                if anchor and anchor not in here:
                    bad.append(f"link to #{anchor}, not defined on this page: "
                               f"{_where(path, text, m.start())}")
                continue
            other = (path.parent / file).resolve()
            if not other.is_file():
                bad.append(f"link to {file}, which does not exist: "
                           f"{_where(path, text, m.start())}")
            elif anchor and other.suffix == ".ipynb" and anchor not in _labels(other) \
                    and anchor not in _figures(other):
                bad.append(f"link to {href}: {other.name} defines no label {anchor!r}: "
                           f"{_where(path, text, m.start())}")
    assert not bad, f"{path.name}:\n" + "\n".join(bad)


def _figures(path: Path) -> set[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return {c["metadata"].get("mystnb", {}).get("figure", {}).get("name")
            for c in cells if c["cell_type"] == "code"} - {None}


# -- _ext/bibliography.py (unit) --------------------------------------------------------------

def _entry(authors: str, year: str = "1997"):
    from pybtex.database import parse_string
    src = f"@article{{k, author = {{{authors}}}, title = {{T}}, year = {{{year}}}}}"
    return parse_string(src, "bibtex").entries["k"]


@pytest.mark.parametrize("authors, who", [
    ("Elman, Jeffrey L.", "Elman"),
    ("Hochreiter, Sepp and Schmidhuber, J{\\\"u}rgen", "Hochreiter and Schmidhuber"),
    ("Bengio, Y. and Simard, P. and Frasconi, P.", "Bengio et al."),
    ("van Merri{\\\"e}nboer, Bart", "van Merriënboer"),
])
def test_authors_and_year(authors, who):
    assert authors_and_year(_entry(authors)) == (who, "1997")
    assert citation_text(_entry(authors), narrative=True) == f"{who} (1997)"
    assert citation_text(_entry(authors), narrative=False) == f"{who}, 1997"


def test_an_entry_without_year_is_refused():
    from pybtex.database import parse_string
    entry = parse_string("@misc{k, author = {A, B}, title = {T}}", "bibtex").entries["k"]
    with pytest.raises(ValueError, match="needs an author and a year"):
        authors_and_year(entry)


def test_the_page_keeps_its_head_and_labels_every_entry():
    entries = load()
    head = "# References\n\nSome words.\n\n" + MARKER + ": do not edit below\n"
    page = page_text(head + "\n(bib-old)=\nstale entry\n", entries)
    assert page.startswith(head + "\n")
    assert "stale entry" not in page
    assert page.count("\n(bib-") == len(entries)
    assert page_text(page, entries) == page
    with pytest.raises(ValueError, match="no line"):
        page_text("# References\n", entries)
