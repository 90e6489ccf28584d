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
    assert html.count('<img class="rnnlab-slider-frame"') == 1
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
    box = fig.widget()
    image, slider_a, slider_n = box.children
    assert image.value == fig.render(a=-1.0, n=5)
    slider_a.value = 2.0
    assert image.value == fig.render(a=2.0, n=5)
    slider_n.value = 10
    assert image.value == fig.render(a=2.0, n=10)
    assert [o[1] for o in slider_a.options] == [-1.0, 0.5, 2.0]


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
