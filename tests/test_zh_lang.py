"""The build step that marks Chinese text lang="zh-Hans" (_ext/zh_lang.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))

from zh_lang import mark_chinese  # noqa: E402


def test_runs_of_chinese_text_are_wrapped_with_their_punctuation():
    html = "<p>RNN · 循环神经网络 and 《神经网络与深度学习》, §6.1</p>"
    assert mark_chinese(html) == (
        '<p>RNN · <span lang="zh-Hans">循环神经网络</span> and '
        '<span lang="zh-Hans">《神经网络与深度学习》</span>, §6.1</p>')


def test_tags_scripts_and_styles_are_left_alone():
    html = ('<a title="循环">x</a><script>var s = "梯度";</script>'
            '<style>p::after{content:"梯"}</style>')
    assert mark_chinese(html) == html


def test_english_text_is_unchanged():
    html = "<p>No Chinese here: h_t = tanh(U h_(t-1) + W x_t + b).</p>"
    assert mark_chinese(html) == html
