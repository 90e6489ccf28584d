"""The book's bibliography: ``references.bib`` is its one source; the entries of the
references page and the text of every citation are derived from it.

A citation is a Markdown link whose text is the authors and the year, to the entry's label
on the references page (``../references.md`` from a chapter)::

    narrative       [Hochreiter and Schmidhuber (1997)](../references.md#bib-hochreiter1997lstm)
    parenthetical   ([Hochreiter and Schmidhuber, 1997](../references.md#bib-hochreiter1997lstm))

JupyterLab (jupyterlab-myst) shows such a link as written and opens the references page when
it is followed; it cannot resolve a ``{cite}`` role, for it reads no bibliography. In the
book the link is resolved by ``_ext/page_links.py``, which fails the build (``-W``) when the
label is not on the references page.

``references.md`` is hand-written down to the line ``% generated from references.bib``; after
it, ``make references`` (``python _ext/bibliography.py``) writes one paragraph per entry,
labelled ``(bib-<key>)=``, in pybtex's plain style, sorted by author, year and title. As a
Sphinx extension this module warns (an error with ``-W``) when that part of the page is not
what ``references.bib`` gives. ``tests/test_references.py`` checks every citation's text.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pybtex.backends.markdown import Backend as MarkdownBackend
from pybtex.database import Entry, parse_file
from pybtex.plugin import find_plugin
from pybtex.richtext import Text

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "references.bib"
PAGE = ROOT / "references.md"
MARKER = "% generated from references.bib"

#: a citation link as written in a page: its text and the key it cites
CITATION = re.compile(r"\[(?P<text>[^\[\]]+)\]\((?:\.\./)*references\.md#bib-(?P<key>[\w.:-]+)\)")


def label(key: str) -> str:
    """The label of an entry on the references page."""
    return f"bib-{key}"


def load(path: Path = BIB) -> dict[str, Entry]:
    """The entries of a BibTeX file, by key."""
    return dict(parse_file(str(path), bib_format="bibtex").entries)


def _plain(latex: str) -> str:
    return Text.from_latex(latex).render_as("text")


def authors_and_year(entry: Entry) -> tuple[str, str]:
    """``("Hochreiter and Schmidhuber", "1997")``; three authors or more are "X et al."."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    if not people or "year" not in entry.fields:
        raise ValueError(f"bibliography entry {entry.key!r} needs an author and a year")
    names = [_plain(" ".join(p.prelast_names + p.last_names)) for p in people]
    if len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return who, _plain(entry.fields["year"])


def citation_text(entry: Entry, narrative: bool) -> str:
    """A citation link's text: "Elman (1990)" in a sentence, "Elman, 1990" in parentheses."""
    who, year = authors_and_year(entry)
    return f"{who} ({year})" if narrative else f"{who}, {year}"


class _MystBackend(MarkdownBackend):
    """pybtex's Markdown, escaping only what MyST would read as markup (pybtex's own escapes
    every full stop and parenthesis, which makes the page's source hard to read)."""

    def format_str(self, text: str) -> str:
        return re.sub(r"([\\`*_\[\]$<>{}|])", r"\\\1", text)


def entries_markdown(entries: dict[str, Entry]) -> str:
    """Every entry, labelled, in pybtex's plain style, as MyST Markdown paragraphs."""
    style = find_plugin("pybtex.style.formatting", "plain")()
    backend = _MystBackend()
    blocks = []
    for formatted in style.format_entries(entries.values()):
        text = " ".join(formatted.text.render(backend).split())
        blocks.append(f"({label(formatted.key)})=\n{text}\n")
    return "\n".join(blocks)


def page_text(current: str, entries: dict[str, Entry]) -> str:
    """The references page: its hand-written head, up to and including the marker line, then
    the generated entries."""
    head, found, tail = current.partition(MARKER)
    if not found:
        raise ValueError(f"{PAGE.name} has no line {MARKER!r} after which the entries go")
    rest = tail.split("\n", 1)[0]  # the rest of the marker line (an explanation, kept)
    return f"{head}{MARKER}{rest}\n\n{entries_markdown(entries)}"


def _check_page(app) -> None:
    from sphinx.util import logging

    page, bib = Path(app.srcdir) / PAGE.name, Path(app.srcdir) / BIB.name
    if page.is_file() and bib.is_file():
        current = page.read_text(encoding="utf-8")
        if page_text(current, load(bib)) != current:
            logging.getLogger(__name__).warning(
                f"{PAGE.name} is not what {BIB.name} gives: run `make references`",
                location=PAGE.stem)


def setup(app):
    app.connect("builder-inited", _check_page)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


def main() -> None:
    current = PAGE.read_text(encoding="utf-8")
    new = page_text(current, load())
    if new != current:
        PAGE.write_text(new, encoding="utf-8")
        print(f"wrote {PAGE.relative_to(ROOT)}")
    else:
        print(f"{PAGE.relative_to(ROOT)} is up to date")


if __name__ == "__main__":
    sys.exit(main())
