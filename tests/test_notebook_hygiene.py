"""The committed notebooks are what the book shows (the build does not execute them), so
they must be complete, cleanly executed in order, and small; and the toc must match the
files on disk in both directions.

Run by ``make test`` with ``pytest -m hygiene``.
"""

import json
import math
import re
from pathlib import Path

import nbformat
import pytest

from widget_state import stale_models

from book_toc import ROOT, TOC, page_files, slider_figures, toc_entries, toc_notebooks

pytestmark = pytest.mark.hygiene

MAX_BYTES = 3 * 1024 * 1024  # a notebook over 3 MB is too big to review or to diff
NOTEBOOKS = toc_notebooks()


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def _load(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_widget_state_is_only_what_the_outputs_show(path):
    """No saved widget model that no output shows: such state is left over from an earlier
    run (a slider since removed, a progress bar) and only changes the file from run to run.
    `make notebooks` prunes it with tests/widget_state.py."""
    stale = stale_models(json.loads(path.read_text(encoding="utf-8")))
    assert not stale, (f"{path.name}: {len(stale)} saved widget models that no output shows; "
                       f"run `python tests/widget_state.py {path.relative_to(ROOT)}`")


def test_toc_lists_at_least_one_notebook():
    assert NOTEBOOKS, f"{TOC.name} lists no notebook"


def test_every_toc_entry_exists_exactly_once():
    for entry in toc_entries():
        found = page_files(entry)
        assert len(found) == 1, (
            f"{TOC.name} entry {entry!r} must match exactly one of {entry}.ipynb / {entry}.md; "
            f"found {[f.name for f in found]}")


def test_every_notebook_in_chapters_is_in_the_toc():
    listed = {p.resolve() for p in NOTEBOOKS}
    on_disk = sorted(p for p in (ROOT / "chapters").rglob("*.ipynb")
                     if ".ipynb_checkpoints" not in p.parts)
    missing = [p.relative_to(ROOT).as_posix() for p in on_disk if p.resolve() not in listed]
    assert not missing, f"notebooks in chapters/ that {TOC.name} does not list: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_under_3_mb(path):
    size = path.stat().st_size
    assert size <= MAX_BYTES, f"{path.name} is {size / 2**20:.2f} MB (limit 3 MB)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_code(path):
    """Every page in the toc that is a notebook runs code (a prose-only page is a ``.md``);
    without this a notebook with no code cell would pass every check below vacuously."""
    assert _code_cells(_load(path)), f"{path.name} has no non-empty code cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_was_executed_in_order(path):
    """Execution counts must read 1, 2, 3, ... down the notebook: one clean top-to-bottom
    run (`make notebooks`), with no cell skipped (nbval would compare a never-executed
    cell against nothing) and none re-run out of order."""
    counts = [c.execution_count for c in _code_cells(_load(path))]
    never = [i for i, n in enumerate(counts) if n is None]
    assert not never, f"{path.name}: code cells never executed (0-based code-cell index): {never}"
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(counts)}; "
        "re-run it with `make notebooks`")


# The kernelspec JupyterLab writes for the venv's kernel: a notebook that names another one
# is rewritten by Lab's autosave as soon as it is opened, and shows up modified in git.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_metadata_is_what_lab_writes(path):
    """One kernelspec everywhere, and no per-cell execution timings (Lab would not keep
    them), so opening and running a notebook in Lab leaves it unchanged in git."""
    nb = _load(path)
    assert dict(nb.metadata.get("kernelspec", {})) == KERNELSPEC, (
        f"{path.name}: kernelspec {dict(nb.metadata.get('kernelspec', {}))}, expected "
        f"{KERNELSPEC}")
    timed = [i for i, c in enumerate(nb.cells)
             if {"execution", "ExecuteTime"} & set(c.get("metadata", {}))]
    assert not timed, f"{path.name}: cells with execution timing metadata: {timed}"


