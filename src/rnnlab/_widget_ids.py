"""Widget ids that a fresh run repeats: shared by the live sliders (viz) and the progress
bars (train).

ipywidgets gives every widget a random model id, saved with the notebook, so every run would
change a notebook nobody edited. Here the ids are hashed from a key that describes what is
shown and the number of views made with that key before in this process: the same in every
fresh run, new when a cell runs twice in one kernel (a live comm id is never reused).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping

__all__ = ["widget_ids", "with_ids"]

# How many views of each key this process has made. Model ids are comm ids, which live as
# long as the kernel, so the count of those handed out belongs to the process, like
# ipywidgets' own registry.
_views_made: Counter[str] = Counter()


def widget_ids(key: str) -> Callable[[str], str]:
    """The id function of a new view of ``key``: ``ids(part)`` is 32 hex digits (the form of
    a random comm id) hashed from the key, the view's serial number for that key in this
    process, and the widget's place in the view (``"image"``, ``"control.gamma.style"``)."""
    serial = _views_made[key]
    _views_made[key] += 1

    def ids(part: str) -> str:
        return hashlib.sha256(f"{key}|{serial}|{part}".encode()).hexdigest()[:32]

    return ids


def with_ids(cls, ids: Callable[[str], str], part: str, **kwargs):
    """``cls(**kwargs)`` with model id ``ids(part)``, and its ``layout`` and ``style`` (widgets
    too, which ipywidgets would otherwise create with random ids) built here as
    ``ids(part + ".layout")`` and ``ids(part + ".style")`` from the dicts given for them."""
    traits = cls.class_traits()
    for name in ("layout", "style"):
        if name in traits:
            given = kwargs.get(name) or {}
            if isinstance(given, Mapping):
                kwargs[name] = traits[name].klass(model_id=ids(f"{part}.{name}"), **given)
    return cls(model_id=ids(part), **kwargs)
