"""Printed output that reads at any width: the text a cell prints wraps at its box's edge,
as JupyterLab shows it, so the end of a long line -- often its verdict -- never hides behind
a scrollbar; a printed table keeps its columns and scrolls instead.

A cell's printed output (a stream, or a plain-text result) is a table when two or more of
its lines are rows: lines with a column bar `` | ``, or with two or more gaps of two or more
spaces between words (columns aligned with spaces). Its box gets the class ``rnnlab-table``,
and _static/rnnbook.css wraps the others.
"""

from __future__ import annotations

import re

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


def setup(app):
    app.connect("doctree-resolved", _mark_tables)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
