"""The built book in a real browser, offline: Debian's Chromium driven by Playwright over
``_build/html`` served on 127.0.0.1, with every non-local request blocked.

Every page in ``_toc.yml`` is opened twice, each time in a fresh context with nothing cached:
at a desktop (1280 px) and at a phone (390 px) width. Each time: no page errors and no console
errors, no attempt to reach the network, every image loaded, every formula typeset by the
locally served MathJax; and, with every dropdown and hidden cell opened, what a reader sees has
no raw Markdown table rows, raw TeX, MyST roles, labels or directive options in the text
(outside code and typeset formulas), no image and no other element running past the column
unless it scrolls, and Chinese text marked ``lang="zh-Hans"``. At the desktop width every
display equation fits its column and no code box or printed output scrolls sideways (a
printed table may); at the phone width an equation that does not fit sits in a horizontal
scroll container. The
desktop visit also weighs the page: at most 3 MB on a first visit (`make browser` prints a
table of every page, search and genindex included).

On the notebook pages: the page shows exactly as many slider players as its notebook's sources
create ``SliderFigure``s (counted from the sources, so a slider whose output was cleared fails
here instead of dropping out); every player sits in a numbered figure that a link on the page
leads to, after a "Try this" prompt; it has more than one frame, its frame is never stretched
and its note for Jupyter front ends is hidden; and dragging it, stepping each of its range
inputs with the keyboard and clicking another button of each choice changes the displayed
frame. A player stays a light card in the dark theme, and an exercise solution dropdown opens.
Icons are drawn from the theme's webfont, without FontAwesome's JavaScript; a search lists the
glossary once.

Run by ``make test`` after the clean build (``pytest -m browser``; ``make browser`` builds
first). The tests fail when ``_build/html`` is missing or older than a page's source: they
would otherwise test a stale book. Without Chromium they skip with a message, except in CI
(``CI=true``), where they fail: there the browser test must run.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote_plus, urlsplit

import pytest
import yaml

from book_toc import ROOT, TOC, page_files, slider_figures, toc_entries, toc_notebooks

pytestmark = pytest.mark.browser

HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "browser"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]

# Console output that is not an error of the book, as (substring, reason) pairs. Empty: the
# two messages stock pages produced are fixed at the source in _config.yml instead
# ("THEBE_JS_URL has already been declared": sphinx_thebe is not loaded; pydata-sphinx-
# theme's "Got invalid theme mode": html_context.default_mode is set).
ALLOWED_CONSOLE_ERRORS: list[tuple[str, str]] = []
ALLOWED_PAGE_ERRORS: list[tuple[str, str]] = []

PAGES = [e for e in toc_entries() if page_files(e)]
NOTEBOOK_PAGES = [p.relative_to(ROOT).with_suffix("").as_posix() for p in toc_notebooks()]
# page -> number of SliderFigure( calls in its notebook's code cells (the sources, not the
# outputs: a cleared slider output must fail the test, not remove the page from it)
SLIDER_PAGES = {p.relative_to(ROOT).with_suffix("").as_posix(): n for p in toc_notebooks()
                if (n := slider_figures(p))}


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} -- in CI (CI=true) the browser test must run, not skip")
    pytest.skip(reason)


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium",
                      "/usr/bin/chromium-browser", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A browser that closes a connection early (a page left before a download ended)
        is not an error of the book: stay quiet about it, report anything else."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def _stale_pages() -> list[str]:
    """Pages whose built HTML is missing or older than their source (or than the toc)."""
    stale = []
    for entry in PAGES:
        html = HTML / f"{entry}.html"
        sources = [*page_files(entry), TOC]
        if not html.is_file() or html.stat().st_mtime < max(f.stat().st_mtime for f in sources):
            stale.append(entry)
    return stale


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").is_file():
        pytest.fail(f"no built book at {HTML}: run `make browser` (which builds it first), "
                    "`make book` or `make test`")
    stale = _stale_pages()
    if stale:
        pytest.fail(f"the built book in {HTML} is missing or older than the sources of "
                    f"{stale}: rebuild it (`make browser` builds first, or `make book`)")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    chromium = _chromium()
    if chromium is None:
        _unavailable("no Chromium found (looked at $CHROMIUM, /usr/bin/chromium, PATH); "
                     "install it with `apt-get install -y chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is pinned in requirements.txt
        _unavailable("the playwright package is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Visit:
    """One page load in a fresh browser context (nothing cached) with everything the page
    reported: console errors, page errors, the non-local requests that were blocked, and the
    bytes received per URL."""

    def __init__(self, browser, base: str, path: str, width: int = 1280):
        self.base, self.path = base, path
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.blocked: list[str] = []
        self.context.route("**/*", self._route)  # routing also turns the HTTP cache off
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.console.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.urls: dict[str, str] = {}  # request id -> URL
        self.received: dict[str, int] = {}  # URL -> bytes received
        self.pending: set[str] = set()
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", lambda e: self.pending.discard(e["requestId"]))
        self.page.goto(f"{base}/{path}.html", wait_until="load")

    def _route(self, route):
        url = urlsplit(route.request.url)
        if f"{url.scheme}://{url.netloc}" == self.base or url.scheme in {"data", "blob"}:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _sent(self, e):
        if e["request"]["url"].startswith(("http:", "https:")):
            self.urls[e["requestId"]] = e["request"]["url"]
            self.pending.add(e["requestId"])

    def _finished(self, e):
        if e["requestId"] in self.urls:
            self.received[self.urls[e["requestId"]]] = int(e["encodedDataLength"])
            self.pending.discard(e["requestId"])

    def typeset(self) -> int:
        """Wait for MathJax (served from _static/mathjax) to typeset the page's formulas;
        return how many formulas the page has."""
        n_math = self.page.locator(".math").count()
        if n_math:
            self.page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                timeout=30_000)
            self.page.evaluate("() => MathJax.startup.promise")
        return n_math

    def settle(self):
        """Wait for the fonts, then until no request has been in flight for half a second
        (at most 20 s)."""
        self.page.evaluate("() => document.fonts.ready.then(() => true)")
        quiet = 0
        for _ in range(200):
            self.page.wait_for_timeout(100)
            quiet = quiet + 1 if not self.pending else 0
            if quiet >= 5:
                break
        assert not self.pending, (f"{self.path}: requests still in flight: "
                                  f"{[self.urls[r] for r in self.pending]}")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, server):
    opened: list[Visit] = []

    def _open(path: str, width: int = 1280) -> Visit:
        v = Visit(browser, server, path, width)
        opened.append(v)
        return v

    yield _open
    for v in opened:
        v.close()


# Open every collapsed sphinx-togglebutton admonition / <details> around an element.
OPEN_ENCLOSING_DROPDOWNS = """el => {
  for (let a = el.parentElement; a; a = a.parentElement) {
    if (a.tagName === "DETAILS" && !a.open) a.open = true;
    if (a.classList.contains("toggle-hidden")) {
      const button = a.querySelector(".toggle-button");
      if (button) button.click();
    }
  }
}"""


def _unexpected(messages: list[str], allowed: list[tuple[str, str]]) -> list[str]:
    return [m for m in messages if not any(sub in m for sub, _reason in allowed)]


def _load_problems(v: Visit) -> list[str]:
    """What went wrong loading the page: a formula MathJax did not typeset or could not
    parse, an image that did not load, a request for the network, a page or console error."""
    page, problems = v.page, []
    n_math = v.typeset()
    typeset = page.locator(".math mjx-container").count()
    if typeset != n_math:
        problems.append(f"MathJax typeset {typeset} of {n_math} formulas")
    if page.locator("mjx-merror").count():
        problems.append("a formula has a TeX error")
    images = page.evaluate(
        "() => Array.from(document.images).map(i => [i.currentSrc.slice(0, 80), i.complete,"
        " i.naturalWidth])")
    broken = [src for src, complete, width in images if not complete or width == 0]
    if broken:
        problems.append(f"images that did not load: {broken}")
    if v.blocked:
        problems.append(f"the page tried to reach the network: {v.blocked}")
    if errors := _unexpected(v.errors, ALLOWED_PAGE_ERRORS):
        problems.append(f"page errors: {errors}")
    if console := _unexpected(v.console, ALLOWED_CONSOLE_ERRORS):
        problems.append(f"console errors: {console}")
    return problems


def test_the_book_has_math_and_a_slider(visit):
    """Guard against the checks passing vacuously: the first page with a slider (in reading
    order) has formulas too, so MathJax and the slider player are exercised."""
    assert SLIDER_PAGES, "no notebook in the toc has a slider figure"
    first = next(p for p in NOTEBOOK_PAGES if p in SLIDER_PAGES)
    page = visit(first).page
    assert page.locator(".math").count() > 0
    shown = page.locator(".rnnlab-slider").count()
    assert shown == SLIDER_PAGES[first], (
        f"{first}: {SLIDER_PAGES[first]} SliderFigure(s) in the sources, {shown} on the page")


# The player's own frame table (rnnlab/viz/widgets.py): number of frames and the grid's shape.
PLAYER_GRID = """root => {
  const data = JSON.parse(root.querySelector("script.rnnlab-slider-data").textContent);
  return [data.frames.length, data.shape];
}"""


# One control per slider, in the sliders' order: a range input for numbers, a group of radio
# buttons for a choice between categories (activation, cell, model).
CONTROLS = "input.rnnlab-slider-input, .rnnlab-slider-choices"


# For every slider player: the number in the caption of the <figure> around it, the figure's
# id, how many links on the page lead to that id, and whether a "Try
# this" admonition comes before the figure and after the previous slider's figure.
SLIDER_FIGURES = """() => {
  const tries = Array.from(document.querySelectorAll(".admonition")).filter(a =>
    a.querySelector(".admonition-title")?.textContent.trim() === "Try this");
  const before = (a, b) => Boolean(a.compareDocumentPosition(b) &
                                   Node.DOCUMENT_POSITION_FOLLOWING);
  let previous = null;
  return Array.from(document.querySelectorAll(".rnnlab-slider")).map(s => {
    const fig = s.closest("figure");
    const number = fig?.querySelector("figcaption .caption-number")?.textContent.trim() || "";
    const refs = fig && fig.id ? document.querySelectorAll(`a[href="#${fig.id}"]`).length
                               : 0;
    const prompt = fig ? tries.some(t => before(t, fig) && (!previous || before(previous, t)))
                       : false;
    previous = fig || s;
    return {number, id: fig?.id || "", refs, prompt};
  });
}"""


@pytest.mark.parametrize("path", list(SLIDER_PAGES))
def test_sliders_are_numbered_figures_that_respond(visit, path):
    """Every slider player sits in a numbered figure ("Fig. 6" in its caption), a link on
    the page leads to it, and a "Try this" admonition comes before it (and after the
    slider before it). Dragging it, stepping each range input with the keyboard and
    clicking another button of each choice changes its frame."""
    page = visit(path).page
    sliders = page.locator(".rnnlab-slider")
    expected = SLIDER_PAGES[path]
    assert sliders.count() == expected, (
        f"{path}: the notebook's sources create {expected} SliderFigure(s) but the page "
        f"shows {sliders.count()} slider player(s)")
    figures = page.evaluate(SLIDER_FIGURES)
    bad = [f"slider {i}: {what}" for i, f in enumerate(figures) for what, wrong in (
        ("not in a figure with a numbered caption", not f["number"].startswith("Fig.")),
        (f"no link on the page leads to figure {f['id']!r}", not f["refs"]),
        ("no 'Try this' admonition before it", not f["prompt"])) if wrong]
    assert not bad, f"{path}:\n" + "\n".join(bad)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        slider.evaluate(OPEN_ENCLOSING_DROPDOWNS)  # a slider may sit in a collapsed solution
        slider.wait_for(state="visible", timeout=5_000)
        slider.scroll_into_view_if_needed()
        img = slider.locator("img.rnnlab-slider-frame")
        controls = slider.locator(CONTROLS)
        n_frames, shape = slider.evaluate(PLAYER_GRID)
        assert n_frames > 1, f"{path}: slider {i} has {n_frames} frame(s)"
        assert controls.count() == len(shape), f"{path}: slider {i}: controls do not match {shape}"
        kinds = controls.evaluate_all(
            "cs => cs.map(c => c.tagName === 'INPUT' ? 'range' : 'choice')")
        assert img.evaluate("i => i.complete && i.naturalWidth > 0")
        assert not slider.locator(".rnnlab-slider-note").is_visible(), (
            f"{path}: slider {i} shows the note for a front end that does not run its script")
        width = img.evaluate("i => i.getBoundingClientRect().width")
        assert width <= int(img.get_attribute("width") or width) + 0.5, (
            f"{path}: slider {i}'s frame is stretched to {width:.0f} px")
        before = img.get_attribute("src"), slider.get_attribute("data-frame")

        # drag the thumb of the first range input with more than one value to its end, by mouse
        ranges = [j for j, (k, n) in enumerate(zip(kinds, shape, strict=True))
                  if k == "range" and n > 1]
        if ranges:
            first = controls.nth(ranges[0])
            value0 = first.input_value()
            box = first.bounding_box()
            y = box["y"] + box["height"] / 2
            target_x = box["x"] + box["width"] - 2
            if first.get_attribute("value") == first.get_attribute("max"):
                target_x = box["x"] + 2  # already at the end: drag to the start instead
            hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.className",
                                [box["x"] + box["width"] / 2, y])
            assert "rnnlab-slider-input" in hit, f"{path}: slider {i} is covered by {hit!r}"
            page.mouse.move(box["x"] + box["width"] / 2, y)
            page.mouse.down()
            page.mouse.move(target_x, y, steps=8)
            page.mouse.up()
            after = img.get_attribute("src"), slider.get_attribute("data-frame")
            assert first.input_value() != value0, f"{path}: dragging did not move slider {i}"
            assert after[0] != before[0], f"{path}: dragging slider {i} did not change the image"
            assert after[1] != before[1]
            assert img.evaluate("i => i.complete && i.naturalWidth > 0"), "new frame did not load"

        # the keyboard works on every range input that has more than one value, and a click on
        # another button of a choice changes the frame
        for j in range(controls.count()):
            if shape[j] < 2:
                continue
            control = controls.nth(j)
            frame1 = slider.get_attribute("data-frame")
            if kinds[j] == "range":
                control.focus()
                value1 = control.input_value()
                page.keyboard.press("ArrowLeft" if value1 != "0" else "ArrowRight")
                assert control.input_value() != value1, f"{path}: slider {i} input {j} stuck"
            else:
                k = control.locator("input").evaluate_all(
                    "rs => rs.findIndex(r => !r.checked)")
                other = control.locator("label").nth(k)
                other.click()
                assert other.locator("input").is_checked(), f"{path}: slider {i} button {j}"
                colours = control.locator("label").evaluate_all(
                    "ls => ls.map(l => getComputedStyle(l).backgroundColor)")
                assert len(set(colours)) == 2, f"{path}: the chosen button is not marked"
            assert slider.get_attribute("data-frame") != frame1, (
                f"{path}: slider {i}: control {j} did not change the frame")
            assert img.evaluate("i => i.complete && i.naturalWidth > 0"), (
                "new frame did not load")
        slider.screenshot(path=str(SHOTS / f"{Path(path).name}-slider-{i}.png"))


def test_sliders_are_light_cards_in_dark_mode(browser, server):
    """In the dark colour theme a slider stays a light card (white background, dark text,
    light form controls), and its frame is not dimmed by the theme's filter for images."""
    path = next(iter(SLIDER_PAGES))
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  color_scheme="dark")
    try:
        page = context.new_page()
        page.add_init_script("localStorage.setItem('mode', 'dark'); localStorage.setItem("
                             "'theme', 'dark')")
        page.goto(f"{server}/{path}.html", wait_until="load")
        assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
        slider = page.locator(".rnnlab-slider").first
        slider.scroll_into_view_if_needed()
        style = slider.evaluate("""s => [getComputedStyle(s).backgroundColor,
            getComputedStyle(s).color, getComputedStyle(s.querySelector('img')).filter]""")
        assert style == ["rgb(255, 255, 255)", "rgb(26, 26, 26)", "none"], style
        SHOTS.mkdir(parents=True, exist_ok=True)
        slider.screenshot(path=str(SHOTS / f"{Path(path).name}-slider-dark.png"))
    finally:
        context.close()


