"""JupyterLab itself, as a student uses it: `jupyter lab` on a free local port, one light chapter
opened in Debian's Chromium (Playwright), every request that leaves this machine blocked.

Before any cell runs: the MyST of the markdown cells is rendered (jupyterlab-myst): no raw
label, role or directive text is visible, and the exercise's solution is hidden; the slider
cell shows the book's player and says to run the cell. Then Run All: the slider becomes live
(an ipywidgets view), its image is shown at the figure's size (not stretched) from 1.5x the
pixels, and its labels fit; moving the continuous slider to a value between two precomputed
frames shows a new frame, computed in the kernel. After a kernel restart the view says the
cell must be run again; Run All in the new kernel gives the view the same widget model ids as
the first run (a fresh run's ids do not change), and its slider is live again. Every reference
and citation in the opened pages is resolved (none shows its label with a warning sign).
Saved from Lab, the notebook is unchanged after opening, and after
running its metadata (notebook and cells) is unchanged but for the widget state and the
cells Lab un-collapsed because it ran them (a gated solution's). The server
is stopped at the end.

The chapter is opened from a copy in a temporary folder (Lab's autosave never touches the
committed notebook), with Lab's settings, workspaces and runtime files there too. The test
prints its timings and leaves screenshots in `_build/lab/`. Run by `make test` (`make
labtest`; `pytest -m lab`).
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from test_browser import browser  # noqa: F401  (the same Chromium fixture as the book's test)

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[1]
# Two light pages (Run All takes seconds): one with an exercise, its gated solution, labels,
# roles and citations; one with a slider whose weight scale is continuous in Lab.
SOLUTION_CHAPTER = "01_rnn_basics.ipynb"
CHAPTER = "01_activations.ipynb"
SLIDER_SOURCE = "SliderFigure(draw_saturation"
SHOTS = ROOT / "_build" / "lab"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PLAYER_DATA = re.compile(
    r'<script type="application/json" class="rnnlab-slider-data">(.*?)</script>', re.S)

# What jupyterlab-myst shows for a reference or citation it cannot resolve: the label, with a
# warning sign titled "Cross Reference Not Found" or "Citation Not Found".
NOT_FOUND = '.jp-Notebook .jp-MarkdownCell .myst [title$="Not Found"]'
# Raw MyST in rendered text: a role, a label line, a directive fence or a directive option.
RAW_MYST = {
    "role": re.compile(r"\{(eq|doc|ref|numref|cite|cite:[a-z]+|term|math|download)\}`"),
    "label": re.compile(r"(^|\n)\s*\([\w.:-]+\)=\s*(\n|$)"),
    "directive": re.compile(r"```\{|:::\{"),
    "option": re.compile(r"(^|\n)\s*:(label|class|nonumber|name):"),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _player_frames(notebook: Path) -> tuple[set[str], list[dict]]:
    """The committed slider player's frames (base64) and the notebook's cells."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and SLIDER_SOURCE in "".join(cell["source"]):
            for out in cell.get("outputs", []):
                html = "".join(out.get("data", {}).get("text/html", ""))
                if (m := PLAYER_DATA.search(html)):
                    return set(json.loads(m.group(1))["frames"]), nb["cells"]
    pytest.fail(f"{CHAPTER}: no committed slider player for {SLIDER_SOURCE}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free local port over a copy of the chapter; stopped after."""
    work = tmp_path_factory.mktemp("lab")
    (work / "chapters").mkdir()
    for name in (SOLUTION_CHAPTER, CHAPTER):
        shutil.copy(ROOT / "chapters" / name, work / "chapters" / name)
    for d in ("config", "data", "runtime", "settings", "workspaces"):
        (work / d).mkdir()
    apputils = work / "settings" / "@jupyterlab" / "apputils-extension"
    apputils.mkdir(parents=True)  # no news or update checks (they would go to the network)
    (apputils / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}', encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(work / "config"),
           "JUPYTER_DATA_DIR": str(work / "data"), "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    start = time.perf_counter()
    log = (work / "lab.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited ({proc.returncode}):\n"
                            + (work / "lab.log").read_text()[-3000:])
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("jupyter lab did not answer within 30 s")
        yield {"base": base, "token": token, "work": work,
               "timings": {"server start": time.perf_counter() - start}}
    finally:
        proc.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _menu(page, top: str, item: str):
    page.locator(".lm-MenuBar-itemLabel", has_text=top).click()
    page.locator(".lm-Menu-itemLabel").filter(has_text=item).first.click()


def _save(page):
    """Save the notebook from Lab (File, Save Notebook) and wait until Lab says it is saved."""
    _menu(page, "File", "Save Notebook")
    page.get_by_text("Saving completed").first.wait_for(timeout=15_000)
    page.get_by_text("Saving completed").first.wait_for(state="hidden", timeout=15_000)


def _without_collapse(metadata: dict) -> dict:
    lab = {k: v for k, v in metadata.get("jupyter", {}).items()
           if k not in ("source_hidden", "outputs_hidden")}
    rest = {k: v for k, v in metadata.items() if k not in ("jupyter", "collapsed")}
    return rest | ({"jupyter": lab} if lab else {})


def _json_diff(a, b, where: str = "") -> list[str]:
    """Where two JSON values differ (the first few places)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b)) for d in _json_diff(
            a.get(k), b.get(k), f"{where}/{k}")][:5]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in _json_diff(x, y, f"{where}/{i}")][:5]
    return [] if a == b else [f"{where}: {str(a)[:80]!r} -> {str(b)[:80]!r}"]


def _slider_cell(page):
    index = page.evaluate("""src => Array.from(document.querySelectorAll(
        '.jp-Notebook .jp-Cell')).findIndex(c => c.textContent.includes(src))""", SLIDER_SOURCE)
    assert index >= 0, f"{CHAPTER}: no cell with {SLIDER_SOURCE}"
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def _shot(page, cell_part, name: str, block: str = "start"):
    cell_part.evaluate("(e, block) => e.scrollIntoView({block})", block)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / name))


def _solution_body(cells: list[dict]) -> list[int]:
    """Indices of the cells between a gated solution's `solution-start` and `solution-end`.
    JupyterLab renders each cell alone, so these carry Lab's `source_hidden` (and, for code,
    `outputs_hidden`) to stay collapsed until the student opens them."""
    body, inside = [], False
    for i, cell in enumerate(cells):
        source = "".join(cell["source"])
        if "{solution-end}" in source:
            inside = False
        elif inside:
            body.append(i)
        elif "{solution-start}" in source:
            inside = True
    return body


# The text of every input or output area shown in the cells with these indices (a collapsed
# cell shows a placeholder instead, with its source's first line).
VISIBLE_PARTS = """indices => {
  const cells = document.querySelectorAll('.jp-Notebook .jp-Cell');
  return indices.flatMap(i => Array.from(cells[i].querySelectorAll(
      '.jp-InputArea, .jp-OutputArea-output'))
    .filter(a => a.offsetParent && a.getBoundingClientRect().height > 0)
    .map(a => `cell ${i}: ${a.innerText.slice(0, 60)}`));
}"""


SCROLL_THROUGH = """async () => {
  for (const c of document.querySelectorAll('.jp-Notebook .jp-Cell')) {
    c.scrollIntoView();
    await new Promise(r => setTimeout(r, 30));
  }
}"""


IMAGE_BYTES = """async img => {
  const blob = await (await fetch(img.src)).blob();
  return await new Promise(done => { const r = new FileReader();
    r.onload = () => done(r.result.split(",")[1]); r.readAsDataURL(blob); });
}"""


def _open(page, lab, name: str, cells: list[dict]) -> None:
    """Open chapter ``name`` in Lab, let every markdown cell render, and check that no raw
    MyST label, role or directive text is visible."""
    page.goto(f"{lab['base']}/lab/tree/chapters/{name}?token={lab['token']}&reset")
    page.wait_for_selector(".jp-Notebook .jp-MarkdownCell .myst", timeout=60_000)
    shown_md = sum(c["cell_type"] == "markdown" and not c["metadata"].get(
        "jupyter", {}).get("source_hidden") for c in cells)
    page.evaluate(SCROLL_THROUGH)  # Lab renders a markdown cell when it comes into view
    page.wait_for_function("""n => document.querySelectorAll(
        '.jp-Notebook .jp-MarkdownCell .myst').length >= n""", arg=shown_md, timeout=30_000)
    texts = page.locator(".jp-Notebook .jp-MarkdownCell .myst").evaluate_all(
        "els => els.filter(e => e.offsetParent).map(e => e.innerText)")
    raw = [f"{what}: ...{text[max(0, m.start() - 30):m.end() + 30]!r}..."
           for text in texts for what, pattern in RAW_MYST.items()
           if (m := pattern.search(text))]
    assert not raw, f"raw MyST in Lab ({name}):\n" + "\n".join(raw)
    # jupyterlab-myst resolves references once every cell has rendered; one still
    # unresolved then shows its label with a warning sign (a citation, a figure named in a
    # code cell's metadata, a label on another page: CONTRIBUTING, "Citations and references")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function("s => !document.querySelector(s)", arg=NOT_FOUND,
                               timeout=15_000)
    except PlaywrightTimeout:
        shown = page.locator(NOT_FOUND).evaluate_all(
            "els => els.map(e => `${e.getAttribute('title')}: ${e.textContent}`)")
        pytest.fail(f"unresolved in Lab ({name}): {shown}")


def _run_all(page) -> None:
    """Clear every output, run every cell, and wait until each code cell has run."""
    _menu(page, "Edit", "Clear Outputs of All Cells")
    _menu(page, "Run", "Run All Cells")
    page.wait_for_function("""() => {
        const p = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt'));
        return p.length && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }""",
                           timeout=120_000)


def _type_into_readout(page, box, value: str) -> None:
    """Type a value into the live slider's readout and press Enter, as a student does, until
    the readout shows it (a click can miss while Lab is still laying out the cells)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    readout = box.locator(".widget-readout").first
    shown = f"{float(value):.2f}"
    for _ in range(3):
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
        page.keyboard.press("Enter")
        try:
            page.wait_for_function("([r, s]) => r.textContent.trim() === s",
                                   arg=[readout.element_handle(), shown], timeout=5_000)
            return
        except PlaywrightTimeout:
            continue
    pytest.fail(f"the slider's readout does not take {value}: it shows {readout.inner_text()!r}")


