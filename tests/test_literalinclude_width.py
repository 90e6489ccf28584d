"""The package code a page shows with ``{literalinclude}`` fits its code box: a longer line
is cut off behind a horizontal scrollbar, often just where its NNDL equation number is.
ruff allows the package 100 characters; the book's boxes show fewer.

At 1280 px a code box in the page's column shows 77 characters of its 14 px monospace (a
78th already overflows it by 3 px in Chromium with DejaVu Sans Mono). Inside an admonition,
dropdown, exercise or solution the box is 67 px narrower -- the box's border, padding and
margins -- so 8 characters fewer, 69, for each enclosing box. A notebook cell tagged
``hide-input`` shows its code, once opened, in a fold 2 characters narrower still.

For every ``{literalinclude}`` in a page of the toc, this test takes the lines the build
shows -- the ``:pyobject:`` (found with ``ast``, from its first decorator to its last line,
as Sphinx does), then ``:lines:``, then ``:dedent:`` -- and fails on any wider than its box,
naming the page, the object and the line. A method included without ``:dedent:`` keeps its
class's indentation, and that counts too.

Run by ``make test`` with ``pytest -m hygiene``.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
import unicodedata
from pathlib import Path
from typing import NamedTuple

import pytest
from sphinx.util import parselinenos

from book_toc import ROOT, page_files, toc_entries

pytestmark = pytest.mark.hygiene

WIDTH = 77  # characters a code box in the page's column shows at 1280 px
BOX_COST = 8  # characters fewer inside each admonition, dropdown, exercise or solution
FOLD_COST = 2  # characters fewer in the fold of a cell tagged hide-input

# A fence line: backticks or colons, then a directive name in braces and its argument, or
# nothing (a closing fence), or a language (a plain code block).
_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|:{3,})[ \t]*(?:\{(?P<name>[^}]+)\})?(?P<rest>.*)$")
_OPTION = re.compile(r"^[ \t]*:(?P<name>[\w-]+):[ \t]*(?P<value>.*?)[ \t]*$")
# Directives whose body is literal text, not nested markdown.
_LITERAL = {None, "literalinclude", "code", "code-block", "code-cell", "math"}
# Options that do not change which lines are shown or how wide they are.
_NEUTRAL = {"language", "caption", "name", "class", "emphasize-lines", "force", "encoding"}
_HANDLED = {"pyobject", "lines", "dedent"}

PAGES = [f for entry in toc_entries() for f in page_files(entry)]


class Include(NamedTuple):
    path: Path  # the included file
    options: dict[str, str]
    boxes: int  # admonitions, dropdowns, exercises and solutions around it

    @property
    def shown(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.options.get('pyobject', '')}"


def _markdown(page: Path) -> list[str]:
    """The markdown a page is written in: a notebook's markdown cells, or a ``.md`` file."""
    if page.suffix == ".md":
        return [page.read_text(encoding="utf-8")]
    cells = json.loads(page.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if c["cell_type"] == "markdown"]


class _Block(NamedTuple):
    fence: str  # its opening backticks or colons
    name: str | None  # the directive's name, None for a plain code block
    rest: str  # what follows the name: an argument, or a plain block's language
    start: int  # the index of its opening line


def _markdown_lines(page: Path):
    """(lines, i, opened, stack, gated) for every line ``lines[i]`` of the page's markdown:
    ``opened`` the ``_FENCE`` match when the line opens a block (else None), ``stack`` the
    blocks open around it (outermost first), ``gated`` whether it is in a gated solution
    (``solution-start`` ... ``-end``, which spans cells). Fence-like lines inside a literal
    block are its content."""
    gated = False
    for text in _markdown(page):
        lines, stack = text.splitlines(), []
        for i, line in enumerate(lines):
            m = _FENCE.match(line)
            if m and stack and m["fence"][0] == stack[-1].fence[0] and m["name"] is None \
                    and len(m["fence"]) >= len(stack[-1].fence) and not m["rest"].strip():
                stack.pop()  # the closing fence of the innermost block
            elif m and not (stack and stack[-1].name in _LITERAL):
                yield lines, i, m, tuple(stack), gated
                gated = {"solution-start": True, "solution-end": False}.get(m["name"], gated)
                stack.append(_Block(m["fence"], m["name"], m["rest"].strip(), i))
            else:
                yield lines, i, None, tuple(stack), gated


