"""The "Your own text" section of chapter 6 shows code the executed page does not run (its
run uses the synthetic language, so that its outputs are reproducible). This test runs that
code block as printed, on a small text file, so the snippet a reader copies cannot rot."""

import json
import re

from book_toc import ROOT

NOTEBOOK = ROOT / "chapters" / "06_char_lm.ipynb"
TEXT = ("The cat sat on the mat. The dog (a big one) ran [far] away. "
        "循环神经网络可以处理任意长度的序列。 ") * 400


def _cells():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def test_own_text_snippet_runs_as_printed(tmp_path, monkeypatch, capsys):
    cells = _cells()
    section = [c for c in cells if c["cell_type"] == "markdown"
               and "(sec-lm-own-text)=" in "".join(c["source"])]
    assert len(section) == 1, "chapter 6 must keep its (sec-lm-own-text)= section"
    blocks = re.findall(r"```python\n(.*?)```", "".join(section[0]["source"]), re.S)
    assert len(blocks) == 1, "the section must show exactly one python code block"
    imports = next("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "from rnnlab" in imports, "the first code cell of chapter 6 must hold its imports"

    (tmp_path / "my_text.txt").write_text(TEXT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(imports, "chapter 6, first code cell", "exec"), namespace)
    exec(compile(blocks[0], "chapter 6, sec-lm-own-text", "exec"), namespace)

    out = capsys.readouterr().out.splitlines()
    ngram_lines = [line for line in out if re.fullmatch(r"[1-5] \d+\.\d+", line)]
    assert len(ngram_lines) == 5, out[:10]
    for cell in ("RNN", "LSTM", "GRU"):
        assert any(line.startswith(cell + " ") for line in out), f"no {cell} result in {out}"