def test_an_exercise_solution_dropdown_opens(visit):
    pages = [p for p in PAGES
             if any("{solution}" in f.read_text(encoding="utf-8") for f in page_files(p))]
    assert pages, "no page has an {exercise}/{solution} pair"
    page = visit(pages[0]).page
    solution = page.locator(".solution.dropdown").first
    solution.scroll_into_view_if_needed()
    body = solution.locator("section").first
    assert not body.is_visible(), "the solution should start hidden"
    solution.locator("button.toggle-button").click()
    body.wait_for(state="visible", timeout=5_000)
    assert body.inner_text().strip(), "the opened solution is empty"


# ---- what the reader sees ------------------------------------------------------------------
WIDTHS = {"desktop": 1280, "phone": 390}

# Open every sphinx-togglebutton admonition (solutions), every <details> (hidden cells,
# dropdowns) on the page.
OPEN_EVERYTHING = """() => {
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  document.querySelectorAll(".toggle-hidden > .toggle-button, .toggle-hidden button.toggle-button")
    .forEach(b => b.click());
}"""

# Rendering defects in the article, as strings. Text is read per block element, outside code,
# scripts and typeset formulas. `fit` says whether display equations must fit their column
# without scrolling (desktop) or may scroll inside a container (phone).
RENDERING_DEFECTS = r"""fit => {
  const article = document.querySelector("article.bd-article");
  if (!article) return ["no article.bd-article on the page"];
  const column = article.getBoundingClientRect();
  const width = article.clientWidth;
  const defects = [];
  const SKIP = "pre, code, kbd, samp, script, style, textarea, mjx-container, .rnnlab-slider";
  const blocks = new Map();
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    if (!parent || parent.closest(SKIP)) continue;
    const block = parent.closest("p, li, td, th, dt, dd, h1, h2, h3, h4, h5, h6, figcaption,"
                                 + " caption, div, section") || parent;
    blocks.set(block, (blocks.get(block) || "") + n.textContent);
  }
  const TEX = "operatorname|frac|partial|mathcal|mathbf|mathrm|odot|sigma|tanh|big|Big|left"
    + "|right|sum|prod|cdot|tag|begin|end|qquad|quad|delta|alpha|gamma|top|text|hat|tilde"
    + "|times|leq|geq|in|to|ldots|dots|sqrt|log|exp|max|min|lambda|theta|infty|nabla";
  const PATTERNS = [
    ["raw Markdown table row", /(^|\n)\s*\|[^\n]*\|\s*(\n|$)|\|\s*:?-{3,}:?\s*\|/],
    ["raw TeX", new RegExp(`\\\\(${TEX})(?![a-zA-Z])|\\$\\$|\\$[^$\\n]{1,200}\\$|[_^]\\{`)],
    ["raw MyST role",
     /\{(eq|doc|ref|numref|cite|cite:[a-z]+|term|math|download|abbr|glue|prf:ref)\}`/],
    ["raw MyST label or directive",
     /(^|\n)\s*\([\w.:-]+\)=\s*(\n|$)|```\{|:::\{|(^|\n)\s*:[a-z-]+:\s/],
  ];
  for (const [block, text] of blocks) {
    for (const [what, pattern] of PATTERNS) {
      const m = text.match(pattern);
      if (m) defects.push(`${what}: "...${text.slice(Math.max(0, m.index - 30), m.index + 60)
                                            .replace(/\s+/g, " ")}..."`);
    }
  }
  // inside an ancestor (up to the article) that scrolls sideways and fits the column
  const scrolls = el => {
    for (let a = el; a && a !== article; a = a.parentElement) {
      const overflow = getComputedStyle(a).overflowX;
      if ((overflow === "auto" || overflow === "scroll") && a.clientWidth <= width + 1) return true;
    }
    return false;
  };
  const label = el => {
    const math = el.closest(".math");
    return (math && (math.id || math.closest("[id]")?.id)) || el.className || el.tagName;
  };
  for (const eq of article.querySelectorAll('mjx-container[display="true"]')) {
    const box = eq.getBoundingClientRect();
    if (box.width === 0) continue;
    const formula = (eq.querySelector("mjx-math") || eq).getBoundingClientRect().width;
    const room = Math.min(eq.clientWidth, width);
    if (fit && formula > room + 1)
      defects.push(`display equation ${Math.round(formula)} px wide in ${Math.round(room)} px`
                   + ` (near #${label(eq)}): break it over lines`);
    else if (formula > room + 1 && !scrolls(eq))
      defects.push(`display equation ${Math.round(formula)} px wide in ${Math.round(room)} px`
                   + ` without a scroll container (near #${label(eq)})`);
  }
  // an equation is named by its number everywhere, code and outputs included (the build
  // turns the labels the notebooks print into numbers: _ext/eq_numbers.py)
  const labels = article.textContent.match(/\(eq-[\w.-]+\)/g);
  if (labels) defects.push(`equation labels shown instead of numbers: ${[...new Set(labels)]
                                                                           .slice(0, 3)}`);
  // at the desktop width no code box and no printed output scrolls sideways (a printed
  // table may: _ext/printed_output.py)
  for (const pre of article.querySelectorAll("div.highlight pre")) {
    if (!fit || !pre.offsetParent || pre.closest(".rnnlab-table")) continue;
    if (pre.scrollWidth > pre.clientWidth + 1) {
      const longest = pre.textContent.split("\n").reduce((a, b) => b.length > a.length ? b : a);
      const what = pre.closest(".cell_output") ? "an output" : "a code box";
      defects.push(`${what} scrolls sideways (${pre.scrollWidth - pre.clientWidth} px): `
                   + `"${longest.trim().slice(0, 60)}"`);
    }
  }
  for (const img of article.querySelectorAll("img")) {
    const r = img.getBoundingClientRect();
    if (r.width > 0 && (r.width > width + 1 || r.right > column.right + 1))
      defects.push(`image ${Math.round(r.width)} px wide in a ${width} px column: `
                   + img.currentSrc.slice(0, 60));
  }
  for (const el of article.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= column.right + 1 || el.closest("mjx-container, img"))
      continue;
    if (scrolls(el.parentElement || el)) continue;
    if (getComputedStyle(el).position === "fixed") continue;
    defects.push(`<${el.tagName.toLowerCase()} class="${el.className}"> runs ${Math.round(
      r.right - column.right)} px past the column`);
  }
  // Chinese text anywhere in the body is marked lang="zh-Hans" (_ext/zh_lang.py)
  const han = /[\u3400-\u4dbf\u4e00-\u9fff]/;
  const all = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = all.nextNode(); n; n = all.nextNode()) {
    const parent = n.parentElement;
    if (!parent || parent.closest("script, style") || !han.test(n.textContent)) continue;
    if (parent.closest("[lang]")?.getAttribute("lang") !== "zh-Hans")
      defects.push(`Chinese text not marked lang="zh-Hans": "${n.textContent.trim()
                                                                .slice(0, 40)}"`);
  }
  return defects;
}"""


