"""rnnlab.viz.widgets.SliderFigure: both views in one display bundle, one frame per grid point in
C order, pure callbacks, clear errors for bad slider specifications, and a frame budget."""

import base64
import json
import re

import matplotlib
import numpy as np
import pytest

from rnnlab.viz import SliderFigure

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def line(ax, a, n):
    """A pure draw callback: a line whose slope and length depend on the slider values."""
    x = np.arange(n)
    ax.plot(x, a * x, color="C0")
    ax.set_xlim(0, 10)
    ax.set_ylim(-10, 30)
    ax.set_title(f"a = {a}, n = {n}")


def player_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" class="rnnlab-slider-data">(.*?)</script>',
                      html, re.S)
    assert match, "the HTML view has no frame data"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def fig():
    return SliderFigure(line, {"a": [-1.0, 0.5, 2.0], "n": [2, 5, 10]}, initial={"n": 5},
                        figsize=(3, 2), dpi=50)


def test_bundle_carries_the_widget_view_and_the_html_player(fig):
    bundle = fig._repr_mimebundle_()
    assert set(bundle) == {WIDGET_MIME, "text/html", "text/plain"}
    assert bundle[WIDGET_MIME]["model_id"] == fig.widget().model_id
    html = bundle["text/html"]
    assert html.count('<input type="range"') == 2
    assert html.count('<img class="rnnlab-slider-frame dark-light"') == 1
    assert "<SliderFigure a: 3 values, n: 3 values; 9 frames>" == bundle["text/plain"]


def test_html_player_is_self_contained(fig):
    html = fig.to_html()
    assert not re.search(r'(src|href)="(https?:)?//', html), "the player must not load anything"
    assert html.count("<script") == 2  # the frame data and the inline player


def test_number_of_frames_equals_grid_size_and_frames_differ(fig):
    data = player_data(fig.to_html())
    assert data["shape"] == [3, 3]
    frames = [base64.b64decode(f) for f in data["frames"]]
    assert len(frames) == 9 == fig.n_frames
    assert all(f.startswith(PNG_MAGIC) for f in frames)
    assert len(set(frames)) == 9, "every grid point must give a different picture"


def test_frames_are_in_c_order_and_match_render(fig):
    data = player_data(fig.to_html())
    for i, a in enumerate(fig.values["a"]):
        for j, n in enumerate(fig.values["n"]):
            frame = base64.b64decode(data["frames"][i * 3 + j])  # last slider fastest
            assert frame == fig.render(a=a, n=n)
    assert data["labels"] == [["-1", "0.5", "2"], ["2", "5", "10"]]


def test_initial_frame_is_shown_first(fig):
    html = fig.to_html()
    data = player_data(html)
    initial = data["frames"][0 * 3 + 1]  # a = -1.0 (first value), n = 5 (initial)
    assert f'src="{data["prefix"]}{initial}"' in html
    assert 'value="0"' in html and 'value="1"' in html


def test_rendering_is_deterministic_and_pure():
    calls = []

    def draw(ax, a):
        calls.append(len(ax.lines))  # a fresh, empty Axes every time
        ax.plot([0, 1], [0, a])

    one = SliderFigure(draw, {"a": [1, 2]}, figsize=(2, 2), dpi=40)
    two = SliderFigure(draw, {"a": [1, 2]}, figsize=(2, 2), dpi=40)
    assert one.frames() == two.frames()
    assert one.to_html() == two.to_html()
    assert calls == [0, 0, 0, 0]


def test_compute_then_draw():
    seen = []

    def compute(k):
        seen.append(k)
        return np.arange(k) ** 2

    def draw(ax, data, k):
        ax.plot(data)
        ax.set_title(f"k = {k}, {len(data)} points")

    fig = SliderFigure(draw, {"k": [3, 4, 5]}, compute=compute, figsize=(2, 2), dpi=40)
    assert len(set(fig.frames())) == 3
    assert seen == [3, 4, 5]
    fig.frames()
    assert seen == [3, 4, 5], "frames are cached: compute runs once per grid point"


def test_subplots_hand_an_array_of_axes():
    def draw(axes, a):
        assert axes.shape == (2,)
        for ax in axes:
            ax.plot([0, a])

    assert len(SliderFigure(draw, {"a": [1, 2]}, subplots=(1, 2), sharey=True).frames()) == 2


def test_global_rcparams_are_never_changed():
    before = dict(matplotlib.rcParams)
    fig = SliderFigure(line, {"a": [1.0], "n": [3]}, style={"lines.linewidth": 7.0,
                                                             "axes.facecolor": "#eeeeee"})
    fig.frames()
    fig.to_html()
    assert dict(matplotlib.rcParams) == before


