"""The package's layout rules (README, "The package"): subpackages depend only on those
before them, modules import only public names of other modules, imports sit at the top of
a module, and no ``assert`` is used as a runtime check."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "rnnlab"
#: each subpackage may import from the ones before it
ORDER = ["layers", "data", "train", "grad", "practice", "viz", "book"]
#: imported inside a function on purpose: only a live Jupyter kernel needs it
LAZY_OK = {"ipywidgets"}
MODULES = sorted(p for p in PKG.rglob("*.py"))


def _sub(path: Path) -> str | None:
    parts = path.relative_to(PKG).parts
    return parts[0] if len(parts) > 1 else None


def _imported_subpackage(path: Path, node: ast.ImportFrom) -> str | None:
    """The rnnlab subpackage a relative ``from ... import`` reaches, or None."""
    if node.level == 0:
        mod = node.module or ""
        return mod.split(".")[1] if mod.startswith("rnnlab.") else None
    here = path.relative_to(PKG).parts[:-1]  # () for rnnlab/x.py, ("grad",) for grad/x.py
    base = here[:len(here) - (node.level - 1)]
    target = list(base) + (node.module.split(".") if node.module else [])
    return target[0] if target and target[0] in ORDER else None


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_module_follows_the_layout_rules(path):
    tree = ast.parse(path.read_text())
    sub = _sub(path)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            problems.append(f"line {node.lineno}: assert used as a runtime check")
        if isinstance(node, ast.ImportFrom):
            target = _imported_subpackage(path, node)
            if sub in ORDER and target in ORDER and ORDER.index(target) > ORDER.index(sub):
                problems.append(f"line {node.lineno}: {sub}/ imports from {target}/, "
                                f"which comes after it")
            if node.level and node.module != "_checks" and not path.name == "__init__.py":
                private = [a.name for a in node.names if a.name.startswith("_")]
                if private:
                    problems.append(f"line {node.lineno}: imports private {private} from "
                                    f"another module")
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    names = [a.name for a in inner.names] if isinstance(inner, ast.Import) \
                        else [inner.module or ""]
                    if not all(n.split(".")[0] in LAZY_OK for n in names):
                        problems.append(f"line {inner.lineno}: import inside {node.name}()")
    assert not problems, "\n".join(problems)


def test_every_subpackage_exports_what_its_modules_export():
    import importlib

    for sub in ORDER:
        package = importlib.import_module(f"rnnlab.{sub}")
        for path in sorted((PKG / sub).glob("*.py")):
            if path.name.startswith("_"):  # __init__, and a subpackage's private helpers
                continue
            module = importlib.import_module(f"rnnlab.{sub}.{path.stem}")
            missing = [n for n in module.__all__ if getattr(package, n, None) is not
                       getattr(module, n)]
            assert not missing, f"rnnlab.{sub} does not export {missing} of {path.stem}"
