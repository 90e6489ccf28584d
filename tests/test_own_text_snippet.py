"""The "Your own text" section of chapter 6 shows code the executed page does not run (its
run uses the synthetic language, so that its outputs are reproducible). These tests run that
code block as printed, on small text files — mixed English and Chinese, and Chinese only —
so the snippet a reader copies cannot rot."""

import json
import re

import numpy as np

from book_toc import ROOT

NOTEBOOK = ROOT / "chapters" / "10_char_lm_training.ipynb"  # the section lives here
TEXT = ("The cat sat on the mat. The dog (a big one) ran [far] away. "
        "循环神经网络可以处理任意长度的序列。 ") * 400
# common Chinese characters (no Latin letter, digit or space anywhere in the Chinese text)
HANZI = ("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去"
         "之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方"
         "又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点")


def _chinese_text(n_sentences: int, seed: int = 0) -> str:
    """Sentences of 4-20 characters drawn from HANZI with Zipf-like weights, ending in ，or 。"""
    rng = np.random.default_rng(seed)
    chars = np.array(list(HANZI))
    w = 1.0 / np.arange(1, len(chars) + 1)
    out = []
    for _ in range(n_sentences):
        out.append("".join(rng.choice(chars, size=rng.integers(4, 21), p=w / w.sum())))
        out.append("，" if rng.random() < 0.6 else "。")
    return "".join(out)


def _run_snippet(text, tmp_path, monkeypatch, capsys) -> list[str]:
    """Execute chapter 6's imports and its own-text code block on ``text``; return stdout."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    section = [c for c in cells if c["cell_type"] == "markdown"
               and "(sec-lm-own-text)=" in "".join(c["source"])]
    assert len(section) == 1, "chapter 6 must keep its (sec-lm-own-text)= section"
    blocks = re.findall(r"```python\n(.*?)```", "".join(section[0]["source"]), re.S)
    assert len(blocks) == 1, "the section must show exactly one python code block"
    imports = next("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "from rnnlab" in imports, "the first code cell of chapter 6 must hold its imports"

    (tmp_path / "my_text.txt").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(imports, "chapter 6, first code cell", "exec"), namespace)
    exec(compile(blocks[0], "chapter 6, sec-lm-own-text", "exec"), namespace)
    return capsys.readouterr().out.splitlines()


def _check_output(out: list[str]) -> None:
    ngram_lines = [line for line in out if re.fullmatch(r"[1-5] \d+\.\d+", line)]
    assert len(ngram_lines) == 5, out[:10]
    for cell in ("RNN", "LSTM", "GRU"):
        assert any(re.fullmatch(cell + r" \d+\.\d+", line) for line in out), \
            f"no rounded {cell} result in {out}"


def test_own_text_snippet_runs_as_printed(tmp_path, monkeypatch, capsys):
    _check_output(_run_snippet(TEXT, tmp_path, monkeypatch, capsys))


def test_own_text_snippet_runs_on_chinese_only_text(tmp_path, monkeypatch, capsys):
    text = _chinese_text(300)
    assert not re.search(r"[A-Za-z0-9 ]", text) and len(text) > 3_000
    out = _run_snippet(text, tmp_path, monkeypatch, capsys)
    _check_output(out)
    samples = [line for line in out if "|" in line]  # prompt | sampled continuation
    assert len(samples) == 3 and all(set(s) <= set(HANZI + "，。|") for s in samples)