def test_style_is_applied_inside_the_frame():
    plain = SliderFigure(line, {"a": [1.0], "n": [3]}).frames()
    styled = SliderFigure(line, {"a": [1.0], "n": [3]},
                          style={"axes.facecolor": "#ffd0d0"}).frames()
    assert plain != styled


def test_live_widget_redraws_when_a_slider_moves(fig):
    fig.widget()
    image, slider_a, slider_n = fig._image, fig._controls["a"], fig._controls["n"]
    assert image.value == fig.render(a=-1.0, n=5)
    slider_a.value = 2.0
    assert image.value == fig.render(a=2.0, n=5)
    slider_n.value = 10
    assert image.value == fig.render(a=2.0, n=10)
    assert [o[1] for o in slider_a.options] == [-1.0, 0.5, 2.0]


def png_size(frame: bytes) -> tuple[int, int]:
    return int.from_bytes(frame[16:20], "big"), int.from_bytes(frame[20:24], "big")


def test_frames_are_drawn_at_scale_and_shown_at_the_figure_size(fig):
    """A frame has 1.5x the pixels of the size it is shown at (sharp on a high-density
    screen); the player and the live image are laid out at the figure's size, never
    stretched to the width of the page."""
    assert fig.size_px == (150, 100)
    assert png_size(fig.render(a=0.5, n=5)) == (225, 150)
    html = fig.to_html()
    assert 'width="150" height="100"' in html and "max-width:150px" in html
    fig.widget()
    assert fig._image.layout.width == "150px" and fig._image.layout.height == "auto"
    flat = SliderFigure(line, {"a": [1.0], "n": [3]}, figsize=(3, 2), dpi=50, scale=1)
    assert png_size(flat.frames()[0]) == (150, 100)


def test_the_live_view_says_to_run_the_cell_when_no_kernel_holds_it(fig):
    """Without a kernel (a saved notebook opened, a restarted kernel) ipywidgets marks the
    views `jupyter-widgets-disconnected`; the status line's style shows the note only then.
    The book's player carries the same note, hidden by its script (which an untrusted
    notebook in JupyterLab does not run)."""
    fig.widget()
    note = fig._status.value
    assert ".jupyter-widgets-disconnected .rnnlab-live-note{display:inline}" in note
    assert "Run this cell to make the slider live" in note
    html = fig.to_html()
    assert '<p class="rnnlab-slider-note"' in html and "Run this cell" in html
    assert 'querySelector(".rnnlab-slider-note").hidden = true' in html


def quadratic(ax, a, kind):
    x = np.linspace(0, 1, 20)
    ax.plot(x, a * x ** 2 if kind == "square" else a * x)
    ax.set_ylim(0, 20)


def test_a_live_range_gives_a_continuous_slider_with_a_cache():
    import ipywidgets

    calls = []

    def compute(a, kind):
        calls.append(a)
        return a

    fig = SliderFigure(lambda ax, data, a, kind: quadratic(ax, data, kind),
                       {"a": [1.0, 2.0, 4.0, 8.0], "kind": ["line", "square"]}, compute=compute,
                       live_range={"a": (0.5, 16, "log")}, figsize=(2, 2), dpi=40, cache_size=2)
    fig.widget()
    slider, buttons = fig._controls["a"], fig._controls["kind"]
    assert isinstance(slider, ipywidgets.FloatLogSlider)
    assert isinstance(buttons, ipywidgets.ToggleButtons)
    assert not slider.continuous_update, "a continuous slider recomputes on release only"
    grid = set(fig.frames())
    n_grid = len(calls)
    slider.value = 10 ** 0.45                          # between the grid's 2 and 4
    between = fig._image.value
    assert between not in grid, "a value between two grid points draws a new frame"
    assert calls[-1] == 2.818                          # rounded to 4 significant digits
    slider.value = 4.0
    assert fig._image.value == fig.render(a=4.0, kind="line")
    slider.value = 10 ** 0.45                          # back again: from the cache
    assert len(calls) == n_grid + 1 and fig._image.value == between
    slider.value = 4.0 * 10 ** (slider.step / 3)       # within half a step of 4: the grid's
    assert fig._image.value == fig.render(a=4.0, kind="line") and len(calls) == n_grid + 1
    for a in (3.0, 5.0, 6.0):                          # the off-grid cache is bounded
        fig.render(a=a, kind="line")
    assert len(fig._live) == 2
    with pytest.raises(ValueError, match=r"outside its live range \[0.5, 16\]"):
        fig.render(a=20.0, kind="line")