def _rendering_defects(v: Visit, fit: bool) -> list[str]:
    """The rendering defects of a loaded, typeset page, with every dropdown and hidden cell
    opened; `fit`: display equations must fit their column (else they may scroll)."""
    v.page.evaluate(OPEN_EVERYTHING)
    v.page.wait_for_timeout(200)  # the toggle buttons animate open
    return v.page.evaluate(RENDERING_DEFECTS, fit)


@pytest.mark.parametrize("path", PAGES)
def test_page_at_desktop_width(visit, path):
    """Every page, on a first visit at 1280 px: it loads offline without errors with every
    formula typeset and every image loaded; it downloads at most 3 MB (its row of the table
    `make browser` prints); and with every dropdown opened it renders as text and formulas,
    every display equation fitting its column."""
    v = visit(path, WIDTHS["desktop"])
    problems = _load_problems(v)
    problems += _weight_problems(v, WEIGHT_PAGES.index(path))
    problems += _rendering_defects(v, fit=True)
    assert not problems, (f"{path} at {WIDTHS['desktop']} px: {len(problems)} problem(s):\n  "
                          + "\n  ".join(problems[:30]))


@pytest.mark.parametrize("path", PAGES)
def test_page_on_a_phone(visit, path):
    """Every page at 390 px: it loads without errors and, with every dropdown opened,
    renders as text and formulas; a display equation wider than the column scrolls."""
    v = visit(path, WIDTHS["phone"])
    problems = _load_problems(v) + _rendering_defects(v, fit=False)
    assert not problems, (f"{path} at {WIDTHS['phone']} px: {len(problems)} problem(s):\n  "
                          + "\n  ".join(problems[:30]))


