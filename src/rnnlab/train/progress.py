"""Progress bars for long computations: tqdm's, with widget ids that a fresh run repeats.

In Jupyter, tqdm draws its bar with ipywidgets, and each widget gets a random id that is
saved in the notebook; every run would then change a notebook that nobody edited. Here the
ids are hashed from the bar's description and total and a per-kernel count of the bars made
with them, so a fresh Run All saves the same ids, and a bar made again in the same kernel
(a cell run twice) still gets new ones. Outside Jupyter this is tqdm's text bar.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from tqdm import notebook
from tqdm.auto import tqdm

__all__ = ["progress_bar"]

_bars_made: Counter = Counter()  # bars made in this process, by (description, total)


class _NotebookBar(notebook.tqdm):
    """tqdm's notebook bar, its widgets created with the ids in ``self._ids``."""

    def __init__(self, *args, ids, **kwargs):
        self._ids = ids  # read by status_printer, which tqdm calls from its __init__
        super().__init__(*args, **kwargs)

    def status_printer(self, _file, total=None, desc=None, ncols=None):
        from ipywidgets import HTML, FloatProgress, Layout

        ids = self._ids
        HTMLStyle = HTML.class_traits()["style"].klass  # noqa: N806 (a class)
        ProgressStyle = FloatProgress.class_traits()["style"].klass  # noqa: N806

        def html(part, value=""):
            return HTML(value, model_id=ids(part), layout=Layout(model_id=ids(part + ".layout")),
                        style=HTMLStyle(model_id=ids(part + ".style")))

        bar = FloatProgress(min=0, max=total or 1, value=0 if total else 1,
                            model_id=ids("bar"), layout=Layout(model_id=ids("bar.layout")),
                            style=ProgressStyle(model_id=ids("bar.style")))
        if not total:
            bar.bar_style = "info"  # tqdm's look for a bar without a total
        return notebook.TqdmHBox(children=[html("left", desc or ""), bar, html("right")],
                                 model_id=ids("box"), layout=Layout(model_id=ids("box.layout")))


def progress_bar(*, total: int, desc: str = "", disable: bool = False, **kwargs):
    """A tqdm bar over ``total`` units (``kwargs`` go to tqdm: ``unit``, ``leave``, ...).
    In Jupyter its widgets' ids repeat from one fresh run to the next (see the module
    docstring); elsewhere, and with ``disable=True``, it is tqdm's own."""
    if disable or not issubclass(tqdm, notebook.tqdm):
        return tqdm(total=total, desc=desc, disable=disable, **kwargs)
    key = f"{desc}|{total}"
    _bars_made[key] += 1
    serial = _bars_made[key]

    def ids(part: str) -> str:
        return hashlib.sha256(f"progress|{key}|{serial}|{part}".encode()).hexdigest()[:32]

    return _NotebookBar(total=total, desc=desc, ids=ids, **kwargs)
