"""Progress bars for long computations: tqdm's, with widget ids that a fresh run repeats.

In Jupyter, tqdm draws its bar with ipywidgets, whose random ids would change a saved
notebook on every run; here they come from ``rnnlab._widget_ids``, keyed by the bar's
description and total, so a fresh Run All saves the same ids. Outside Jupyter this is
tqdm's text bar.
"""

from __future__ import annotations

from tqdm import notebook
from tqdm.auto import tqdm

from .._widget_ids import widget_ids, with_ids

__all__ = ["progress_bar"]


class _NotebookBar(notebook.tqdm):
    """tqdm's notebook bar, its widgets created with the ids in ``self._ids``."""

    def __init__(self, *args, ids, **kwargs):
        self._ids = ids  # read by status_printer, which tqdm calls from its __init__
        super().__init__(*args, **kwargs)

    def status_printer(self, _file, total=None, desc=None, ncols=None):
        from ipywidgets import HTML, FloatProgress

        ids = self._ids
        bar = with_ids(FloatProgress, ids, "bar", min=0, max=total or 1,
                       value=0 if total else 1)
        if not total:
            bar.bar_style = "info"  # tqdm's look for a bar without a total
        return with_ids(notebook.TqdmHBox, ids, "box",
                        children=[with_ids(HTML, ids, "left", value=desc or ""), bar,
                                  with_ids(HTML, ids, "right")])


def progress_bar(*, total: int, desc: str = "", disable: bool = False, **kwargs):
    """A tqdm bar over ``total`` units (``kwargs`` go to tqdm: ``unit``, ``leave``, ...).
    In Jupyter its widgets' ids repeat from one fresh run to the next (see the module
    docstring); elsewhere, and with ``disable=True``, it is tqdm's own."""
    if disable or not issubclass(tqdm, notebook.tqdm):
        return tqdm(total=total, desc=desc, disable=disable, **kwargs)
    return _NotebookBar(total=total, desc=desc, ids=widget_ids(f"progress|{desc}|{total}"),
                        **kwargs)