def _gated_solution_cells(nb) -> list[int]:
    """Indices of the cells between a ``solution-start`` and its ``solution-end``."""
    body, inside = [], False
    for i, cell in enumerate(nb.cells):
        if "{solution-end}" in cell.source:
            inside = False
        elif inside:
            body.append(i)
        elif "{solution-start}" in cell.source:
            inside = True
    return body


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_gated_solutions_start_collapsed_in_lab(path):
    """JupyterLab (with jupyterlab-myst) renders each cell alone, so the cells of a gated
    solution would show. They carry Lab's collapsed-cell metadata (CONTRIBUTING, "Sliders",
    "In JupyterLab"), and a markdown cell's first line -- all a collapsed cell shows -- is the
    MyST comment that says it is the solution."""
    nb = _load(path)
    bad = []
    for i in _gated_solution_cells(nb):
        cell = nb.cells[i]
        lab = cell.metadata.get("jupyter", {})
        if not lab.get("source_hidden"):
            bad.append(f"cell {i}: no jupyter.source_hidden")
        if cell.cell_type == "code" and not (lab.get("outputs_hidden") and
                                             cell.metadata.get("collapsed")):
            bad.append(f"cell {i}: code without jupyter.outputs_hidden and collapsed")
        if cell.cell_type == "markdown" and not cell.source.startswith("% (solution"):
            bad.append(f"cell {i}: first line {cell.source.splitlines()[0][:60]!r}")
    assert not bad, f"{path.name}: a gated solution's cells would show in Lab:\n" + "\n".join(bad)


RAISES = "raises-exception"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_error_or_stderr_output(path):
    """No output goes to stderr, and no cell has an error output -- except a cell tagged
    ``raises-exception`` (CONTRIBUTING, "Cell tags"), which demonstrates an error on purpose
    and therefore *must* have one: a tagged cell that ran cleanly makes the tag a lie."""
    bad = []
    for i, cell in enumerate(_code_cells(_load(path))):
        tagged = RAISES in cell.get("metadata", {}).get("tags", [])
        outputs = cell.get("outputs", [])
        for out in outputs:
            if out.output_type == "error" and not tagged:
                bad.append(f"code cell {i}: error {out.get('ename')}: {out.get('evalue')} "
                           f"(tag the cell {RAISES!r} if the error is meant)")
            elif out.output_type == "stream" and out.get("name") == "stderr":
                bad.append(f"code cell {i}: stderr {out.get('text', '')[:120]!r}")
        if tagged and not any(out.output_type == "error" for out in outputs):
            bad.append(f"code cell {i}: tagged {RAISES!r} but its committed outputs have no "
                       "error")
    assert not bad, f"{path.name}:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_printed_verdict_reads_false(path):
    """Checks print verdicts phrased so that ``True`` is the pass (CONTRIBUTING item 11).
    nbval only compares a re-run with the committed output, so a verdict committed as
    ``False`` would be tested as *staying* false; this test refuses it. A page that shows a
    failing case (a buggy function) prints words such as "FAILS", not ``...: False``."""
    bad = []
    for i, cell in enumerate(_code_cells(_load(path))):
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.output_type == "stream" else \
                out.get("data", {}).get("text/plain", "")
            bad += [f"code cell {i}: {line.strip()[:120]!r}" for line in text.splitlines()
                    if re.search(r":\s*False\b", line)]
    assert not bad, f"{path.name} prints a failing verdict:\n" + "\n".join(bad)


FRAME_BUDGET_MS = 100
_FRAME_MS = re.compile(r"median(?: time per frame \(compute \+ draw\):| (\d+) ms per frame)"
                       r"(?: (\d+) ms)?")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_slider_reports_frames_within_budget(path):
    """Each `SliderFigure` page prints the median time per frame (compute + draw, CPU time)
    of the run that produced its committed outputs (an `nbval-ignore-output` cell). Every
    such figure must be there, one per slider, and within the 100 ms budget.

    These numbers are the author's machine's evidence, read from the committed outputs: this
    test does not re-measure anything, and nbval, which re-executes the cell, does not
    compare its output (it is `nbval-ignore-output`, since timings vary). What CI does
    re-measure is a typical line-plot frame, in ``benchmarks/bench.py``."""
    cells = _code_cells(_load(path))
    n_sliders = slider_figures(path)
    texts = [out.get("text", "") for c in cells for out in c.get("outputs", [])
             if out.output_type == "stream"]
    times = [int(a or b) for t in texts for a, b in _FRAME_MS.findall(t) if a or b]
    assert len(times) == n_sliders, (
        f"{path.name}: {n_sliders} SliderFigure(s) but {len(times)} printed frame times")
    slow = [ms for ms in times if ms > FRAME_BUDGET_MS]
    assert not slow, f"{path.name}: median frame times {slow} ms exceed {FRAME_BUDGET_MS} ms"


