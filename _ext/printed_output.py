"""Printed output that reads at any width: the text a cell prints wraps at its box's edge,
as JupyterLab shows it, so the end of a long line -- often its verdict -- never hides behind
a scrollbar; a printed table keeps its columns and scrolls instead.

A cell's printed output (a stream, or a plain-text result) is a table when two or more of
its lines are rows: lines with a column bar `` | ``, or with two or more gaps of two or more
spaces between words (columns aligned with spaces). Its box gets the class ``rnnlab-table``,
and _static/rnnbook.css wraps the others.

A browser may also break a wrapped line after a hyphen inside a word -- ``< 1e-`` / ``12``,
``(6-`` / ``4.2)``. After the build, every such word in a printed output is kept whole in a
``<span class="rnnlab-nobreak">``.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes

GAP = re.compile(r"\S {2,}(?=\S)")  # two or more spaces between words: aligned columns


def is_row(line: str) -> bool:
    return " | " in line or len(GAP.findall(line)) >= 2


def is_table(text: str) -> bool:
    return sum(map(is_row, text.splitlines())) >= 2


def _mark_tables(app, doctree, docname) -> None:
    for node in doctree.findall(nodes.literal_block):
        if "output" in node["classes"] and is_table(node.astext()):
            node["classes"].append("rnnlab-table")


# A printed output's <pre> in the built page; a word with a hyphen between two letters or
# digits (1e-12, (6-4.2), T-k); a page split into tags and the text between them.
OUTPUT_PRE = re.compile(r'(<div class="output [^"]*"><div class="highlight"><pre>)(.*?)(</pre>)',
                        re.S)
HYPHENATED = re.compile(r"[^\s<>&]*\w-\w[^\s<>&]*")
TAGS = re.compile(r"(<[^>]*>)")


def keep_hyphenated_words(html: str) -> str:
    """``html`` with every hyphenated word of a printed output in a no-break span."""
    def pre(m: re.Match) -> str:
        text = "".join(piece if piece.startswith("<") else HYPHENATED.sub(
            lambda w: f'<span class="rnnlab-nobreak">{w.group(0)}</span>', piece)
            for piece in TAGS.split(m.group(2)))
        return m.group(1) + text + m.group(3)
    return OUTPUT_PRE.sub(pre, html)


def _keep_words_in_pages(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        kept = keep_hyphenated_words(text)
        if kept != text:
            page.write_text(kept, encoding="utf-8")


def setup(app):
    app.connect("doctree-resolved", _mark_tables)
    app.connect("build-finished", _keep_words_in_pages)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
