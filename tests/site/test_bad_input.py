"""The bad-input corpus: every broken or odd input, built through the real command line.

Each case in tests/bad_input/ is one content file (put in content/briefings/2025/) or a small
folder laid over the site; tests/bad_input/expected.yaml says what a build of a site holding it
must do: fail naming ``path:line`` and the problem, warn, or build cleanly. Whatever the case:
no traceback, and a failed build leaves the previous ``output/`` byte-for-byte as it was.
All cases build at once in a session fixture (each in its own process), then each is checked.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ONE_DAY, TESTS_DIR, tree_bytes, write_site

CORPUS = TESTS_DIR / "bad_input"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (CORPUS / "expected.yaml").read_text(encoding="utf-8"))
CASE_FOLDER = "content/briefings/2025"
BASE = {f"{CASE_FOLDER}/2025-03-27.md": ONE_DAY,
        # two topics, not the default table's 26: a smaller site builds faster
        "content/_data/topics.yaml": "- {name: Chips, slug: chips, keywords: [chip, 芯片]}\n"
                                     "- {name: Robots, slug: robots, keywords: [robot]}\n"}
# What a symlink case may point at: a good briefing beside the site, outside it.
OUTSIDE = "---\ndate: 2025-04-20\n---\n\n## Leaked\n\n### Leaked story\n\nSecret text.\n"
SAFE_SEGMENT = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def five_megabyte_story() -> bytes:
    paragraph = "Chip and robot orders rose again, and 芯片 shipments with them. " * 16
    body = "\n\n".join([paragraph] * (5 * 1024 * 1024 // len(paragraph.encode()) + 1))
    return (f"---\ndate: 2025-04-02\n---\n\n## Market dynamics\n\n### A very long story\n\n"
            f"Goertek (002241.SZ) and BYD (002594.SZ) lead.\n\n{body}\n").encode()


GENERATED: dict[str, Callable[[], bytes]] = {"story_5mb.md": five_megabyte_story}
"""Cases made by the test instead of committed (5 MB has no place in the repository)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    returncode: int
    stderr: str
    output_untouched: bool
    output_paths: tuple[str, ...]


def committed_cases() -> set[str]:
    return {path.name for path in CORPUS.iterdir() if path.name != "expected.yaml"}


def test_every_case_has_an_expected_outcome_and_every_outcome_a_case():
    assert committed_cases() | set(GENERATED) == set(EXPECTED)


def lay_case(name: str, site: Path) -> None:
    if name in GENERATED:
        (site / CASE_FOLDER / name).write_bytes(GENERATED[name]())
    elif (CORPUS / name).is_dir():
        shutil.copytree(CORPUS / name, site, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copyfile(CORPUS / name, site / CASE_FOLDER / name)


def build_case(name: str, base: Path, root: Path) -> Outcome:
    site = root / "site"
    shutil.copytree(base / "content", site / "content")
    shutil.copytree(base / "output", site / "output")
    (root / "outside.md").write_text(OUTSIDE, encoding="utf-8")
    lay_case(name, site)
    before = tree_bytes(base / "output")
    result = subprocess.run([sys.executable, "-m", "site_builder", "build", "--site", "."],
                            cwd=site, capture_output=True, text=True, timeout=600, check=False)
    after = tree_bytes(site / "output")
    return Outcome(result.returncode, result.stderr, after == before, tuple(sorted(after)))


@pytest.fixture(scope="session")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every case built once, several at a time: each build is a process of its own."""
    base = write_site(tmp_path_factory.mktemp("bad-input-base") / "site", BASE)
    first = subprocess.run([sys.executable, "-m", "site_builder", "build", "-q", "--site", "."],
                           cwd=base, capture_output=True, text=True, timeout=300, check=False)
    assert first.returncode == 0, first.stderr
    names = sorted(EXPECTED)
    roots = [tmp_path_factory.mktemp(f"bad-{index}") for index in range(len(names))]
    with ThreadPoolExecutor(max_workers=max(2, len(os.sched_getaffinity(0)))) as pool:
        results = pool.map(build_case, names, [base] * len(names), roots)
        return dict(zip(names, results, strict=True))


def lines_of(stderr: str, kind: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(f"{kind}: ")]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_case(case: str, outcomes: dict[str, Outcome]):
    expected, outcome = EXPECTED[case], outcomes[case]
    assert "Traceback" not in outcome.stderr, outcome.stderr
    if expected["outcome"] == "error":
        assert outcome.returncode == 1, outcome.stderr
        errors = [line for line in lines_of(outcome.stderr, "error")
                  if line.startswith(f"error: {expected['where']}: ")]
        assert errors, f"no error at {expected['where']}:\n{outcome.stderr}"
        assert expected["words"] in errors[0], outcome.stderr
        assert outcome.output_untouched
        return
    assert outcome.returncode == 0, outcome.stderr
    assert not lines_of(outcome.stderr, "error"), outcome.stderr
    # only warnings about the content count: not a missing optional tool, say
    warnings = [line for line in lines_of(outcome.stderr, "warning") if "content/" in line]
    if expected["outcome"] == "warning":
        assert any(expected["words"] in line for line in warnings), outcome.stderr
    else:
        assert expected["outcome"] == "clean" and not warnings, outcome.stderr
    for path in expected.get("files", ()):
        assert path in outcome.output_paths, f"{path} was not written"
    for path in outcome.output_paths:  # every folder a headline or name became is safe
        for segment in path.split("/")[:-1]:
            assert SAFE_SEGMENT.fullmatch(segment) and len(segment) <= 90, path
