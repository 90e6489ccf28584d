"""The build step that lets printed text wrap and keeps printed tables whole
(_ext/printed_output.py)."""

import sys
from pathlib import Path

from docutils import nodes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))

from printed_output import _mark_tables, is_table  # noqa: E402


def test_tables_and_sentences():
    assert is_table(" gap | accuracy | median\n   2 | 1.00     | 1.00")
    assert is_table("  model    H  params\n    RNN  128  19,082")  # columns of spaces
    assert not is_table("delta h_t (6-4.2): relative error < 1e-07: True\n"
                        "every b_f: the LSTM's gradient exceeds the cell path: True")
    assert not is_table(" gap | accuracy")  # one row is not a table
    assert not is_table("H =  63, |theta| = 19,288: True\nH = 128, |theta| = 19,082: True")


def test_only_output_tables_are_marked():
    tree = nodes.section()
    table = "a  b  c\n1  2  3"
    tree += nodes.literal_block(table, table, classes=["output", "stream"])
    tree += nodes.literal_block("x = 1: True", "x = 1: True", classes=["output", "stream"])
    tree += nodes.literal_block(table, table, classes=[])  # code, not output
    _mark_tables(None, tree, "page")
    assert [n["classes"] for n in tree.children] == [
        ["output", "stream", "rnnlab-table"], ["output", "stream"], []]


def test_hyphenated_words_of_outputs_are_kept_whole():
    from printed_output import keep_hyphenated_words
    out = ('<div class="output stream highlight-myst-ansi notranslate"><div class="highlight">'
           '<pre><span></span>x (6-4.2): error &lt; 1e-12: True, a - b</pre>')
    code = '<div class="highlight-ipython3"><div class="highlight"><pre>y = 1e-12</pre>'
    kept = keep_hyphenated_words(out + code)
    assert kept == (
        '<div class="output stream highlight-myst-ansi notranslate"><div class="highlight">'
        '<pre><span></span>x <span class="rnnlab-nobreak">(6-4.2):</span> error &lt; '
        '<span class="rnnlab-nobreak">1e-12:</span> True, a - b</pre>' + code)
