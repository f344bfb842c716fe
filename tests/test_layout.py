"""The package is built in wings by stage, and a wing imports only the wings below it.

Floors, from the bottom (README "Design in a few lines"):
base (``settings``, ``records``) ← ``reading`` ← ``extraction`` ← ``store`` ←
the verbs (``ingest``, ``documents``, ``query``, ``run``, ``corrections``) ←
``web``, ``training`` ← ``cli`` ← ``docmine_pipeline`` (the Prefect flows).
The test walks every import statement (function-level ones included) with
:mod:`ast`; it fails on any import from a higher floor, on Prefect imported by
the library, and on an import cycle between modules at import time.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "docmine"
PIPELINE = REPO / "pipeline"

#: wing (module name prefix) -> floor; the longest matching prefix wins
FLOORS = {
    "docmine": 0,  # the package's __init__ (lazy names only)
    "docmine.settings": 0, "docmine.records": 0,
    "docmine.reading": 1,
    "docmine.extraction": 2,
    "docmine.store": 3,
    "docmine.ingest": 4, "docmine.documents": 4, "docmine.query": 4, "docmine.run": 4,
    "docmine.corrections": 4, "docmine.accounts": 4,
    # deprecation shims for names the README documented before the move
    "docmine.extract": 4, "docmine.db": 4,
    "docmine.web": 5, "docmine.training": 5,
    "docmine.cli": 6,
    "docmine_pipeline": 7,
}


def floor_of(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in FLOORS:
            return FLOORS[key]
    raise KeyError(module)


def module_files() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    for path in PIPELINE.glob("*.py"):
        name = "docmine_pipeline" if path.stem == "__init__" else f"docmine_pipeline.{path.stem}"
        mods[name] = path
    return mods


def imports_of(module: str, path: Path, *, top_level_only: bool = False) -> list[tuple[str, int]]:
    """(imported module, line) for every import in ``path``; relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((target, node.lineno))
            # ``from docmine.store import db`` imports the submodule docmine.store.db
            for alias in node.names:
                found.append((f"{target}.{alias.name}", node.lineno))
    return found


MODULES = module_files()


def test_every_module_has_a_floor():
    assert [m for m in MODULES if not m.startswith(("docmine", "docmine_pipeline"))] == []
    for m in MODULES:
        floor_of(m)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_from_a_wing_above(module):
    mine = floor_of(module)
    upward = []
    for target, line in imports_of(module, MODULES[module]):
        if not target.startswith("docmine"):
            continue
        if target not in MODULES and target.rpartition(".")[0] in MODULES:
            target = target.rpartition(".")[0]  # ``from x import name``: the module is x
        if target not in MODULES:
            continue
        if floor_of(target) > mine:
            upward.append(f"line {line}: {target} (floor {floor_of(target)} > {mine})")
    assert upward == [], f"{module} imports from above its wing: {upward}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("docmine.") or m == "docmine"))
def test_library_never_imports_prefect(module):
    assert [t for t, _ in imports_of(module, MODULES[module]) if t.split(".")[0] == "prefect"] == []


def test_no_import_cycle_at_import_time():
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        targets = set()
        for target, _ in imports_of(module, path, top_level_only=True):
            if target in MODULES and target != module:
                targets.add(target)
        graph[module] = targets
    seen: dict[str, int] = {}
    cycles = []

    def visit(node, stack):
        seen[node] = 1
        for nxt in graph[node]:
            if seen.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt])
            elif nxt not in seen:
                visit(nxt, stack + [nxt])
        seen[node] = 2

    for m in sorted(graph):
        if m not in seen:
            visit(m, [m])
    # a package importing its own submodules is not a cycle worth reporting
    cycles = [c for c in cycles if not all(x.startswith(c[0] + ".") or x == c[0] for x in c[1:])]
    assert cycles == []


def test_wings_say_what_they_hold_and_may_import():
    for wing in ("reading", "extraction", "store"):
        doc = ast.get_docstring(ast.parse((SRC / wing / "__init__.py").read_text()))
        assert doc and "May import" in doc, wing
def test_deprecated_locations_still_work_and_warn():
    import importlib
    import sys
    import warnings

    for name, attr in (("docmine.db", "session_scope"), ("docmine.extract", "extract_text")):
        sys.modules.pop(name, None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mod = importlib.import_module(name)
        assert any(issubclass(w.category, DeprecationWarning) for w in caught), name
        assert callable(getattr(mod, attr))
    assert callable(sys.modules["docmine.extract"])  # the old module stays callable
    import subprocess
    code = ("import docmine; from docmine.extraction.extract import extract; "
            "from docmine.store.db import session_scope; "
            "assert docmine.extract is extract; assert docmine.session_scope is session_scope")
    subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code], check=True)