def test_linear_and_integer_live_ranges():
    import ipywidgets

    fig = SliderFigure(line, {"a": [-1.0, 0.5, 2.0], "n": [2, 5, 10]},
                       live_range={"a": (-2, 3.0), "n": (1, 12)}, figsize=(2, 2), dpi=40)
    fig.widget()
    a, n = fig._controls["a"], fig._controls["n"]
    assert isinstance(a, ipywidgets.FloatSlider) and a.step == 0.01
    assert isinstance(n, ipywidgets.IntSlider) and (n.min, n.max, n.step) == (1, 12, 1)
    n.value = 7
    assert fig._image.value == fig.render(a=-1.0, n=7)
    assert fig._image.value not in fig.frames()


def test_choices_are_buttons_in_both_views():
    fig = SliderFigure(quadratic, {"a": [1.0, 2.0], "kind": ["line", "square"]},
                       initial={"kind": "square"}, figsize=(2, 2), dpi=40)
    html = fig.to_html()
    assert html.count('<input type="range"') == 1
    assert html.count('type="radio"') == 2 and html.count(" checked ") == 1
    assert re.search(r'value="1" checked[^>]*>square</label>', html)
    assert 'role="radiogroup"' in html


def test_uneven_value_grids_are_labelled_as_such():
    fig = SliderFigure(line, {"a": [0.5, 1.0, 2.0, 4.0], "n": [2, 4, 6]}, figsize=(2, 2), dpi=40)
    html = fig.to_html()
    assert html.count("uneven steps") == 1
    assert "uneven steps: 0.5 · 1 · 2 · 4" in html
    fig.widget()
    assert "uneven steps: 0.5 · 1 · 2 · 4" in fig._widget.children[-2].value


def test_the_player_is_a_light_card_in_both_colour_themes(fig):
    html = fig.to_html()
    assert "background:#fff" in html and "color-scheme:light" in html
    assert 'class="rnnlab-slider-frame dark-light"' in html


def test_svg_frames():
    fig = SliderFigure(line, {"a": [1.0, 2.0], "n": [4]}, fmt="svg", figsize=(2, 2))
    frames = fig.frames()
    assert all(f.lstrip().startswith(b"<?xml") for f in frames)
    assert frames[0] != frames[1]
    assert player_data(fig.to_html())["prefix"] == "data:image/svg+xml;base64,"


