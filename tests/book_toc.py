"""The book's table of contents as data: the pages `_toc.yml` lists and which are notebooks.

Used by the hygiene test and by the Makefile (``python tests/book_toc.py --notebooks`` prints
the notebooks in the toc, one path per line, for nbval and ``make notebooks``).
"""

from __future__ import annotations

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


if __name__ == "__main__":
    if sys.argv[1:] != ["--notebooks"]:
        sys.exit("usage: python tests/book_toc.py --notebooks")
    for nb in toc_notebooks():
        print(nb.relative_to(ROOT).as_posix())