def _boxes(stack, gated: bool) -> int:
    """Admonitions, dropdowns, exercises and solutions around a line."""
    return gated + sum(block.name not in _LITERAL for block in stack)


def literalincludes(page: Path) -> list[Include]:
    """Every ``{literalinclude}`` of a page, with the boxes it sits in: the directives
    open around it in its cell, and a gated solution (``solution-start`` ... ``-end``),
    which spans cells."""
    found = []
    for lines, i, opened, stack, gated in _markdown_lines(page):
        if opened and opened["name"] == "literalinclude":
            options = {}
            for option in lines[i + 1:]:
                if not (o := _OPTION.match(option)):
                    break
                options[o["name"]] = o["value"]
            found.append(Include((page.parent / opened["rest"].strip()).resolve(), options,
                                 _boxes(stack, gated)))
    return found


def code_blocks(page: Path) -> list[tuple[int, str]]:
    """(boxes, line) for every line of a fenced code block written in the page's markdown
    (```` ```python ````, ``{code-block}``, ``{code}``; a directive's options skipped), with
    the boxes around it counted as for ``literalincludes``."""
    found = []
    for lines, i, opened, stack, gated in _markdown_lines(page):
        if opened or not stack:
            continue
        block = stack[-1]
        if not (block.name in {"code-block", "code"} or (block.name is None and block.rest)):
            continue
        in_options = block.name is not None and all(
            _OPTION.match(line) for line in lines[block.start + 1:i + 1])
        if not in_options:
            found.append((_boxes(stack[:-1], gated), lines[i]))
    return found


