"""The package, its tests and its benchmark stay ruff-clean, and the package mypy-clean (strict),
as style.md asks."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO_ROOT


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600,
                          check=False)


def test_ruff_is_clean():
    pytest.importorskip("ruff")
    result = run(sys.executable, "-m", "ruff", "check", "site_builder", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean():
    pytest.importorskip("mypy")
    result = run(sys.executable, "-m", "mypy", "site_builder")
    assert result.returncode == 0, result.stdout + result.stderr
