"""The book's table of contents as data: the pages `_toc.yml` lists, which are notebooks, and
how many slider figures each notebook's sources create.

Used by the hygiene and browser tests and by the Makefile (``python tests/book_toc.py
--notebooks`` prints the notebooks in the toc, one path per line, for nbval and
``make notebooks``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TOC = ROOT / "_toc.yml"
PAGE_SUFFIXES = (".ipynb", ".md")


def toc_entries(toc: Path = TOC) -> list[str]:
    """Every ``root`` / ``file`` entry of a jb-book toc, in order, as written (no suffix)."""
    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    entries = [data["root"]]

    def walk(node: dict) -> None:
        for key in ("parts", "chapters", "sections"):
            for item in node.get(key) or []:
                if "glob" in item or "url" in item:
                    raise ValueError(f"{toc.name}: use explicit `file:` entries only; got {item}")
                if "file" in item:
                    entries.append(str(item["file"]))
                walk(item)

    walk(data)
    return entries


def page_files(entry: str) -> list[Path]:
    """The source files an entry can refer to (it should be exactly one)."""
    return [ROOT / f"{entry}{s}" for s in PAGE_SUFFIXES if (ROOT / f"{entry}{s}").is_file()]


def toc_notebooks(toc: Path = TOC) -> list[Path]:
    """The notebooks the toc lists, in toc order."""
    return [f for e in toc_entries(toc) for f in page_files(e) if f.suffix == ".ipynb"]


def slider_figures(notebook: Path) -> int:
    """How many ``SliderFigure(...)`` calls the notebook's code cells contain: the number of
    kernel-free slider players its committed outputs (hygiene test) and its built page
    (browser test) must show. Read from the *sources*, so that a slider whose output was
    cleared is missed, not silently dropped from the check."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    sources = ("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
               for c in cells if c["cell_type"] == "code")
    return sum(src.count("SliderFigure(") for src in sources)


if __name__ == "__main__":
    if sys.argv[1:] != ["--notebooks"]:
        sys.exit("usage: python tests/book_toc.py --notebooks")
    for nb in toc_notebooks():
        print(nb.relative_to(ROOT).as_posix())