def test_search_finds_a_chapter(visit):
    """The book's search (served over HTTP, as `make serve` does) finds the LSTM chapter."""
    page = visit("search").page
    page.goto(page.url + "?q=forget+gate", wait_until="load")
    results = page.locator("ul.search li")
    results.first.wait_for(state="visible", timeout=20_000)
    links = results.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert any("05_lstm" in link for link in links), f"search for 'forget gate' found {links}"


# The pages that define glossary terms (a ```{glossary} directive in the source).
GLOSSARY_PAGES = [p for p in PAGES
                  if any("{glossary}" in f.read_text(encoding="utf-8") for f in page_files(p))]
# Queries that name glossary terms. Sphinx lists a page once per index entry a query matches
# (and once for its text), and every name of every glossary term is an index entry: "RNN"
# matches RNN, SRNN and Bi-RNN, "recurrent neural network" three terms, "hidden state" one
# term and the text; "gating" only the text; the Chinese name only its entry.
GLOSSARY_QUERIES = ["RNN", "recurrent neural network", "hidden state", "gating", "梯度消失"]
SEARCH_DONE = """() => {
  const s = document.querySelector("#search-results p.search-summary");
  return s && /Search finished|did not match/.test(s.textContent);
}"""


def test_search_lists_the_glossary_once(visit):
    """A search lists the glossary once, and for a term's name that one result is the
    term itself (_ext/static/glossary_search.js keeps the glossary's best result)."""
    assert GLOSSARY_PAGES == ["glossary"], f"pages with a glossary: {GLOSSARY_PAGES}"
    page = visit("search").page
    # the case this guards: one query matches several of the glossary's index entries
    matching = page.evaluate("""([q, doc]) => Object.entries(Search._index.indexentries)
        .filter(([entry, hits]) => entry.includes(q) && q.length >= entry.length / 2)
        .flatMap(([entry, hits]) => hits.filter(h => Search._index.docnames[h[0]] === doc)
                                        .map(h => entry))""", ["rnn", GLOSSARY_PAGES[0]])
    assert len(matching) > 1, f"'rnn' matches only {matching} in the glossary's index entries"
    for query in GLOSSARY_QUERIES:
        page.goto(f"{page.url.split('?')[0]}?q={quote_plus(query)}", wait_until="load")
        page.wait_for_function(SEARCH_DONE, timeout=20_000)
        links = page.locator("ul.search li > a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))")
        glossary = [h for h in links
                    if h.split("#")[0].split("?")[0] == f"{GLOSSARY_PAGES[0]}.html"]
        assert len(glossary) == 1, f"search for {query!r}: the glossary listed as {glossary}"
        if query != "gating":  # a term's name: the result is that term's entry
            assert "#term-" in glossary[0], f"search for {query!r} leads to {glossary[0]}"
        others = [h for h in links if h not in glossary]
        assert len(others) == len(set(others)), f"search for {query!r}: repeated {links}"


