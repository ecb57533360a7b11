"""The house rules a reader relies on, held by walking the package's source with ast."""

from __future__ import annotations

import ast

from conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "site_builder"
MAX_PARAMETERS = 6
"""More than this and a call reads as a list to match by position: pass a record instead."""


def parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Its parameters, keyword-only and starred ones counted, self and cls not."""
    args = function.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return [name for name in names if name not in ("self", "cls")]


def test_no_function_takes_more_than_six_parameters():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and len(parameters(node)) > MAX_PARAMETERS:
                found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno} {node.name} "
                             f"takes {len(parameters(node))}")
    assert found == []


def test_the_rule_counts_what_a_caller_must_match():
    tree = ast.parse("def f(self, a, b=1, *rest, c, d=2, **more): pass\n"
                     "def g(a, b, c, d, e, f): pass\n")
    f, g = (node for node in tree.body if isinstance(node, ast.FunctionDef))
    assert parameters(f) == ["a", "b", "c", "d", "rest", "more"]
    assert len(parameters(g)) == MAX_PARAMETERS


def test_no_module_holds_mutable_state_it_rebinds():
    """A module-level `global` rebinding is state shared by every build in the process."""
    found = [f"{path.relative_to(REPO_ROOT)}:{node.lineno}"
             for path in sorted(PACKAGE.rglob("*.py"))
             for node in ast.walk(ast.parse(path.read_text("utf-8")))
             if isinstance(node, ast.Global)]
    assert found == []


def test_the_tests_mirror_the_packages():
    """tests/<package>/ holds the tests of site_builder/<package>/, tests/site/ the whole-site
    ones, and a test module at tests/ top is named after a top-level module it tests: a test
    file put anywhere else would hide from the reader who looks for it by the layout."""
    tests = REPO_ROOT / "tests"
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    folders = {path.parent.relative_to(tests).parts[0] for path in tests.rglob("test_*.py")
               if path.parent != tests and "node_modules" not in path.parts}
    assert folders - packages == {"site"}, "a test folder that names no package"
    top = {path.stem.removeprefix("test_") for path in tests.glob("test_*.py")}
    assert top <= modules, f"tests at tests/ top that name no top-level module: {top - modules}"


def test_a_no_op_build_imports_none_of_the_stages():
    """The usual build changes nothing, and proves it from the files' names, sizes and times:
    the parsers, the tagger, the renderer, the feed writers, Pillow and the search indexer are
    imported by the stages that run them (pipeline.py), not by the command's start-up."""
    import subprocess
    import sys

    heavy = ("markdown_it", "feedgen", "lxml", "PIL", "css_inline", "wcwidth",
             "site_builder.output.pages", "site_builder.output.render",
             "site_builder.tagging.tag", "site_builder.search.indexer")
    code = ("import sys, site_builder.cli, site_builder.pipeline; "
            f"print(' '.join(m for m in {heavy!r} if m in sys.modules))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=REPO_ROOT).stdout.split()
    assert found == []
