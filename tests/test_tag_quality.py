"""Tagging quality on the sample site: precision and recall against hand-made labels.

``tests/data/labelled_tags.yaml`` labels every story of the sample briefings with its
companies (canonical tickers or ``name:<slug>``) and topics (slugs). The content goes through
the real stages (load, split, tag) and the scores are printed, so a run shows how close the
tagger is as well as whether it passes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from site_builder.config import load_config
from site_builder.model import Site, Story
from site_builder.pipeline import load_site
from site_builder.report import Reporter

REPO_ROOT = Path(__file__).resolve().parent.parent
LABELS = REPO_ROOT / "tests" / "data" / "labelled_tags.yaml"

# (kind, minimum precision, minimum recall)
BARS = (
    ("companies", 0.95, 0.90),
    ("topics", 0.85, 0.85),
)


@dataclass(frozen=True, slots=True)
class Score:
    """Counts of one kind of tag over the labelled stories."""

    true_positives: int
    false_positives: int
    false_negatives: int
    misses: tuple[str, ...]  # one line per story that differs, for the failure message

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


@pytest.fixture(scope="module")
def sample_site() -> Site:
    config, _ = load_config(REPO_ROOT)
    return load_site(config, Reporter(verbosity=0, stream=io.StringIO()))


@pytest.fixture(scope="module")
def labels() -> list[dict[str, object]]:
    return yaml.safe_load(LABELS.read_text(encoding="utf-8"))


def _story_for(site: Site, label: dict[str, object]) -> Story:
    matches = [story for story in site.stories
               if story.source.path == label["file"] and story.title == label["headline"]]
    assert len(matches) == 1, f"label matches {len(matches)} stories: {label['headline']!r}"
    return matches[0]


def score(site: Site, labels: list[dict[str, object]], kind: str) -> Score:
    tp = fp = fn = 0
    misses = []
    for label in labels:
        story = _story_for(site, label)
        wanted = set(label[kind] or ())  # type: ignore[call-overload]
        found = set(getattr(story, kind))
        tp += len(found & wanted)
        fp += len(found - wanted)
        fn += len(wanted - found)
        if found != wanted:
            misses.append(f"{label['headline'][:60]!r}: extra {sorted(found - wanted)}, "  # type: ignore[index]
                          f"missing {sorted(wanted - found)}")
    return Score(tp, fp, fn, tuple(misses))


def test_every_labelled_story_exists_and_every_story_is_labelled(
        sample_site: Site, labels: list[dict[str, object]]) -> None:
    for label in labels:
        _story_for(sample_site, label)
    assert len(labels) == len(sample_site.stories)


@pytest.mark.parametrize(("kind", "min_precision", "min_recall"), BARS)
def test_tagging_meets_the_bar(sample_site: Site, labels: list[dict[str, object]], kind: str,
                               min_precision: float, min_recall: float) -> None:
    result = score(sample_site, labels, kind)
    print(f"\n{kind}: precision {result.precision:.3f}, recall {result.recall:.3f} "
          f"({result.true_positives} right, {result.false_positives} extra, "
          f"{result.false_negatives} missing)")
    print("\n".join(result.misses))
    assert result.precision >= min_precision, "\n".join(result.misses)
    assert result.recall >= min_recall, "\n".join(result.misses)
