"""Slider figures: a live ipywidgets slider in Jupyter, a working kernel-free slider in the book.

Every chapter that lets the reader move a parameter uses :class:`SliderFigure`. You give it
a pure drawing callback and a short list of values for each slider; it renders one frame per
point of the grid (the product of the lists) and displays as a bundle with two views:

* ``application/vnd.jupyter.widget-view+json`` -- ipywidgets ``SelectionSlider`` s and an
  ``Image``; JupyterLab picks this one, and moving a slider redraws the frame in the kernel
  (frames are cached, so going back is instant);
* ``text/html`` -- a self-contained ``<input type="range">`` player over the precomputed
  frames (PNG or SVG as data URIs, a few lines of inline JavaScript, no external files).
  The built book picks this one: ``_config.yml`` sets myst-nb's
  ``nb_mime_priority_overrides`` so that the HTML builders rank ``text/html`` above the
  widget view.

Callbacks (no global state is read or written; matplotlib's global ``rcParams`` are never
changed -- ``style`` is applied with a context manager around each frame only):

* ``draw(ax, **values)`` -- draws one frame on a fresh ``Axes`` (or an array of ``Axes``
  when ``subplots=(rows, cols)`` is not ``(1, 1)``); ``values`` holds one value per slider.
* with ``compute=``: ``data = compute(**values)`` then ``draw(ax, data, **values)``, which
  keeps the numerics apart from the plotting and lets a chapter time or test them alone.

The grid must stay small (the frames are stored in the notebook; a notebook must stay under
3 MB): ``max_frames`` (default 120) bounds the product of the list lengths, and frames are
stored as palette PNGs (``compact=True``), typically 6-15 kB each at the default size.
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
from collections.abc import Callable, Mapping, Sequence
from numbers import Real

import matplotlib.style
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

__all__ = ["SliderFigure"]

_HTML_TEMPLATE = """\
<div class="rnnlab-slider" style="max-width:{width}px">
<img class="rnnlab-slider-frame" alt="{alt}" src="{src}" style="max-width:100%;height:auto">
<div class="rnnlab-slider-controls" style="display:grid;grid-template-columns:max-content 1fr \
4.5em;gap:0.2em 0.6em;align-items:center;font-size:0.9em">
{controls}
</div>
<script type="application/json" class="rnnlab-slider-data">{data}</script>
<script>
(function () {{
  var root = document.currentScript.parentElement;
  var data = JSON.parse(root.querySelector("script.rnnlab-slider-data").textContent);
  var img = root.querySelector("img.rnnlab-slider-frame");
  var inputs = root.querySelectorAll("input.rnnlab-slider-input");
  var outs = root.querySelectorAll("output.rnnlab-slider-value");
  function show() {{
    var flat = 0;
    for (var i = 0; i < inputs.length; i++) {{
      var j = Number(inputs[i].value);
      flat = flat * data.shape[i] + j;
      outs[i].textContent = data.labels[i][j];
    }}
    img.src = data.prefix + data.frames[flat];
    root.setAttribute("data-frame", String(flat));
  }}
  for (var i = 0; i < inputs.length; i++) {{ inputs[i].addEventListener("input", show); }}
  show();
}})();
</script>
</div>"""

_CONTROL_TEMPLATE = (
    '<label for="{uid}-{i}">{label}</label>'
    '<input type="range" class="rnnlab-slider-input" id="{uid}-{i}" data-name="{name}" '
    'min="0" max="{max}" step="1" value="{index}" aria-label="{label}">'
    '<output class="rnnlab-slider-value" for="{uid}-{i}">{text}</output>'
)


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
        arguments of ``draw``/``compute``. Values: distinct finite numbers or strings.
    compute : callable, optional
        ``compute(**values) -> data``; its result is passed to ``draw`` after ``ax``.
    initial : mapping, optional
        Starting value per slider (must be one of its values); default the first value.
    labels : mapping, optional
        Text shown beside each slider, e.g. ``{"gamma": "γ"}``; default the name.
    subplots : (int, int)
        Rows and columns of axes in each frame.
    sharex, sharey : bool
        Share the x / y axis between the subplots (``Figure.subplots``); a shared axis is
        labelled once, which is also faster to draw.
    figsize : (float, float)
        Figure size in inches; with ``dpi`` it sets the frame size in pixels.
    dpi : int
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
    alt : str
        Alternative text for the frame image in the book.

    Raises
    ------
    ValueError
        For a bad slider specification (not a list, empty, repeated or non-finite values,
        a name ``draw``/``compute`` does not accept, an ``initial`` value not in the list, or
        a grid larger than ``max_frames``).
    """

    def __init__(self, draw: Callable, sliders: Mapping[str, Sequence], *,
                 compute: Callable | None = None, initial: Mapping | None = None,
                 labels: Mapping[str, str] | None = None, subplots: tuple[int, int] = (1, 1),
                 sharex: bool = False, sharey: bool = False,
                 figsize: tuple[float, float] = (6.4, 3.4), dpi: int = 80, fmt: str = "png",
                 compact: bool = True, style=None, layout: str | None = None,
                 margins: Mapping[str, float] | None = None, max_frames: int = 120,
                 alt: str = "figure controlled by sliders"):
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
        self.sharex, self.sharey = bool(sharex), bool(sharey)
        self.fmt, self.compact, self.style, self.alt = fmt, bool(compact), style, alt
        self.layout = layout
        self.margins = {**_MARGINS, **(margins or {})}
        self._frames: dict[tuple[int, ...], bytes] = {}
        self.frame_seconds: list[float] = []  # wall time of each frame rendered (compute+draw)
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

    def render(self, **values) -> bytes:
        """The frame for one point of the grid, as PNG or SVG bytes (cached)."""
        if set(values) != set(self.names):
            raise ValueError(f"render needs exactly the sliders {list(self.names)}; "
                             f"got {sorted(values)}")
        try:
            index = tuple(self.values[n].index(values[n]) for n in self.names)
        except ValueError:
            raise ValueError(f"{values} is not a point of the precomputed grid "
                             f"{self.values}") from None
        return self._frame(index)

    def _frame(self, index: tuple[int, ...]) -> bytes:
        if index not in self._frames:
            start = time.perf_counter()
            self._frames[index] = self._render(self._values_at(index))
            self.frame_seconds.append(time.perf_counter() - start)
        return self._frames[index]

    def _render(self, values: dict) -> bytes:
        with matplotlib.style.context(self.style or {}):
            fig = Figure(figsize=self.figsize, dpi=self.dpi, layout=self.layout)
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
        """Median wall time of the frames rendered so far, in milliseconds (nan if none)."""
        return float(np.median(self.frame_seconds) * 1e3) if self.frame_seconds else math.nan

    # -- the two views ----------------------------------------------------------------------

    @property
    def _mime(self) -> str:
        return "image/svg+xml" if self.fmt == "svg" else "image/png"

    def to_html(self) -> str:
        """The kernel-free view: an ``<img>`` and one range input per slider (all frames)."""
        frames = [base64.b64encode(f).decode("ascii") for f in self.frames()]
        prefix = f"data:{self._mime};base64,"
        start = tuple(self.values[n].index(self.initial[n]) for n in self.names)
        flat = int(np.ravel_multi_index(start, self.shape))
        uid = "rnnlab-" + hashlib.sha1("".join(frames).encode("ascii")).hexdigest()[:10]
        controls = "\n".join(
            _CONTROL_TEMPLATE.format(uid=uid, i=i, name=n, label=_escape(self.labels[n]),
                                     max=self.shape[i] - 1, index=start[i],
                                     text=_escape(_label(self.initial[n])))
            for i, n in enumerate(self.names))
        data = {"shape": list(self.shape), "prefix": prefix, "frames": frames,
                "labels": [[_label(v) for v in self.values[n]] for n in self.names]}
        return _HTML_TEMPLATE.format(
            width=int(self.figsize[0] * self.dpi), alt=_escape(self.alt),
            src=prefix + frames[flat], controls=controls,
            data=json.dumps(data, separators=(",", ":")).replace("</", "<\\/"))

    def widget(self):
        """The live view: ipywidgets sliders above an ``Image`` redrawn in the kernel."""
        if self._widget is None:
            import ipywidgets as widgets

            sliders = [
                widgets.SelectionSlider(
                    options=[(_label(v), v) for v in self.values[n]], value=self.initial[n],
                    description=self.labels[n], continuous_update=True,
                    layout=widgets.Layout(width=f"{int(self.figsize[0] * self.dpi)}px"))
                for n in self.names]
            image = widgets.Image(value=self.render(**self.initial),
                                  format="svg+xml" if self.fmt == "svg" else "png")

            def update(_change=None):
                image.value = self.render(**{n: s.value for n, s in
                                             zip(self.names, sliders, strict=True)})

            for s in sliders:
                s.observe(update, names="value")
            self._widget = widgets.VBox([image, *sliders])
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget()._repr_mimebundle_())
        bundle["text/html"] = self.to_html()
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        grid = ", ".join(f"{n}: {len(v)} values" for n, v in self.values.items())
        return f"<SliderFigure {grid}; {self.n_frames} frames>"
