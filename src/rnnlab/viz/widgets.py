"""Slider figures: a live ipywidgets slider in Jupyter, a working kernel-free slider in the book.

Every chapter that lets the reader move a parameter uses :class:`SliderFigure`. You give it
a pure drawing callback and a short list of values for each slider; it renders one frame per
point of the grid (the product of the lists) and displays as a bundle with two views:

* ``application/vnd.jupyter.widget-view+json`` -- the live view JupyterLab shows once the
  cell has run: a slider per numeric parameter (a continuous one over ``live_range`` where
  the quantity is continuous, else the grid's values), toggle buttons per category, and an
  ``Image`` redrawn in the kernel for the values chosen. Frames are cached by value (the
  grid's for good, the others in a bounded least-recently-used cache), so going back is
  instant. Without a kernel (a saved notebook opened, or the kernel restarted) the view
  says that the cell must be run to make the slider live.
* ``text/html`` -- a self-contained player over the precomputed grid (PNG or SVG frames as
  data URIs, a few lines of inline JavaScript, no external files): a range input per numeric
  parameter, buttons per category. The built book picks this one (``_config.yml`` sets
  myst-nb's ``nb_mime_priority_overrides``); JupyterLab shows it, without its script, for a
  notebook it does not trust, with the same note to run the cell.

Callbacks (no global state is read or written; matplotlib's global ``rcParams`` are never
changed -- ``style`` is applied with a context manager around each frame only):

* ``draw(ax, **values)`` -- draws one frame on a fresh ``Axes`` (or an array of ``Axes``
  when ``subplots=(rows, cols)`` is not ``(1, 1)``); ``values`` holds one value per slider.
* with ``compute=``: ``data = compute(**values)`` then ``draw(ax, data, **values)``, which
  keeps the numerics apart from the plotting and lets a chapter time or test them alone.

The live view's widgets have model ids (the comm ids JupyterLab and the saved widget state
know them by) derived from the figure's specification and from how many figures with that
specification this process (the kernel) has made before, not random ones: a fresh run of a
notebook saves the same ids every time, so re-running it leaves git clean, while a cell run
twice in one kernel gets new ids and never reuses a comm whose model the front end still holds.

The grid must stay small (the frames are stored in the notebook; a notebook must stay under
3 MB): ``max_frames`` (default 120) bounds the product of the list lengths, and frames are
stored as palette PNGs (``compact=True``). Frames are drawn at ``scale`` (1.5) times the
size they are shown at, so they stay sharp on high-density screens.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import io
import itertools
import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from numbers import Integral, Real

import matplotlib.style
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from .._widget_ids import widget_ids, with_ids

__all__ = ["SliderFigure"]

# The player is a light card whatever the page's colour theme (`color-scheme: light` gives
# light form controls too), its content as wide as the frame's CSS size; `dark-light` and the
# frame's own padding and background keep pydata-sphinx-theme from dimming and framing it in
# dark mode. The note is for a Jupyter front end that shows this HTML without running its
# script (an untrusted notebook in JupyterLab); the script hides it.
_HTML_TEMPLATE = """\
<div class="rnnlab-slider" style="box-sizing:content-box;max-width:{width}px;background:#fff;\
color:#1a1a1a;color-scheme:light;border:1px solid #d0d0d0;border-radius:6px;padding:4px 8px 6px">
<img class="rnnlab-slider-frame dark-light" alt="{alt}" src="{src}" width="{width}" \
height="{height}" style="display:block;max-width:100%;height:auto;padding:0;background:#fff;\
border-radius:0">
<p class="rnnlab-slider-note" style="margin:0.2em 0;font-size:0.9em;font-style:italic">\
{note}</p>
<div class="rnnlab-slider-controls" style="display:grid;grid-template-columns:max-content \
minmax(0,1fr) 4.5em;gap:0.2em 0.6em;align-items:center;font-size:0.9em">
{controls}
</div>
<script type="application/json" class="rnnlab-slider-data">{data}</script>
<script>
(function () {{
  var root = document.currentScript.parentElement;
  var data = JSON.parse(root.querySelector("script.rnnlab-slider-data").textContent);
  var img = root.querySelector("img.rnnlab-slider-frame");
  var controls = root.querySelectorAll(".rnnlab-slider-control");
  root.querySelector(".rnnlab-slider-note").hidden = true;
  function index(c) {{
    if (c.tagName === "INPUT") return Number(c.value);
    return Number(c.querySelector("input:checked").value);
  }}
  function show() {{
    var flat = 0;
    for (var i = 0; i < controls.length; i++) {{
      var c = controls[i], j = index(c);
      flat = flat * data.shape[i] + j;
      if (c.tagName === "INPUT") {{
        root.querySelector("output[for='" + c.id + "']").textContent = data.labels[i][j];
      }} else {{
        c.querySelectorAll("label").forEach(function (b) {{
          var on = b.querySelector("input").checked;
          b.style.background = on ? "#1f5f99" : "#fff";
          b.style.color = on ? "#fff" : "#1a1a1a";
        }});
      }}
    }}
    img.src = data.prefix + data.frames[flat];
    root.setAttribute("data-frame", String(flat));
  }}
  root.querySelectorAll("input").forEach(function (el) {{
    el.addEventListener("input", show); el.addEventListener("change", show);
  }});
  show();
}})();
</script>
</div>"""

_RANGE_TEMPLATE = (
    '<label for="{uid}-{i}">{label}</label>'
    '<input type="range" class="rnnlab-slider-control rnnlab-slider-input" id="{uid}-{i}" '
    'data-name="{name}" min="0" max="{max}" step="1" value="{index}" aria-label="{label}">'
    '<output class="rnnlab-slider-value" for="{uid}-{i}">{text}</output>'
)
_UNEVEN_TEMPLATE = (
    '<small class="rnnlab-slider-steps" style="grid-column:2 / 4;margin-top:-0.3em;'
    'opacity:0.8">uneven steps: {steps}</small>'
)
_CHOICE_TEMPLATE = (
    '<span id="{uid}-{i}-label">{label}</span>'
    '<div class="rnnlab-slider-control rnnlab-slider-choices" role="radiogroup" '
    'data-name="{name}" aria-labelledby="{uid}-{i}-label" style="grid-column:2 / 4;'
    'display:flex;flex-wrap:wrap;gap:0.3em">{buttons}</div>'
)
_BUTTON_TEMPLATE = (
    '<label class="rnnlab-slider-choice" style="border:1px solid #1f5f99;border-radius:4px;'
    'padding:0.05em 0.7em;cursor:pointer;background:{bg};color:{fg}">'
    '<input type="radio" name="{uid}-{i}" value="{j}"{checked} style="position:absolute;'
    'opacity:0;width:1px;height:1px;margin:0">{text}</label>'
)

_NOTE = "Run this cell to make the slider live."
# The live view's note. ipywidgets marks a view whose kernel-side model is gone (a notebook
# opened with its saved widget state, or after a kernel restart) `jupyter-widgets-disconnected`;
# only then does this style show the note.
_LIVE_NOTE = (
    "<style>.rnnlab-live-note{display:none}"
    ".jupyter-widgets-disconnected .rnnlab-live-note{display:inline}</style>"
    '<span class="rnnlab-live-note"><i>Run this cell to make the slider live (the kernel '
    "has not run it yet, or was restarted).</i></span>")


# Fixed margins (fractions of the figure) instead of a layout engine: "constrained" layout
# costs ~2-3x the drawing time of a small line plot, and the frames must render in <100 ms.
_MARGINS = {"left": 0.12, "right": 0.97, "bottom": 0.16, "top": 0.9, "wspace": 0.3,
            "hspace": 0.35}


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _check_values(name: str, values) -> list:
    """A slider's values as a list: non-empty, 1-D, distinct finite numbers or strings."""
    example = f"e.g. {name}=[0.5, 0.9, 1.0, 1.1]"
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise ValueError(
            f"slider {name!r} needs a list of values ({example}); got {values!r}")
    values = list(np.asarray(values).tolist()) if isinstance(values, np.ndarray) else list(values)
    if not values:
        raise ValueError(f"slider {name!r} has no values; give at least one ({example})")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (Real, str)):
            raise ValueError(
                f"slider {name!r}: values must be numbers or strings; got {v!r}")
        if isinstance(v, Real) and not math.isfinite(v):
            raise ValueError(f"slider {name!r}: values must be finite; got {v!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"slider {name!r}: values must be distinct; got {values}")
    return values


def _check_range(name: str, spec, values: list) -> tuple:
    """A live range ``(low, high)`` or ``(low, high, "log")`` that holds every grid value."""
    example = f"e.g. live_range={{{name!r}: (0.5, 16)}} or (0.5, 16, 'log')"
    if not isinstance(spec, (tuple, list)) or len(spec) not in (2, 3):
        raise ValueError(f"live range of {name!r} must be (low, high) or (low, high, 'log') "
                         f"({example}); got {spec!r}")
    low, high, *kind = spec
    kind = kind[0] if kind else "linear"
    if kind not in ("linear", "log"):
        raise ValueError(f"live range of {name!r}: the third entry must be 'log'; got {kind!r}")
    if any(isinstance(v, str) for v in values):
        raise ValueError(f"slider {name!r} is a choice between strings; it has no live range")
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(v):
            raise ValueError(f"live range of {name!r}: bounds must be finite numbers; "
                             f"got {spec!r}")
    if not low < high or (kind == "log" and low <= 0):
        raise ValueError(f"live range of {name!r} needs 0 < low < high for 'log', low < high "
                         f"otherwise; got {spec!r}")
    if min(values) < low or max(values) > high:
        raise ValueError(f"live range {spec!r} of {name!r} must contain its values {values}")
    return low, high, kind


def _uneven(values: list) -> bool:
    """Numbers whose steps differ (so the slider's positions are not equally spaced values)."""
    if len(values) < 3 or any(isinstance(v, str) for v in values):
        return False
    steps = np.diff(np.asarray(values, dtype=float))
    return bool(np.ptp(steps) > 1e-9 * np.abs(steps).max())


def _label(value) -> str:
    return format(value, "g") if isinstance(value, float) else str(value)


class SliderFigure:
    """A figure with one slider per parameter, live in Jupyter and precomputed for the book.

    Parameters
    ----------
    draw : callable
        ``draw(ax, **values)``, or ``draw(ax, data, **values)`` when ``compute`` is given.
        It draws on the axes it is handed and returns nothing; it must not call
        ``plt.show()`` or touch global state. ``ax`` is one ``Axes``, or an array of them
        with the shape of ``subplots``.
    sliders : mapping of str to list
        Slider name -> the values it can take, in order, e.g.
        ``{"gamma": [0.8, 0.9, 1.0, 1.1], "T": [10, 20, 40]}``. Names are the keyword
        arguments of ``draw``/``compute``. Values: distinct finite numbers, or strings (a
        choice between categories, shown as buttons). The book's player offers these.
    live_range : mapping of str to tuple, optional
        For a continuous quantity, the range the live slider in a kernel covers:
        ``(low, high)`` (a linear slider; integer bounds give an integer slider) or
        ``(low, high, "log")``; it must contain the slider's values. Without one the live
        slider offers the same values as the book's.
    compute : callable, optional
        ``compute(**values) -> data``; its result is passed to ``draw`` after ``ax``.
    initial : mapping, optional
        Starting value per slider (must be one of its values); default the first value.
    labels : mapping, optional
        Text shown beside each slider, e.g. ``{"gamma": "γ"}``; default the name. Keep them
        short: they share one column.
    subplots : (int, int)
        Rows and columns of axes in each frame.
    sharex, sharey : bool
        Share the x / y axis between the subplots (``Figure.subplots``); a shared axis is
        labelled once, which is also faster to draw.
    figsize : (float, float)
        Figure size in inches; with ``dpi`` it sets the size the frame is shown at, in CSS
        pixels.
    dpi : int
    scale : float
        Pixels drawn per CSS pixel (1.5: sharp on high-density screens; 1 halves the bytes of
        a page with many frames).
    fmt : {"png", "svg"}
        Frame format. PNG frames are palette-quantised when ``compact`` is true.
    compact : bool
        Quantise PNG frames to a 64-colour palette (3-5x smaller, visually the same).
    style : str, dict or list, optional
        A matplotlib style applied *only while drawing a frame* (``matplotlib.style.context``).
    layout : {None, "constrained", "tight"}
        Matplotlib layout engine. ``None`` (default) uses fixed ``margins``, which is 2-3x
        faster to draw; use ``"constrained"`` only when the frames stay under 100 ms.
    margins : mapping, optional
        ``Figure.subplots_adjust`` arguments overriding the defaults (``layout=None`` only).
    max_frames : int
        Upper bound on the grid size (product of the list lengths).
    cache_size : int
        How many frames off the grid (live values) are kept.
    alt : str
        Alternative text for the frame image in the book.

    Raises
    ------
    ValueError
        For a bad slider specification (not a list, empty, repeated or non-finite values,
        a name ``draw``/``compute`` does not accept, an ``initial`` value not in the list, a
        live range that is malformed or misses a value, or a grid larger than
        ``max_frames``).
    """

    def __init__(self, draw: Callable, sliders: Mapping[str, Sequence], *,
                 live_range: Mapping[str, tuple] | None = None,
                 compute: Callable | None = None, initial: Mapping | None = None,
                 labels: Mapping[str, str] | None = None, subplots: tuple[int, int] = (1, 1),
                 sharex: bool = False, sharey: bool = False,
                 figsize: tuple[float, float] = (6.4, 3.4), dpi: int = 80, scale: float = 1.5,
                 fmt: str = "png", compact: bool = True, style=None, layout: str | None = None,
                 margins: Mapping[str, float] | None = None, max_frames: int = 120,
                 cache_size: int = 256, alt: str = "figure controlled by sliders"):
        if not callable(draw):
            raise ValueError(f"draw must be a function draw(ax, **values); got {draw!r}")
        if compute is not None and not callable(compute):
            raise ValueError(f"compute must be a function compute(**values); got {compute!r}")
        if not isinstance(sliders, Mapping) or not sliders:
            raise ValueError(
                "sliders must be a non-empty dict of name -> list of values, "
                f"e.g. {{'gamma': [0.5, 0.9, 1.0]}}; got {sliders!r}")
        for name in sliders:
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"slider names must be Python identifiers; got {name!r}")
        if fmt not in ("png", "svg"):
            raise ValueError(f"fmt must be 'png' or 'svg'; got {fmt!r}")
        if not (isinstance(scale, Real) and 1 <= scale <= 3):
            raise ValueError(f"scale must be a number from 1 to 3; got {scale!r}")
        rows, cols = subplots
        if rows < 1 or cols < 1:
            raise ValueError(f"subplots must be (rows >= 1, cols >= 1); got {subplots}")
        self.names: tuple[str, ...] = tuple(sliders)
        self.values: dict[str, list] = {n: _check_values(n, v) for n, v in sliders.items()}
        self.shape: tuple[int, ...] = tuple(len(v) for v in self.values.values())
        self.n_frames = math.prod(self.shape)
        if self.n_frames > max_frames:
            sizes = " x ".join(str(s) for s in self.shape)
            raise ValueError(
                f"the slider grid has {sizes} = {self.n_frames} frames, more than "
                f"max_frames={max_frames}; give fewer values per slider (each is a list, "
                "so pick the values that teach something) or raise max_frames")
        live_range = dict(live_range or {})
        unknown = set(live_range) - set(self.names)
        if unknown:
            raise ValueError(f"live_range names sliders that do not exist: {sorted(unknown)}")
        self.live_range: dict[str, tuple] = {
            n: _check_range(n, spec, self.values[n]) for n, spec in live_range.items()}
        initial = dict(initial or {})
        unknown = set(initial) - set(self.names)
        if unknown:
            raise ValueError(f"initial names sliders that do not exist: {sorted(unknown)}")
        self.initial: dict = {}
        for n in self.names:
            v = initial.get(n, self.values[n][0])
            if v not in self.values[n]:
                raise ValueError(f"initial value {v!r} of slider {n!r} is not one of its "
                                 f"values {self.values[n]}")
            self.initial[n] = v
        self.labels = {n: str((labels or {}).get(n, n)) for n in self.names}
        self._draw, self._compute = draw, compute
        self._check_signatures()
        self.subplots, self.figsize, self.dpi = (rows, cols), tuple(figsize), int(dpi)
        self.scale = float(scale)
        self.sharex, self.sharey = bool(sharex), bool(sharey)
        self.fmt, self.compact, self.style, self.alt = fmt, bool(compact), style, alt
        self.layout = layout
        self.margins = {**_MARGINS, **(margins or {})}
        self._frames: dict[tuple[int, ...], bytes] = {}
        self._live: OrderedDict[tuple, bytes] = OrderedDict()  # off-grid frames, LRU order
        self.cache_size = int(cache_size)
        # CPU time of the drawing thread per frame rendered (compute + draw): what a frame
        # costs, on a busy machine too, where the wall time also counts other processes'
        # turns (and the process's CPU time the BLAS threads' busy-waiting)
        self.frame_seconds: list[float] = []
        self._widget = None

    # -- frames -----------------------------------------------------------------------------

    def _check_signatures(self):
        probe = dict(self.initial)
        try:
            if self._compute is None:
                inspect.signature(self._draw).bind(None, **probe)
            else:
                inspect.signature(self._compute).bind(**probe)
                inspect.signature(self._draw).bind(None, None, **probe)
        except TypeError as err:
            want = ("draw(ax, " if self._compute is None else "compute(") + ", ".join(
                self.names) + ")"
            raise ValueError(f"the callbacks must accept the slider names as keywords, "
                             f"like {want}: {err}") from None
        except ValueError:  # builtins without a signature: nothing to check
            pass

    def _values_at(self, index: tuple[int, ...]) -> dict:
        return {n: self.values[n][i] for n, i in zip(self.names, index, strict=True)}

    @property
    def size_px(self) -> tuple[int, int]:
        """The size a frame is shown at, in CSS pixels (width, height)."""
        return round(self.figsize[0] * self.dpi), round(self.figsize[1] * self.dpi)

    def render(self, **values) -> bytes:
        """The frame for one value per slider, as PNG or SVG bytes (cached).

        A value must be one of the slider's values, or lie in its ``live_range``."""
        if set(values) != set(self.names):
            raise ValueError(f"render needs exactly the sliders {list(self.names)}; "
                             f"got {sorted(values)}")
        if all(values[n] in self.values[n] for n in self.names):
            return self._frame(tuple(self.values[n].index(values[n]) for n in self.names))
        for n in self.names:
            if values[n] in self.values[n]:
                continue
            if n not in self.live_range:
                raise ValueError(f"{values} is not a point of the precomputed grid "
                                 f"{self.values} (and {n!r} has no live_range)")
            low, high, _ = self.live_range[n]
            v = values[n]
            if isinstance(v, bool) or not isinstance(v, Real) or not low <= v <= high:
                raise ValueError(f"{n}={v!r} is outside its live range [{low}, {high}]")
        key = tuple(values[n] for n in self.names)
        if key in self._live:
            self._live.move_to_end(key)
        else:
            start = time.thread_time()
            self._live[key] = self._render(values)
            self.frame_seconds.append(time.thread_time() - start)
            while len(self._live) > self.cache_size:
                self._live.popitem(last=False)
        return self._live[key]

    def _frame(self, index: tuple[int, ...]) -> bytes:
        if index not in self._frames:
            start = time.thread_time()
            self._frames[index] = self._render(self._values_at(index))
            self.frame_seconds.append(time.thread_time() - start)
        return self._frames[index]

    def _render(self, values: dict) -> bytes:
        with matplotlib.style.context(self.style or {}):
            dpi = self.dpi if self.fmt == "svg" else self.dpi * self.scale
            fig = Figure(figsize=self.figsize, dpi=dpi, layout=self.layout)
            if self.layout is None:
                fig.subplots_adjust(**self.margins)
            axes = fig.subplots(*self.subplots, sharex=self.sharex, sharey=self.sharey,
                                squeeze=True)
            if self._compute is None:
                self._draw(axes, **values)
            else:
                self._draw(axes, self._compute(**values), **values)
            buf = io.BytesIO()
            if self.fmt == "svg":
                with matplotlib.rc_context({"svg.hashsalt": "rnnlab", "svg.fonttype": "path"}):
                    fig.savefig(buf, format="svg", metadata={"Date": None})
                return buf.getvalue()
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            rgba = np.asarray(canvas.buffer_rgba())  # (height, width, 4) uint8
        img = Image.fromarray(rgba[..., :3].copy())
        if self.compact:  # a 64-colour palette: 3-4x smaller, looks the same for line plots
            img = img.quantize(colors=64, method=Image.Quantize.FASTOCTREE)
        img.save(buf, format="PNG")
        return buf.getvalue()

    def frames(self) -> list[bytes]:
        """Every frame of the grid, in C order (the last slider varies fastest)."""
        return [self._frame(ix) for ix in itertools.product(*(range(s) for s in self.shape))]

    @property
    def median_frame_ms(self) -> float:
        """Median CPU time (compute + draw) of the frames rendered so far, in milliseconds
        (nan if none)."""
        return float(np.median(self.frame_seconds) * 1e3) if self.frame_seconds else math.nan

    def _is_choice(self, name: str) -> bool:
        return all(isinstance(v, str) for v in self.values[name])

    # -- the two views ----------------------------------------------------------------------

    @property
    def _mime(self) -> str:
        return "image/svg+xml" if self.fmt == "svg" else "image/png"

    def to_html(self) -> str:
        """The kernel-free view: an ``<img>``, a range input per numeric slider and a group
        of buttons per choice between strings, over every frame of the grid."""
        frames = [base64.b64encode(f).decode("ascii") for f in self.frames()]
        prefix = f"data:{self._mime};base64,"
        start = tuple(self.values[n].index(self.initial[n]) for n in self.names)
        flat = int(np.ravel_multi_index(start, self.shape))
        uid = "rnnlab-" + hashlib.sha1("".join(frames).encode("ascii")).hexdigest()[:10]
        controls = []
        for i, n in enumerate(self.names):
            label = _escape(self.labels[n])
            if self._is_choice(n):
                buttons = "".join(
                    _BUTTON_TEMPLATE.format(
                        uid=uid, i=i, j=j, text=_escape(_label(v)),
                        checked=" checked" if j == start[i] else "",
                        bg="#1f5f99" if j == start[i] else "#fff",
                        fg="#fff" if j == start[i] else "#1a1a1a")
                    for j, v in enumerate(self.values[n]))
                controls.append(_CHOICE_TEMPLATE.format(uid=uid, i=i, name=n, label=label,
                                                        buttons=buttons))
                continue
            controls.append(_RANGE_TEMPLATE.format(
                uid=uid, i=i, name=n, label=label, max=self.shape[i] - 1, index=start[i],
                text=_escape(_label(self.initial[n]))))
            if _uneven(self.values[n]):
                controls.append(_UNEVEN_TEMPLATE.format(
                    steps=" · ".join(_escape(_label(v)) for v in self.values[n])))
        data = {"shape": list(self.shape), "prefix": prefix, "frames": frames,
                "labels": [[_label(v) for v in self.values[n]] for n in self.names]}
        width, height = self.size_px
        return _HTML_TEMPLATE.format(
            width=width, height=height, alt=_escape(self.alt), note=_NOTE,
            src=prefix + frames[flat], controls="\n".join(controls),
            data=json.dumps(data, separators=(",", ":")).replace("</", "<\\/"))

    def _live_control(self, name: str, label_width: str, ids: Callable[[str], str]):
        """The live widget for one slider: toggle buttons for a choice between strings, a
        continuous slider over its ``live_range``, else a slider over its values."""
        import ipywidgets as widgets

        width, _ = self.size_px
        label, value = self.labels[name], self.initial[name]
        part = f"control.{name}"
        style = {"description_width": label_width}
        layout = {"width": f"{width}px", "max_width": "100%"}
        if self._is_choice(name):  # its label in the sliders' label column, buttons beside
            return with_ids(
                widgets.ToggleButtons, ids, part,
                options=[(_label(v), v) for v in self.values[name]], value=value,
                tooltips=[f"{label} = {_label(v)}" for v in self.values[name]],
                style={"button_width": "auto"}, layout={"width": "auto", "margin": "2px 0 2px 0"})
        if name in self.live_range:
            low, high, kind = self.live_range[name]
            step = self._live_step(name)
            common = {"value": value, "description": label, "continuous_update": False,
                      "style": style, "layout": layout}
            if kind == "log":
                return with_ids(widgets.FloatLogSlider, ids, part, base=10,
                                 min=math.log10(low), max=math.log10(high), step=step,
                                 readout_format=".3g", **common)
            if step == 1 and all(isinstance(v, Integral) for v in (low, high, *self.values[name])):
                return with_ids(widgets.IntSlider, ids, part, min=low, max=high, step=1,
                                 **common)
            return with_ids(widgets.FloatSlider, ids, part, min=low, max=high, step=step,
                             readout_format=".3g", **common)
        return with_ids(
            widgets.SelectionSlider, ids, part,
            options=[(_label(v), v) for v in self.values[name]], value=value,
            description=label, continuous_update=True, style=style, layout=layout)

    def _live_step(self, name: str) -> float:
        """The step of a live range's slider: in log10 units for a log range (200 steps),
        else a power of ten near a hundredth of the range (1 for integers)."""
        low, high, kind = self.live_range[name]
        if kind == "log":
            return (math.log10(high) - math.log10(low)) / 200
        step = 10.0 ** math.floor(math.log10((high - low) / 100))
        if all(isinstance(v, Integral) for v in (low, high, *self.values[name])):
            step = max(step, 1)
        return step

    def _live_value(self, name: str, value):
        """A live slider's value as the callbacks get it: the grid's value when the slider is
        within half a step of one (its precomputed frame is used), else rounded to 4
        significant digits (a log slider gives 2.0000000004), so frames and titles agree."""
        if name not in self.live_range or value in self.values[name]:
            return value
        low, high, kind = self.live_range[name]
        half = self._live_step(name) / 2
        for v in self.values[name]:
            if (abs(math.log10(value) - math.log10(v)) if kind == "log"
                    else abs(value - v)) <= half * (1 + 1e-9):
                return v
        if isinstance(value, Integral):
            return int(value)
        return min(max(float(f"{value:.4g}"), low), high)

    def _spec_key(self) -> str:
        """The figure's specification as text (slider names, values, live ranges, labels,
        starting values, size and format): what its widgets' model ids are derived from."""
        spec = {"sliders": {n: [_label(v) for v in self.values[n]] for n in self.names},
                "live_range": {n: [_label(x) for x in r] for n, r in self.live_range.items()},
                "labels": self.labels, "initial": {n: _label(v) for n, v in self.initial.items()},
                "subplots": self.subplots, "figsize": self.figsize, "dpi": self.dpi,
                "scale": self.scale, "fmt": self.fmt}
        return json.dumps(spec, sort_keys=True, ensure_ascii=False)

    def widget(self):
        """The live view: the controls under an ``Image`` redrawn in the kernel, and a status
        line (a note when no kernel holds the slider; "computing ..." for a slow frame).

        Its widgets' model ids are :func:`widget_ids` of the figure's specification and
        the number of live views of that specification made before in this kernel: the same in
        every fresh run, new for a second run of the cell."""
        if self._widget is None:
            import ipywidgets as widgets

            ids = widget_ids(self._spec_key())

            width, height = self.size_px
            label_width = f"{max(len(s) for s in self.labels.values()) * 0.6 + 0.5:.1f}em"
            controls = {n: self._live_control(n, label_width, ids) for n in self.names}
            image = with_ids(widgets.Image, ids, "image", value=self.render(**self.initial),
                              format="svg+xml" if self.fmt == "svg" else "png",
                              layout={"width": f"{width}px", "height": "auto",
                                      "max_width": "100%"})
            status = with_ids(widgets.HTML, ids, "status", value=_LIVE_NOTE)
            notes = [with_ids(
                widgets.HTML, ids, f"note.{n}",
                value=f"<small>{_escape(self.labels[n])}: uneven steps: "
                f"{' · '.join(_escape(_label(v)) for v in self.values[n])}</small>",
                layout={"margin": f"-4px 0 0 {label_width}"})
                for n in self.names if n not in self.live_range and _uneven(self.values[n])]

            def update(_change=None):
                values = {n: self._live_value(n, c.value) for n, c in controls.items()}
                slow = self.median_frame_ms > 500
                if slow:  # the kernel sends this at once; the frame follows when ready
                    shown = ", ".join(f"{self.labels[n]} = {_label(v)}"
                                      for n, v in values.items())
                    status.value = _LIVE_NOTE + f"<i>computing the frame for {shown} ...</i>"
                image.value = self.render(**values)
                if slow:
                    status.value = _LIVE_NOTE

            for c in controls.values():
                c.observe(update, names="value")
            self._controls, self._image, self._status = controls, image, status
            rows = [with_ids(widgets.HBox, ids, f"row.{n}", children=[with_ids(
                        widgets.HTML, ids, f"row.{n}.label",
                        value=f'<div style="text-align:right">{_escape(self.labels[n])}</div>',
                        layout={"width": label_width, "margin": "0 8px 0 2px"}), c])
                    if self._is_choice(n) else c for n, c in controls.items()]
            self._widget = with_ids(widgets.VBox, ids, "view",
                                     children=[image, *rows, *notes, status],
                                     layout={"width": f"{width + 16}px", "max_width": "100%"})
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget()._repr_mimebundle_())
        bundle["text/html"] = self.to_html()
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        grid = ", ".join(f"{n}: {len(v)} values" for n, v in self.values.items())
        return f"<SliderFigure {grid}; {self.n_frames} frames>"
