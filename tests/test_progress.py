"""rnnlab.train.progress: tqdm bars whose Jupyter widget ids repeat between fresh runs."""

import json
import subprocess
import sys

import pytest
from tqdm import notebook, std

from rnnlab.train import progress
from rnnlab.train.progress import progress_bar

# Make two notebook bars the way a page does and print every widget id they hold.
_TWO_BARS = """
import json
from tqdm import notebook
from rnnlab.train import progress
progress.tqdm = notebook.tqdm  # as in a Jupyter kernel
ids = []
for desc in ("training", "training"):
    bar = progress.progress_bar(total=5, desc=desc)
    bar.update(5)
    bar.close()
    box = bar.container
    for w in (box, *box.children):
        ids.append(w.model_id)
        ids += [getattr(w, t).model_id for t in ("layout", "style") if hasattr(w, t)]
print(json.dumps(ids))
"""


def _ids_of_a_fresh_run() -> list[str]:
    out = subprocess.run([sys.executable, "-c", _TWO_BARS], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.splitlines()[-1])  # after what display() printed


def test_a_fresh_run_gives_the_same_widget_ids_and_a_second_bar_new_ones():
    first, second = _ids_of_a_fresh_run(), _ids_of_a_fresh_run()
    assert first == second
    one, two = first[: len(first) // 2], first[len(first) // 2:]
    assert len(set(first)) == len(first), "a second bar in one run must not reuse an id"
    # every widget of the bar (box, its layout, the texts, the bar and their styles)
    assert len(one) == len(two) == 11


def test_the_notebook_bar_counts_and_shows_its_description(monkeypatch):
    monkeypatch.setattr(progress, "tqdm", notebook.tqdm)
    bar = progress_bar(total=4, desc="gap sweep")
    bar.update(3)
    bar.refresh()
    left, pbar, _right = bar.container.children
    assert isinstance(bar, notebook.tqdm)
    assert left.value.replace("\u2007", " ").startswith("gap sweep: ")
    assert (pbar.min, pbar.max, pbar.value) == (0, 4, 3)
    bar.close()


@pytest.mark.parametrize("disable", [False, True])
def test_outside_jupyter_it_is_tqdms_text_bar(monkeypatch, disable):
    monkeypatch.setattr(progress, "tqdm", std.tqdm)
    bar = progress_bar(total=3, desc="x", disable=disable, file=sys.stdout)
    assert type(bar) is std.tqdm and bar.disable is disable
    bar.close()