def _view_model_id(notebook: dict) -> str:
    """The model id of the slider cell's widget view in a saved notebook."""
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and SLIDER_SOURCE in "".join(cell["source"]):
            for out in cell.get("outputs", []):
                if (view := out.get("data", {}).get(WIDGET_VIEW)):
                    return view["model_id"]
    pytest.fail(f"{CHAPTER}: the slider cell shows no widget view after Run All")


def _assert_saved_unchanged(page, lab, name: str) -> dict:
    """Save the open notebook and check the file is what was committed; return it."""
    copy = lab["work"] / "chapters" / name
    committed = json.loads(copy.read_text(encoding="utf-8"))
    _save(page)
    saved = json.loads(copy.read_text(encoding="utf-8"))
    assert saved == committed, f"Lab changed {name} on opening and saving it: " + str(
        _json_diff(committed, saved))
    return committed


def test_a_chapter_in_lab(lab, browser, capsys):  # noqa: F811 (the imported fixture)
    timings = lab["timings"]
    frames, cells = _player_frames(ROOT / "chapters" / CHAPTER)
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  device_scale_factor=2)
    blocked: list[str] = []

    def route(r):
        url = urlsplit(r.request.url)
        if f"{url.scheme}://{url.netloc}" == lab["base"] or url.scheme in {"data", "blob"}:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    try:
        # -- the exercise page, before running: MyST rendered, the solution hidden
        t = time.perf_counter()
        sol_cells = json.loads((ROOT / "chapters" / SOLUTION_CHAPTER).read_text("utf-8"))["cells"]
        _open(page, lab, SOLUTION_CHAPTER, sol_cells)
        timings["open the chapter"] = time.perf_counter() - t
        assert page.locator(".myst .myst-exercise, .myst aside, .myst .admonition").count(), (
            "no MyST exercise or admonition rendered: is jupyterlab-myst installed?")
        solution = page.locator(".jp-MarkdownCell").filter(has_text="Start of Solution").first
        _shot(page, solution, "solution-hidden.png")
        body = _solution_body(sol_cells)
        assert body, f"{SOLUTION_CHAPTER}: no cell between solution-start and solution-end"
        shown = page.evaluate(VISIBLE_PARTS, body)
        assert not shown, f"the solution is visible before it is opened: {shown}"
        _assert_saved_unchanged(page, lab, SOLUTION_CHAPTER)

        # -- the slider page: MyST rendered, saved unchanged, the player says to run the cell
        _open(page, lab, CHAPTER, cells)
        copy = lab["work"] / "chapters" / CHAPTER
        committed = _assert_saved_unchanged(page, lab, CHAPTER)

        cell = _slider_cell(page)
        note = cell.locator(".rnnlab-slider-note")
        _shot(page, cell.locator(".jp-OutputArea"), "slider-unrun.png")
        assert note.is_visible(), "the unrun slider does not say to run the cell"

        # -- Run All: the slider becomes live
        t = time.perf_counter()
        _run_all(page)
        timings["Run All"] = time.perf_counter() - t
        errors = page.locator(".jp-OutputArea-output[data-mime-type="
                              "'application/vnd.jupyter.stderr']").all_inner_texts()
        assert not any("Error" in e for e in errors), f"a cell failed: {errors}"
        box = cell.locator(".widget-vbox").first
        box.wait_for(state="visible", timeout=20_000)
        img = box.locator("img.widget-image")
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
        size = img.evaluate("i => [i.naturalWidth, i.naturalHeight, i.clientWidth]")
        assert size[2] == 512 and size[0] == 768, (
            f"live image {size[0]}x{size[1]} px shown {size[2]} px wide: expected 768 px "
            "(1.5x) shown at the figure's 512 px")
        cut = box.locator(".widget-label").evaluate_all(
            "ls => ls.filter(l => l.offsetParent && l.scrollWidth > l.clientWidth + 1)"
            ".map(l => l.textContent)")
        assert not cut, f"labels cut off: {cut}"
        assert not box.locator(".rnnlab-live-note").is_visible(), "a live slider says to run it"
        assert box.locator(".widget-toggle-buttons button").count() == 2, (
            "the activation is not a choice of two buttons")
        _save(page)
        ran = json.loads(copy.read_text(encoding="utf-8"))
        model_id = _view_model_id(ran)
        assert ran["metadata"] == committed["metadata"] | {"widgets": ran["metadata"].get(
            "widgets")}, "Run All changed the notebook's metadata beyond the widget state"
        # Lab opens a collapsed cell when it runs it (the solution's cells, once run, show)
        changed = [i for i, (a, b) in enumerate(zip(committed["cells"], ran["cells"],
                                                    strict=True))
                   if _without_collapse(a["metadata"]) != _without_collapse(b["metadata"])]
        assert not changed, f"Run All changed the metadata of cells {changed}: " + str(
            [(committed["cells"][i]["metadata"], ran["cells"][i]["metadata"]) for i in changed])
        before = img.evaluate(IMAGE_BYTES)
        assert before in frames, "the live view's first frame is not the book's initial frame"
        _shot(page, box, "slider-live-before.png")

        # -- move the continuous slider to 3, between the frames for 2 and 4
        t = time.perf_counter()
        src = img.get_attribute("src")
        _type_into_readout(page, box, "3")
        page.wait_for_function("([i, s]) => i.src !== s && i.complete && i.naturalWidth > 0",
                               arg=[img.element_handle(), src], timeout=20_000)
        timings["slider move to a new frame"] = time.perf_counter() - t
        after = img.evaluate(IMAGE_BYTES)
        assert after != before and after not in frames, "no new frame for weight scale 3"
        assert base64.b64decode(after).startswith(b"\x89PNG")
        _shot(page, box, "slider-live-after.png")

        # -- a kernel restart: the view says to run the cell again
        _menu(page, "Kernel", "Restart Kernel")
        page.locator(".jp-Dialog-button.jp-mod-accept").click()
        box.locator(".rnnlab-live-note").wait_for(state="visible", timeout=20_000)
        _shot(page, box, "slider-after-restart.png")

        # -- Run All in the new kernel: a fresh run gives the widgets the same model ids as
        # the first, which the front end still holds from before the restart; the new view
        # must be live all the same
        t = time.perf_counter()
        _run_all(page)
        box = cell.locator(".widget-vbox").first
        box.wait_for(state="visible", timeout=20_000)
        img = box.locator("img.widget-image")
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
        assert not box.locator(".rnnlab-live-note").is_visible(), (
            "after a restart and Run All the slider still says to run the cell")
        _save(page)
        assert _view_model_id(json.loads(copy.read_text(encoding="utf-8"))) == model_id, (
            "a fresh run gave the slider's view another model id")
        src = img.get_attribute("src")
        _type_into_readout(page, box, "5")
        page.wait_for_function("([i, s]) => i.src !== s && i.complete && i.naturalWidth > 0",
                               arg=[img.element_handle(), src], timeout=20_000)
        timings["restart, Run All, a new frame"] = time.perf_counter() - t
        assert img.evaluate(IMAGE_BYTES) not in frames | {before, after}, (
            "no new frame for weight scale 5 after the restart")
        _shot(page, box, "slider-after-restart-run.png")
        assert not blocked, f"Lab tried to reach the network: {blocked}"
    finally:
        context.close()
    table = "\n".join(f"  {what:28} {s:5.1f} s" for what, s in timings.items())
    (SHOTS / "timings.txt").write_text(table + "\n", encoding="utf-8")
    with capsys.disabled():
        print(f"\n\nJupyterLab test on {SOLUTION_CHAPTER} and {CHAPTER} (screenshots in "
              f"{SHOTS}):\n{table}")