@pytest.mark.parametrize("sliders, message", [
    ({"a": 0.5}, "needs a list of values"),
    ({"a": "abc"}, "needs a list of values"),
    ({"a": []}, "has no values"),
    ({"a": [1, 1, 2]}, "must be distinct"),
    ({"a": [1.0, float("nan")]}, "must be finite"),
    ({"a": [1, None]}, "must be numbers or strings"),
    ({"a": [True, False]}, "must be numbers or strings"),
    ({}, "non-empty dict"),
    ([("a", [1, 2])], "non-empty dict"),
    ({"not a name": [1, 2]}, "Python identifiers"),
    ({"a": list(range(20)), "n": list(range(10))}, "20 x 10 = 200 frames, more than max_frames"),
])
def test_bad_slider_spec_raises_a_clear_value_error(sliders, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        SliderFigure(line, sliders)


def test_bad_initial_value_and_unknown_names_raise():
    with pytest.raises(ValueError, match="initial value 3 of slider 'n' is not one of"):
        SliderFigure(line, {"a": [1.0], "n": [2, 5]}, initial={"n": 3})
    with pytest.raises(ValueError, match="sliders that do not exist"):
        SliderFigure(line, {"a": [1.0], "n": [2]}, initial={"b": 1})


def test_callback_signature_is_checked_up_front():
    with pytest.raises(ValueError, match=r"like draw\(ax, a, m\)"):
        SliderFigure(line, {"a": [1.0], "m": [2]})
    with pytest.raises(ValueError, match=r"like compute\(a\)"):
        SliderFigure(lambda ax, data, a: None, {"a": [1.0]}, compute=lambda b: b)
    with pytest.raises(ValueError, match="draw must be a function"):
        SliderFigure("line", {"a": [1.0]})


@pytest.mark.parametrize("live_range, message", [
    ({"a": 0.5}, "must be (low, high)"),
    ({"a": (0.0, 0.8)}, "must contain its values"),
    ({"a": (2.0, 1.0)}, "low < high"),
    ({"a": (0.0, 2.0, "log")}, "0 < low"),
    ({"a": (0.5, 2.0, "cubic")}, "must be 'log'"),
    ({"b": (0.0, 2.0)}, "sliders that do not exist"),
])
def test_bad_live_range_raises(live_range, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        SliderFigure(line, {"a": [0.5, 1.0], "n": [2]}, live_range=live_range)


def test_render_outside_the_grid_raises():
    fig = SliderFigure(line, {"a": [1.0], "n": [2]})
    with pytest.raises(ValueError, match="not a point of the precomputed grid"):
        fig.render(a=1.5, n=2)
    with pytest.raises(ValueError, match="exactly the sliders"):
        fig.render(a=1.0)


def test_html_size_is_compact():
    """Palette PNGs keep a 15-frame line-plot player well under 200 kB."""
    fig = SliderFigure(line, {"a": [-1.0, 0.0, 0.5, 1.0, 2.0], "n": [2, 5, 10]})
    assert len(fig.to_html()) < 200_000


def test_a_slow_frame_says_it_is_being_computed():
    """When frames take over half a second, the status line says which frame is being
    computed while it is drawn, and clears when the frame is shown."""
    fig = SliderFigure(line, {"a": [1.0, 2.0], "n": [3]}, live_range={"a": (0.5, 4.0)},
                       figsize=(2, 2), dpi=40)
    fig.widget()
    fig.frame_seconds[:] = [0.8]              # as if every frame so far took 0.8 s of CPU
    seen = []
    fig._status.observe(lambda change: seen.append(change["new"]), names="value")
    fig._controls["a"].value = 3.0
    assert len(seen) == 2
    assert "computing the frame for a = 3, n = 3 ..." in seen[0]
    assert "computing" not in seen[1] and fig._image.value == fig.render(a=3.0, n=3)


def _view_ids(view) -> list[str]:
    """The model ids of a live view and of every widget it holds (children, layout, style)."""
    import ipywidgets

    found, todo = [], [view]
    while todo:
        w = todo.pop()
        found.append(w.model_id)
        for key in w.keys:
            value = getattr(w, key)
            todo += [v for v in (value if isinstance(value, tuple) else (value,))
                     if isinstance(v, ipywidgets.Widget)]
    return found


# One SliderFigure with every kind of control (a log live range, a linear one, a list, a
# choice, uneven steps), whose live view prints the model ids of all its widgets.
_IDS_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_widgets import _every_control, _view_ids
print(" ".join(sorted(_view_ids(_every_control().widget()))))
"""


def _every_control():
    return SliderFigure(quadratic3, {"a": [1.0, 2.0, 8.0], "b": [1, 2, 3], "c": [0.1, 0.2],
                                     "kind": ["square", "line"]},
                        live_range={"a": (0.5, 16.0, "log"), "b": (1, 5)},
                        figsize=(2, 1.5), dpi=40)


def quadratic3(ax, a, b, c, kind):
    x = np.linspace(0, 1, 5)
    ax.plot(x, a * x ** b + c if kind == "square" else a * x)


def test_live_view_model_ids_are_the_same_in_every_fresh_run():
    """A notebook re-executed from scratch saves the same widget model ids (git stays
    clean): two fresh processes give every widget of the same figure's live view the same
    id, and that is all the widgets the view creates (none with a random id besides)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from ipywidgets.widgets.widget import _instances

    script = _IDS_SCRIPT.format(tests=str(Path(__file__).parent))
    env = {**os.environ, "MPLBACKEND": "Agg"}
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env=env, check=True).stdout.split() for _ in range(2)]
    assert runs[0] == runs[1]
    before = set(_instances)
    view = _every_control().widget()
    ids = _view_ids(view)
    assert len(ids) == len(set(ids)) == len(runs[0]) > 15
    assert set(_instances) - before == set(ids), "a widget of the view has a random id"
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_a_second_view_of_the_same_figure_in_one_kernel_gets_new_ids():
    """A cell run twice in one kernel must not reuse a comm id whose model the front end
    still holds: the second figure of the same specification gets ids of its own, while one
    figure displayed twice shows the one view it has."""
    first, second = _every_control(), _every_control()
    ids1, ids2 = _view_ids(first.widget()), _view_ids(second.widget())
    assert not set(ids1) & set(ids2)
    assert _view_ids(first.widget()) == ids1
    other = SliderFigure(quadratic3, {"a": [1.0, 2.0, 8.0], "b": [1, 2, 3], "c": [0.1, 0.3],
                                      "kind": ["square", "line"]}, figsize=(2, 1.5), dpi=40)
    assert not set(_view_ids(other.widget())) & (set(ids1) | set(ids2))