# The two views of a SliderFigure display (rnnlab/viz/widgets.py): the kernel-free player the
# book shows, recognised by the root element of widgets._HTML_TEMPLATE, and the ipywidgets
# view JupyterLab shows.
PLAYER_MARKER = '<div class="rnnlab-slider"'
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_PLAYER_DATA = re.compile(
    r'<script type="application/json" class="rnnlab-slider-data">(.*?)</script>', re.S)


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _uneven(labels: list[str]) -> bool:
    """A slider over numbers whose steps differ (its player must say "uneven steps")."""
    if len(labels) < 3 or not all(_is_number(v) for v in labels):
        return False
    values = [float(v) for v in labels]
    steps = [b - a for a, b in zip(values[:-1], values[1:], strict=True)]
    return max(steps) - min(steps) > 1e-6 * max(abs(s) for s in steps)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_slider_is_displayed_with_both_views(path):
    """Every ``SliderFigure(`` in the sources has one display output carrying both views: the
    kernel-free player (``text/html``, more than one frame, as many frames as its grid,
    buttons for each choice between categories, "uneven steps" under each slider whose
    steps differ) and
    the widget view, whose model is in the notebook's saved widget state (`make notebooks`
    stores it). Slider cells are `nbval-ignore-output`, so nbval would not notice a cleared
    output; this test does, and so does the browser test on the built page."""
    nb = _load(path)
    expected = slider_figures(path)
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    shown, bad = 0, []
    for i, cell in enumerate(_code_cells(nb)):
        for out in cell.get("outputs", []):
            data = out.get("data", {}) if out.output_type in {"display_data",
                                                              "execute_result"} else {}
            html = data.get("text/html", "")
            if PLAYER_MARKER not in html:
                continue
            shown += 1
            model = data.get(WIDGET_VIEW, {}).get("model_id")
            if model is None:
                bad.append(f"code cell {i}: a slider player without the widget view")
            elif model not in state:
                bad.append(f"code cell {i}: widget model {model} is not in the saved widget "
                           "state; re-run with `make notebooks`")
            players = _PLAYER_DATA.findall(html)
            if len(players) != 1:
                bad.append(f"code cell {i}: {len(players)} player data blocks, expected 1")
                continue
            player = json.loads(players[0])
            n_frames = len(player["frames"])
            if n_frames < 2 or n_frames != math.prod(player["shape"]):
                bad.append(f"code cell {i}: {n_frames} frames for a grid of shape "
                           f"{player['shape']} (a slider needs more than one frame)")
            choices = sum(not all(_is_number(v) for v in values) for values in player["labels"])
            groups = html.count('role="radiogroup"')
            if groups != choices:
                bad.append(f"code cell {i}: {choices} choice(s) between categories but "
                           f"{groups} group(s) of buttons")
            uneven = sum(_uneven(values) for values in player["labels"])
            if html.count("uneven steps:") != uneven:
                bad.append(f"code cell {i}: {uneven} slider(s) with uneven steps but "
                           f"{html.count('uneven steps:')} labelled so")
    assert shown == expected, (
        f"{path.name}: {expected} SliderFigure( call(s) in the sources but {shown} slider "
        "player(s) in the committed outputs; re-run it with `make notebooks`")
    assert not bad, f"{path.name}:\n" + "\n".join(bad)


# ---- sliders are figures that teach --------------------------------------------------------
# Every slider is a numbered figure (myst-nb builds one from the cell's metadata
# ``mystnb.figure``) with a short caption in one style -- what is plotted, then at most two
# sentences on how to read it; everything else belongs in the text -- the text refers to it
# by number, and a "Try this" admonition just before it asks the reader to predict, then
# move. CONTRIBUTING, "Sliders".

MAX_CAPTION_SENTENCES = 3
TRY_THIS_WITHIN = 4  # the admonition sits in one of the cells this close before the slider
FIGURE_NAME = re.compile(r"fig-[a-z0-9]+(?:-[a-z0-9]+)*")
# A "Try this" admonition, fenced with backticks or colons; group 2 is its body.
_TRY_THIS = re.compile(r"^(`{3,}|:{3,})\{admonition\}[ \t]+Try this[ \t]*\n(.*?)^\1[ \t]*$",
                       re.M | re.S)
# Abbreviations whose period does not end a sentence.
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "cf.", "vs.", "et al.", "approx.", "Fig.", "Eq.",
                  "Sec.", "No.")