def _object_lines(source: str, dotted: str) -> tuple[int, int]:
    """First and last line (1-based) of a ``:pyobject:`` such as ``f`` or ``Class.method``,
    its decorators included."""
    body, node = ast.parse(source).body, None
    for name in dotted.split("."):
        node = next((n for n in body if isinstance(
            n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == name), None)
        if node is None:
            raise LookupError(f"no object {dotted!r}")
        body = node.body
    return min([node.lineno] + [d.lineno for d in node.decorator_list]), node.end_lineno


def shown_lines(path: Path, options: dict[str, str]) -> list[tuple[int, str]]:
    """The lines the build shows, each with its line number in ``path``."""
    unknown = set(options) - _HANDLED - _NEUTRAL
    if unknown:
        raise NotImplementedError(f"option(s) {sorted(unknown)} change what is shown; "
                                  "teach this test what they do")
    source = path.read_text(encoding="utf-8")
    numbered = list(enumerate(source.splitlines(), start=1))
    if "pyobject" in options:
        first, last = _object_lines(source, options["pyobject"])
        numbered = numbered[first - 1:last]
    if "lines" in options:  # counted within the object, as Sphinx does
        numbered = [numbered[i] for i in parselinenos(options["lines"], len(numbered))]
    if "dedent" in options:
        texts = [text for _, text in numbered]
        if options["dedent"]:  # `:dedent: 4` cuts 4 columns
            texts = [t[int(options["dedent"]):] for t in texts]
        else:  # a bare `:dedent:` removes the common indentation
            texts = textwrap.dedent("\n".join(texts)).split("\n")
        numbered = [(n, t) for (n, _), t in zip(numbered, texts, strict=True)]
    return numbered


def width(line: str) -> int:
    """Columns a line takes in a monospace font (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in line.expandtabs(8))


def test_the_pages_include_code():
    """The parser finds the includes (else every test below passes vacuously), and some of
    them inside boxes."""
    includes = [inc for p in PAGES for inc in literalincludes(p)]
    assert len(includes) >= 20
    assert any(inc.boxes for inc in includes)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_included_code_fits_its_code_box(page):
    bad = []
    for inc in literalincludes(page):
        fits = WIDTH - BOX_COST * inc.boxes
        bad += [f"{inc.shown} (line {n}, {width(line)} characters; its box shows {fits}): "
                f"{line.strip()}"
                for n, line in shown_lines(inc.path, inc.options) if width(line) > fits]
    assert not bad, (
        f"{page.relative_to(ROOT).as_posix()} shows lines wider than their code box, which "
        f"shows {WIDTH} characters, {BOX_COST} fewer inside each admonition, dropdown, "
        "exercise or solution (break them; give a method `:dedent:`):\n" + "\n".join(bad))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_included_method_is_dedented(page):
    """A method (``:pyobject: Class.method``) is shown without its class's indentation,
    as a function would be."""
    bad = [inc.shown for inc in literalincludes(page)
           if "." in inc.options.get("pyobject", "") and "dedent" not in inc.options]
    assert not bad, (f"{page.relative_to(ROOT).as_posix()}: give these includes "
                     f"`:dedent:`: {bad}")


def test_the_checker_finds_boxes_and_shown_lines(tmp_path):
    """The checker itself: the boxes around an include, and what the build shows with and
    without ``:dedent:``."""
    module = tmp_path / "m.py"
    module.write_text("class C:\n    @staticmethod\n    def f():\n        return 1\n\n\n"
                      "x = 2\n", encoding="utf-8")
    assert shown_lines(module, {"pyobject": "C.f"}) == [
        (2, "    @staticmethod"), (3, "    def f():"), (4, "        return 1")]
    assert shown_lines(module, {"pyobject": "C.f", "dedent": ""}) == [
        (2, "@staticmethod"), (3, "def f():"), (4, "    return 1")]
    assert shown_lines(module, {"pyobject": "C.f", "dedent": "4", "lines": "2-"}) == [
        (3, "def f():"), (4, "    return 1")]
    assert shown_lines(module, {"lines": "7"}) == [(7, "x = 2")]
    assert width("x" * 75 + "梯") == WIDTH

    page = tmp_path / "page.md"
    page.write_text("\n".join([
        "```{literalinclude} m.py", ":pyobject: C.f", ":dedent:", "```",
        "::::{admonition} A box", "```python", "```{literalinclude} not-an-include.py",
        "```", "````{dropdown} and a box in it", "```{literalinclude} m.py", "```",
        "````", "```{literalinclude} m.py", ":lines: 7", "```", "::::",
        "```{solution-start} ex", "```", "```{literalinclude} m.py", "```",
        "```{solution-end}", "```", "```{literalinclude} m.py", "```"]), encoding="utf-8")
    assert [(inc.path.name, inc.options, inc.boxes) for inc in literalincludes(page)] == [
        ("m.py", {"pyobject": "C.f", "dedent": ""}, 0), ("m.py", {}, 2),
        ("m.py", {"lines": "7"}, 1), ("m.py", {}, 1), ("m.py", {}, 0)]


# ---- the notebooks' own code cells ----------------------------------------------------------
# Held to the same widths as the included package code.
_HIDDEN = {"remove-cell", "remove-input"}  # tags of cells whose source the page never shows


def _code_cells_gated(page: Path):
    """(index, cell, source, tags, gated) for every code cell of a notebook page, where
    gated is True inside a gated solution (``solution-start`` ... ``-end``, which spans
    cells)."""
    gated = False
    for i, cell in enumerate(json.loads(page.read_text(encoding="utf-8"))["cells"]):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            for m in filter(None, map(_FENCE.match, source.splitlines())):
                gated = {"solution-start": True, "solution-end": False}.get(m["name"], gated)
        elif cell["cell_type"] == "code":
            yield i, cell, source, set(cell.get("metadata", {}).get("tags", [])), gated


def code_cells(page: Path) -> list[tuple[int, int, str]]:
    """(index, columns, source) of every code cell whose source the page shows, where
    columns is what its code box shows: fewer inside a gated solution and in the fold of a
    ``hide-input`` cell."""
    return [(i, WIDTH - BOX_COST * gated - FOLD_COST * ("hide-input" in tags), source)
            for i, _, source, tags, gated in _code_cells_gated(page) if not _HIDDEN & tags]


NOTEBOOK_PAGES = [p for p in PAGES if p.suffix == ".ipynb"]


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=lambda p: p.name)
def test_code_cells_fit_their_code_box(page):
    bad = [f"cell {i} ({width(line)} characters; its box shows {columns}): {line.strip()}"
           for i, columns, source in code_cells(page) for line in source.splitlines()
           if width(line) > columns]
    assert not bad, (f"{page.relative_to(ROOT).as_posix()} shows code lines wider than their "
                     "box (break them; put a long comment above its statement):\n"
                     + "\n".join(bad))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_code_blocks_in_the_text_fit_their_code_box(page):
    bad = [f"({width(line)} characters; its box shows {WIDTH - BOX_COST * boxes}): "
           f"{line.strip()}"
           for boxes, line in code_blocks(page) if width(line) > WIDTH - BOX_COST * boxes]
    assert not bad, (f"{page.relative_to(ROOT).as_posix()} shows code lines in its text "
                     "wider than their box:\n" + "\n".join(bad))


def test_code_blocks_are_found_with_their_boxes(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("\n".join([
        "```python", "a = 1", "```", "````{dropdown} A box", "```{code-block} python",
        ":caption: c", "", "b = 2", "```", "````", "```{math}", "x", "```",
        "```{solution-start} ex", "```", "```", "c = 3", "```", "```{solution-end}", "```"]),
        encoding="utf-8")
    assert code_blocks(page) == [(0, "a = 1"), (1, ""), (1, "b = 2")]


def printed_tables(page: Path) -> list[tuple[int, int, str]]:
    """(cell index, columns, line) for every row of a table (a line with `` | ``) that a
    shown output of the page prints. A printed table keeps its columns and scrolls sideways
    when it is wider than its box (_ext/printed_output.py); the pages' tables fit, so a
    reader sees every column at once: 77 columns, or 69 in a gated solution."""
    found = []
    for i, cell, _, tags, gated in _code_cells_gated(page):
        if tags & {"remove-cell", "remove-output"}:
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if output.get("output_type") == "stream":
                text = output.get("text", "")
            elif "text/html" not in data:
                text = data.get("text/plain", "")
            else:
                continue
            text = "".join(text) if isinstance(text, list) else text
            found += [(i, WIDTH - BOX_COST * gated, line) for line in text.splitlines()
                      if " | " in line]
    return found


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=lambda p: p.name)
def test_printed_tables_fit_their_box(page):
    bad = [f"cell {i} ({width(line)} characters; its box shows {columns}): {line.strip()}"
           for i, columns, line in printed_tables(page) if width(line) > columns]
    assert not bad, (f"{page.relative_to(ROOT).as_posix()} prints table rows wider than "
                     "their box:\n" + "\n".join(bad))


def test_printed_tables_are_found():
    """Guard against the test above passing vacuously."""
    assert sum(len(printed_tables(p)) for p in NOTEBOOK_PAGES) >= 20


def test_code_cells_knows_hidden_cells_and_solutions(tmp_path):
    """The checker of the notebooks' cells: a hidden cell is skipped, a cell between
    ``solution-start`` and ``solution-end`` (in other cells) sits in one box, and a
    ``hide-input`` cell in a fold."""
    def cell(kind, source, tags=()):
        return {"cell_type": kind, "source": source, "metadata": {"tags": list(tags)}}
    page = tmp_path / "page.ipynb"
    page.write_text(json.dumps({"cells": [
        cell("code", "a = 1"), cell("code", "b = 2", ["remove-input"]),
        cell("markdown", "```{solution-start} ex\n```"), cell("code", ["c = 3\n", "d = 4"]),
        cell("markdown", "```{solution-end}\n```"), cell("code", "e = 5", ["hide-input"])]}),
        encoding="utf-8")
    assert code_cells(page) == [(0, WIDTH, "a = 1"), (3, WIDTH - BOX_COST, "c = 3\nd = 4"),
                                (5, WIDTH - FOLD_COST, "e = 5")]
