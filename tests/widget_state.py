"""The ipywidgets state a notebook saves, reduced to the widgets its outputs show.

Executing a notebook with ``store_widget_state`` saves the state of every widget the kernel
still holds, and leaves an old state in place when a run makes no widget at all; so a page
that once had a slider kept its models after the slider was gone. ``make notebooks`` runs
this file on each notebook it executes, keeping only the models that a widget view in the
outputs shows, directly or through a child, layout or style reference ("IPY_MODEL_<id>");
the hygiene test checks that no notebook holds any other.

    python tests/widget_state.py chapters/02_bptt.ipynb ...   # prune in place
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"
REF = "IPY_MODEL_"


def _refs(value) -> list[str]:
    """The model ids a widget's state refers to ("IPY_MODEL_<id>" strings, nested)."""
    if isinstance(value, str):
        return [value.removeprefix(REF)] if value.startswith(REF) else []
    if isinstance(value, dict):
        return [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []


def shown_models(nb: dict) -> set[str]:
    """The ids of the widget models the notebook's outputs show, with every model they
    refer to."""
    state = nb.get("metadata", {}).get("widgets", {}).get(STATE, {}).get("state", {})
    todo = [out["data"][VIEW]["model_id"] for cell in nb["cells"]
            for out in cell.get("outputs", []) if VIEW in out.get("data", {})]
    seen: set[str] = set()
    while todo:
        model = todo.pop()
        if model not in seen:
            seen.add(model)
            todo += _refs(state.get(model, {}).get("state", {}))
    return seen


def stale_models(nb: dict) -> list[str]:
    """The ids of saved models that no output shows."""
    state = nb.get("metadata", {}).get("widgets", {}).get(STATE, {}).get("state", {})
    return sorted(set(state) - shown_models(nb))


def prune(path: Path) -> int:
    """Drop the saved models of ``path`` that no output shows (and the whole widget
    metadata when none is left); returns how many were dropped. The file is rewritten only
    when something was dropped, in the format Jupyter writes."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    stale = stale_models(nb)
    if not stale:
        return 0
    widgets = nb["metadata"]["widgets"]
    state = widgets[STATE]["state"]
    for model in stale:
        del state[model]
    if not state:
        del nb["metadata"]["widgets"]
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(stale)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        dropped = prune(Path(name))
        if dropped:
            print(f"{name}: dropped the saved state of {dropped} widgets no output shows")
