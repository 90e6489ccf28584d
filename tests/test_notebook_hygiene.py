"""The committed notebooks are what the book shows (the build does not execute them), so
they must be complete, cleanly executed in order, and small; and the toc must match the
files on disk in both directions.

Run by ``make test`` with ``pytest -m hygiene``.
"""

import re
from pathlib import Path

import nbformat
import pytest

from book_toc import ROOT, TOC, page_files, toc_entries, toc_notebooks

pytestmark = pytest.mark.hygiene

MAX_BYTES = 3 * 1024 * 1024  # a notebook over 3 MB is too big to review or to diff
NOTEBOOKS = toc_notebooks()


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def _load(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return nb


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_error_or_stderr_output(path):
    bad = []
    for i, cell in enumerate(_code_cells(_load(path))):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                bad.append(f"code cell {i}: error {out.get('ename')}: {out.get('evalue')}")
            elif out.output_type == "stream" and out.get("name") == "stderr":
                bad.append(f"code cell {i}: stderr {out.get('text', '')[:120]!r}")
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
    """Each `SliderFigure` page prints the median time per frame (compute + draw) of the run
    that produced its committed outputs (an `nbval-ignore-output` cell). Every such figure
    must be there, one per slider, and within the 100 ms budget."""
    cells = _code_cells(_load(path))
    n_sliders = sum(c.source.count("SliderFigure(") for c in cells)
    texts = [out.get("text", "") for c in cells for out in c.get("outputs", [])
             if out.output_type == "stream"]
    times = [int(a or b) for t in texts for a, b in _FRAME_MS.findall(t) if a or b]
    assert len(times) == n_sliders, (
        f"{path.name}: {n_sliders} SliderFigure(s) but {len(times)} printed frame times")
    slow = [ms for ms in times if ms > FRAME_BUDGET_MS]
    assert not slow, f"{path.name}: median frame times {slow} ms exceed {FRAME_BUDGET_MS} ms"