# Every visible FontAwesome icon in the page's chrome (header, sidebars, search field): its
# class, the glyph its ::before draws, its width, and whether the icon font has loaded.
ICONS = """() => Array.from(document.querySelectorAll('i[class*="fa-"]'))
  .filter(i => i.offsetParent && !i.closest("article"))
  .map(i => [i.className, getComputedStyle(i, "::before").content,
             i.getBoundingClientRect().width])"""


@pytest.mark.parametrize("width", list(WIDTHS))
def test_icons_are_drawn_from_the_webfont(browser, server, width):
    """With FontAwesome's JavaScript gone (_ext/page_weight.py), every icon is an <i> drawn
    from the theme's webfont: each shows a glyph, and the search field's magnifying glass sits
    before the text typed, not over it (_static/rnnbook.css)."""
    context = browser.new_context(viewport={"width": WIDTHS[width], "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{server}/{NOTEBOOK_PAGES[0]}.html", wait_until="load")
        page.evaluate("() => document.fonts.ready.then(() => true)")
        icons = page.evaluate(ICONS)
        assert len(icons) >= 4, f"{width}: only these icons are shown: {icons}"
        blank = [i for i in icons if i[1] in ("none", "normal", '""') or i[2] < 8]
        assert not blank, f"{width}: icons without a glyph: {blank}"
        assert page.evaluate("() => document.fonts.check('900 16px \"Font Awesome 6 Free\"')")
        assert page.locator("svg.svg-inline--fa").count() == 0, "FontAwesome's JS still runs"
        page.goto(f"{server}/search.html?q=gate", wait_until="load")
        glass = page.locator(".bd-search-container .bd-search i.fa-magnifying-glass").bounding_box()
        text_x = page.locator(".bd-search-container .bd-search input").evaluate(
            "i => i.getBoundingClientRect().left + parseFloat(getComputedStyle(i).paddingLeft)")
        assert glass["x"] + glass["width"] <= text_x + 1, (
            f"{width}: the search icon (x {glass['x']:.0f}-{glass['x'] + glass['width']:.0f})"
            f" covers the text, which starts at {text_x:.0f}")
    finally:
        context.close()


# ---- what a first visit downloads ------------------------------------------------------------
# Every page, loaded with an empty cache, makes the browser download at most 3 MB (issue 18:
# 1 MB = 10^6 bytes, bytes as received: the test server sends them uncompressed).
FIRST_VISIT_LIMIT = 3_000_000
WEIGHT_PAGES = [*PAGES, "search", "genindex"]


FIRST_VISIT_ROWS = SHOTS / "first-visit"  # one row per page; `make browser` prints them


def _weight_problems(v: Visit, index: int) -> list[str]:
    """Once the page has settled: write its row of the first-visit table (the file name
    keeps the toc order when the rows are listed, and each test process writes its own
    rows, so the table is whole however the tests are spread) and say if it is over 3 MB."""
    v.settle()
    total = sum(v.received.values())
    url, size = max(v.received.items(), key=lambda kv: kv[1])
    largest = urlsplit(url).path.removeprefix("/")
    FIRST_VISIT_ROWS.mkdir(parents=True, exist_ok=True)
    (FIRST_VISIT_ROWS / f"{index:03d}.txt").write_text(
        f"{v.path:36} {total / 1e6:5.2f} {len(v.received):4d}   {largest} "
        f"({size / 1e6:.2f} MB)\n", encoding="utf-8")
    if total <= FIRST_VISIT_LIMIT:
        return []
    return [f"{total / 1e6:.2f} MB on a first visit, over {FIRST_VISIT_LIMIT / 1e6:.0f} MB "
            "(see _ext/page_weight.py for what a page loads)"]


@pytest.mark.parametrize("path", WEIGHT_PAGES[len(PAGES):])
def test_first_visit_downloads_at_most_3_mb(visit, path):
    """The pages outside the toc (the pages in it are weighed by the desktop test)."""
    v = visit(path)
    v.typeset()
    problems = _weight_problems(v, WEIGHT_PAGES.index(path))
    if v.blocked:
        problems.append(f"requests that left the test server: {v.blocked}")
    assert not problems, f"{path}: " + "; ".join(problems)


def test_repository_and_launch_buttons_follow_the_repository_setting(visit):
    """With ``repository.url`` empty in _config.yml the pages show no repository, issue or
    launch button (they would point nowhere); once it is set, every one points at it."""
    url = (yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
           .get("repository", {}).get("url") or "").strip()
    page = visit(NOTEBOOK_PAGES[0]).page
    hrefs = page.evaluate("""() => Array.from(document.querySelectorAll(
        ".article-header-buttons a, .dropdown-launch-buttons a")).map(a => a.href)""")
    launch = [h for h in hrefs if "mybinder.org" in h or "colab.research.google.com" in h]
    repository = [h for h in hrefs if "github.com" in h]
    if not url:
        assert not launch and not repository, f"buttons without a repository: {hrefs}"
    else:
        owner_repo = url.removeprefix("https://github.com/").rstrip("/")
        assert launch and repository, f"repository {url} is set but the buttons are {hrefs}"
        assert all(owner_repo in h for h in launch + repository), hrefs
