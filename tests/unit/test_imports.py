"""The package's layering, read from the source (every import, also those
inside functions): no import cycle, the store never reads its readers, and
the framework-free cores never import CKAN or Flask."""
from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2] / "ckanext" / "keck_homeless"
PACKAGE = "ckanext.keck_homeless"

#: package → what it may never import (besides the rule of no cycles)
FORBIDDEN = {
    "store": ("ogc", "finder", "print", "exchange", "views", "partners", "plugin", "cli"),
    "offers": ("store", "ogc", "finder", "print", "exchange", "views", "partners", "plugin"),
    "ogc": ("finder", "print", "exchange", "views", "partners", "plugin", "cli"),
}
#: packages that run without CKAN (tests/unit and tests/offers use them bare)
FRAMEWORK_FREE = ("offers", "ogc", "store/published.py", "store/derive.py", "store/model.py")


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join([PACKAGE, *parts])


def _imports(path: pathlib.Path) -> set[str]:
    """Every module ``path`` imports (absolute names, any nesting level)."""
    name = _module_name(path)
    is_pkg = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
            found.update(f"{mod}.{a.name}" for a in node.names)  # `from pkg import module`
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in ROOT.rglob("*.py") if "migration" not in p.parts}
    return {m: {i for i in _imports(p) if i in modules and i != m} for m, p in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles(graph):
    # package __init__ modules re-exporting their children are not cycles
    # worth a name; there are none here, so the rule is strict
    assert _cycles(graph) == []


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_never_import_upwards(graph, package):
    prefix = f"{PACKAGE}.{package}"
    bad = sorted(f"{m} → {i}" for m, imps in graph.items() if m.startswith(prefix)
                 for i in imps for up in FORBIDDEN[package]
                 if i == f"{PACKAGE}.{up}" or i.startswith(f"{PACKAGE}.{up}."))
    assert bad == []


@pytest.mark.parametrize("part", FRAMEWORK_FREE)
def test_framework_free_cores_never_import_ckan_or_flask(part):
    paths = [ROOT / part] if part.endswith(".py") else sorted((ROOT / part).rglob("*.py"))
    bad = sorted(f"{p.relative_to(ROOT)} → {i}" for p in paths for i in _imports(p)
                 if i.split(".")[0] in ("ckan", "flask", "click")
                 and not i.startswith("ckanext."))
    assert bad == []


def test_the_checks_see_a_cycle():
    """The cycle finder itself finds a cycle (so the first test can fail)."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
