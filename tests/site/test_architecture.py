"""The package's layers, as site_builder/__init__.py declares them: no module imports from a
layer above its own or from a sibling package of its layer, and no two modules import each
other in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import REPO_ROOT

import site_builder

PACKAGE = REPO_ROOT / "site_builder"


def declared_layers() -> list[tuple[str, list[str]]]:
    """(layer name, its top-level parts), top layer first, from the package docstring."""
    layers = []
    for line in (site_builder.__doc__ or "").splitlines():
        name, colon, parts = line.strip().partition(":")
        if colon and line.startswith("    ") and parts.strip():
            layers.append((name, [part.strip() for part in parts.split(",")]))
    return layers


def part_of(module: str) -> str:
    """The top-level part of the package a module belongs to: 'output' for output.views."""
    return module.split(".")[0]


def unit_of(module: str) -> str:
    """What a module belongs to for the rule: its package, or for a top-level module its
    layer (the core's modules import each other freely)."""
    part = part_of(module)
    if (PACKAGE / part).is_dir():
        return part
    return next((name for name, parts in LAYERS if part in parts), part)


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE).with_suffix("")
    parts = [part for part in relative.parts if part != "__init__"]
    return ".".join(parts) or "__init__"


def imports_of(path: Path) -> set[str]:
    """Every site_builder module the file imports, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "site_builder":
                found.update(alias.name for alias in node.names if alias.name != "__version__")
            elif node.module.startswith("site_builder."):
                found.add(node.module.removeprefix("site_builder."))
        elif isinstance(node, ast.Import):
            found.update(alias.name.removeprefix("site_builder.") for alias in node.names
                         if alias.name.startswith("site_builder."))
    return found


GRAPH = {module_name(path): imports_of(path) for path in sorted(PACKAGE.rglob("*.py"))}
LAYERS = declared_layers()
RANK = {unit: rank for rank, (name, parts) in enumerate(LAYERS)
        for unit in (parts if (PACKAGE / parts[0]).is_dir() else [name])}


def test_the_docstring_declares_every_part_once():
    parts = [part for _, layer in LAYERS for part in layer]
    assert len(parts) == len(set(parts))
    present = {part_of(module) for module in GRAPH} - {"__init__"}
    assert present == set(parts), "add new modules and packages to the table"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_a_module_imports_only_its_own_package_and_the_layers_below(module: str):
    if module == "__init__":
        return
    own = unit_of(module)
    wrong = sorted(
        imported for imported in GRAPH[module]
        if unit_of(imported) != own and RANK.get(unit_of(imported), -1) <= RANK[own])
    assert not wrong, f"site_builder.{module} may not import {wrong}"


def test_no_modules_import_each_other_in_a_circle():
    known = {module: {m for m in imported if m in GRAPH} for module, imported in GRAPH.items()}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in visiting:
            circle = visiting[visiting.index(module):] + [module]
            raise AssertionError("import circle: " + " -> ".join(circle))
        if module in done:
            return
        visiting.append(module)
        for imported in sorted(known[module]):
            visit(imported)
        visiting.pop()
        done.add(module)

    for module in sorted(known):
        visit(module)


def test_each_package_says_what_it_owns_and_may_import():
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text("utf-8"))) or ""
        assert "May import:" in doc, f"{init}: its docstring must say what it may import"
