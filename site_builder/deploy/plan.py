"""The plan: what to upload and what to delete, from the site's manifest and the target's.

The target keeps the manifest of what it holds (written by the deploy that put it there)
and, while a deploy runs, the list of paths that deploy may have touched (pending). A path
is sent when its hash differs from the target's manifest or it is pending (a deploy killed
midway may have sent it, or not); a path is deleted when the target's manifest or pending
list has it and the site no longer does. Only files a deploy put there are ever deleted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from site_builder.deploy.headers import RANKS, kind_rule, pretty_path


@dataclass(frozen=True, slots=True)
class TargetState:
    """What a target says it holds."""

    files: Mapping[str, str] = field(default_factory=dict)
    """path -> sha256 of each file the target is known to hold."""
    pending: frozenset[str] = frozenset()
    """Paths an unfinished deploy may have changed: their state at the target is unknown."""
    headers: str = ""
    """The Headers.key() the files were sent with."""


@dataclass(frozen=True, slots=True)
class Upload:
    path: str
    kind: str
    digest: str
    new: bool
    """Not at the target before (else: changed)."""


@dataclass(frozen=True, slots=True)
class Plan:
    uploads: tuple[Upload, ...]
    """In upload order: by rank of kind (headers.RANKS), then by path."""
    deletes: tuple[str, ...]
    unchanged: int
    files: Mapping[str, str]
    """The site's manifest: what the target holds once the plan is carried out."""

    @property
    def empty(self) -> bool:
        return not self.uploads and not self.deletes

    def counts(self, *, done: bool = False) -> str:
        """"12 uploaded (3 new, 9 changed: 2 story, 1 day, ...), 0 deleted, 586 unchanged"."""
        new = sum(upload.new for upload in self.uploads)
        kinds = Counter(upload.kind for upload in self.uploads)
        by_kind = ", ".join(f"{kinds[kind]} {kind}" for kind in sorted(kinds, key=_rank))
        upload, delete = ("uploaded", "deleted") if done else ("to upload", "to delete")
        return (f"{len(self.uploads)} {upload} ({new} new, {len(self.uploads) - new} changed"
                f"{': ' + by_kind if by_kind else ''}), {len(self.deletes)} {delete}, "
                f"{self.unchanged} unchanged")


def make_plan(site: Mapping[str, str], target: TargetState, *, headers: str,
              force: bool = False) -> Plan:
    """Compare the site's manifest with the target's; force (or other headers) sends all."""
    resend = force or target.headers != headers
    uploads = []
    unchanged = 0
    for path, digest in site.items():
        if resend or path in target.pending or target.files.get(path) != digest:
            uploads.append(Upload(path, kind_rule(path).kind, digest, path not in target.files))
        else:
            unchanged += 1
    uploads.sort(key=lambda upload: (RANKS[upload.kind], upload.path))
    deletes = sorted((target.files.keys() | target.pending) - site.keys())
    return Plan(tuple(uploads), tuple(deletes), unchanged, site)


def changed_urls(plan: Plan, base_url: str) -> list[str]:
    """The public URL of every file uploaded or deleted, as readers and caches ask for it
    (a folder's URL for its index.html), for a CDN purge."""
    base = base_url.rstrip("/") + "/"
    paths = [upload.path for upload in plan.uploads] + list(plan.deletes)
    return [base + quote(pretty_path(path), safe="/") for path in paths]


def _rank(kind: str) -> int:
    return RANKS[kind]