# A separate caption cell: a markdown cell that opens with "*Figure" or "**Figure" ("**Figure.**
# ...", "*Figure: ...*", "*Figure (slider): ...*").
_CAPTION_CELL = re.compile(r"\*{1,2}Figure\b", re.I)
# A markdown {figure} directive, fenced with backticks or colons; group 2 is its body (options
# and caption).
_FIGURE_DIRECTIVE = re.compile(r"^(`{3,}|:{3,})\{figure\}[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
# Frame times and their budget: maintainer text (the hygiene test above reads them from the
# committed outputs of hidden cells; the reader never sees them).
_FRAME_TIME = re.compile(r"per frame|frame times?\b|budget is \d+\s*ms|\d+\s*ms budget", re.I)


def caption_sentences(text: str) -> int:
    """The number of sentences in a caption. Math (``$...$``), code and roles (`` `...` ``),
    decimals (0.5, §6.5.1) and abbreviations (e.g., Fig.) hold periods that end nothing; a
    sentence ends at ``.``, ``!`` or ``?`` (after any closing quotes or brackets) followed by
    white space or the end, and a last sentence without a period counts too."""
    t = re.sub(r"\$\$.*?\$\$", "M", text, flags=re.S)
    t = re.sub(r"\$[^$]*\$", "M", t)
    t = re.sub(r"`[^`]*`", "C", t)
    for abbreviation in _ABBREVIATIONS:
        t = t.replace(abbreviation, abbreviation.replace(".", ""))
    t = re.sub(r"(?<=\d)\.(?=\d)", "", t).strip()
    if not t:
        return 0
    ends = len(re.findall(r"[.!?]['\")\]*_]*(?=\s|$)", t))
    return ends + (0 if re.search(r"[.!?]['\")\]*_]*$", t) else 1)


@pytest.mark.parametrize("text, n", [
    ("One. Two, e.g. with $x = 0.5$. Three (see Fig. 2).", 3),
    ("Values below $10^{-12}$ are off the chart; NNDL (6.48) and §6.5.1 hold. Read it.", 2),
    ("No period at the end", 1),
    ("`a.b` and $a. b$ are not sentences. But this is! And this? Yes.", 4),
])
def test_caption_sentences_counts_sentences(text, n):
    assert caption_sentences(text) == n


def _shows_a_slider(cell) -> bool:
    return cell.cell_type == "code" and any(
        PLAYER_MARKER in out.get("data", {}).get("text/html", "")
        for out in cell.get("outputs", []) if out.output_type in {"display_data",
                                                                  "execute_result"})


def _figure_links(nb) -> set[str]:
    """Every label a same-page Markdown link ``[text](#label)`` in the notebook's markdown
    leads to (how a page refers to its figures: JupyterLab cannot resolve ``{numref}`` to a
    code cell's figure; see tests/test_references.py)."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return {m.group(1) for m in re.finditer(r"\]\(#([^)\s]+)\)", text)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_slider_is_a_numbered_figure_with_a_prompt(path):
    """Each code cell that shows a slider carries ``mystnb.figure`` metadata (its name and
    caption are checked with every figure's, below); a link ``[...](#name)`` on the page
    leads to it; and a "Try this" admonition that asks the reader to predict sits in one of
    the few cells before it (after the previous slider, so no two sliders share a prompt)."""
    nb = _load(path)
    refs = _figure_links(nb)
    bad, previous = [], -1
    for i, cell in enumerate(nb.cells):
        if not _shows_a_slider(cell):
            continue
        figure = cell.metadata.get("mystnb", {}).get("figure")
        name = (figure or {}).get("name", "")
        where = f"cell {i} (a slider)"
        if figure is None:  # its name and caption are checked with every other figure's
            bad.append(f"{where}: no mystnb.figure metadata (a name and a caption) makes it "
                       "a numbered figure")
        if name and name not in refs:
            bad.append(f"{where}: no link [...](#{name}) on the page leads to it")
        before = [c for c in nb.cells[max(previous + 1, i - TRY_THIS_WITHIN):i]
                  if c.cell_type == "markdown"]
        prompts = [m.group(2) for c in before for m in _TRY_THIS.finditer(c.source)]
        if not prompts:
            bad.append(f"{where}: no ```{{admonition}} Try this``` in the {TRY_THIS_WITHIN} "
                       "cells before it")
        elif not any(re.search(r"\bpredict", body, re.I) for body in prompts):
            bad.append(f"{where}: its 'Try this' does not ask the reader to predict")
        previous = i
    assert not bad, f"{path.name}:\n" + "\n".join(bad)


def _directive_figure(body: str) -> tuple[str, str]:
    """The name and the caption of a ``{figure}`` directive's body: its ``:name:`` option, and
    the text after the options (the first paragraph is the caption, any further ones the
    legend, which myst counts as part of the figure's text too)."""
    options = dict(re.findall(r"^:([\w-]+):[ \t]*(.*)$", body, re.M))
    text = "\n".join(line for line in body.splitlines() if not re.match(r"^:[\w-]+:", line))
    return options.get("name", "").strip(), text.strip()


def figures(nb) -> list[tuple[str, str, str]]:
    """Every figure of a notebook as (where, name, caption): code cells with ``mystnb.figure``
    metadata (static plots and sliders alike) and markdown ``{figure}`` directives."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "figure" in cell.metadata.get("mystnb", {}):
            figure = cell.metadata["mystnb"]["figure"]
            found.append((f"cell {i} (code, mystnb.figure)", figure.get("name", ""),
                          figure.get("caption", "").strip()))
        elif cell.cell_type == "markdown":
            for m in _FIGURE_DIRECTIVE.finditer(cell.source):
                name, caption = _directive_figure(m.group(2))
                found.append((f"cell {i} (markdown {{figure}})", name, caption))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_has_a_name_and_a_short_caption(path):
    """Every figure on a page, static or slider, code-cell metadata or ``{figure}`` directive,
    is a numbered figure with a name (``fig-...``) and a caption of at most three sentences
    (what is plotted, then how to read it); what it shows belongs in the text after it. A code
    cell that draws an image without ``mystnb.figure`` metadata is not checked here (a plot
    may be an unnumbered aside), but its caption cannot hide in a separate cell (below)."""
    bad = []
    for where, name, caption in figures(_load(path)):
        if not FIGURE_NAME.fullmatch(name):
            bad.append(f"{where}: name {name!r} is not a figure name like 'fig-ch1-unrolled'")
        if not caption:
            bad.append(f"{where}: no caption")
        elif (n := caption_sentences(caption)) > MAX_CAPTION_SENTENCES:
            bad.append(f"{where}: the caption has {n} sentences (at most "
                       f"{MAX_CAPTION_SENTENCES}: what is plotted, then how to read it; the "
                       "rest belongs in the text)")
    assert not bad, f"{path.name}:\n" + "\n".join(bad)


@pytest.mark.parametrize("body, name, caption", [
    (":name: fig-a\n:width: 80%\n\nOne. Two.\n", "fig-a", "One. Two."),
    ("\n:name: fig-b\nCaption only\n", "fig-b", "Caption only"),
])
def test_directive_figure_reads_name_and_caption(body, name, caption):
    assert _directive_figure(body) == (name, caption)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_separate_caption_cells(path):
    """A figure's caption is its ``mystnb.figure.caption``, not a markdown cell after it
    that opens with "*Figure" or "**Figure" ("**Figure.** ...", "*Figure: ...*"): such a
    cell is not numbered, and its caption grows without bound."""
    bad = []
    for i, cell in enumerate(_load(path).cells):
        if cell.cell_type != "markdown":
            continue
        text = re.sub(r"\A(?:%[^\n]*\n)+", "", cell.source).lstrip()  # MyST comment lines
        if _CAPTION_CELL.match(text):
            bad.append(f"cell {i}: {text[:60]!r}")
    assert not bad, f"{path.name}: caption cells (move them into the figure's caption and " \
        "the text):\n" + "\n".join(bad)


def _lab_collapsed(cell) -> bool:
    lab = cell.metadata.get("jupyter", {})
    return bool(lab.get("source_hidden") and lab.get("outputs_hidden")
                and cell.metadata.get("collapsed"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_frame_times_stay_out_of_what_the_reader_sees(path):
    """Frame times and their budget are for the maintainers: no markdown cell mentions them,
    and an output that prints one belongs to a cell tagged ``remove-cell`` (not in the book)
    and collapsed in JupyterLab."""
    bad = []
    for i, cell in enumerate(_load(path).cells):
        if cell.cell_type == "markdown":
            if m := _FRAME_TIME.search(cell.source):
                bad.append(f"cell {i} (markdown): {m.group(0)!r}")
            continue
        texts = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                texts.append(out.get("text", ""))
            elif out.output_type in {"display_data", "execute_result"}:
                data = out.get("data", {})
                texts += [data.get("text/plain", ""), data.get("text/markdown", "")]
        hit = next((m.group(0) for t in texts if (m := _FRAME_TIME.search(t))), None)
        if hit is None:
            continue
        if "remove-cell" not in cell.metadata.get("tags", []):
            bad.append(f"cell {i}: prints {hit!r} but is not tagged remove-cell")
        if not _lab_collapsed(cell):
            bad.append(f"cell {i}: prints {hit!r} but is not collapsed in JupyterLab "
                       "(metadata jupyter.source_hidden, jupyter.outputs_hidden, collapsed)")
    assert not bad, f"{path.name}: frame times where the reader sees them:\n" + "\n".join(bad)
