"""Story bodies kept out of the site model, in the build cache, until a page or feed shows one.

A site of ten years holds some 55,000 bodies, two thirds of its model's bytes. Lists, keys
and plans never read them, yet every build unpickled them and every forked worker that
touched them got its own copy. So a build with a cache stores each parsed file's bodies in the
cache by the file's digest, and its stories carry no body: the incremental layer knows which
files' bodies are stored, under which digest (incremental/inputs.py FileFacts), and a build's
`Bodies` reads them back, in whichever process needs them, one file at a time. A `--no-cache`
build stores them in a throwaway cache; only `check`, which renders nothing, keeps them in its
stories.

Bodies are stored by content (the digest of the file they were parsed from), so a build never
reads another version of a file than the one it loaded, even while a preview server and a
build share the cache.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from site_builder.errors import BuildError
from site_builder.model import Briefing, Story, with_stories

FILES_KEPT = 64  # files' bodies a process keeps at hand: a day's pages come one after another
BUSY_TIMEOUT_SECONDS = 30.0
"""How long any connection to the cache waits for another's write (the cache's own, too)."""

StoredFile = dict[str, tuple[str, str]]  # story url -> (body Markdown, body HTML)


class BodyStore:
    """Reads stored bodies from the cache's SQLite file, with its own connection per process
    and thread (a forked worker must not use its parent's; serve renders pages on request in
    a thread of its own beside its build). The file is in WAL mode (cache.py): a read neither
    waits for the build's writes nor sees one half done."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self._local = threading.local()

    def bodies(self, digest: str) -> StoredFile:
        files = self._reader().files
        found = files.get(digest)
        if found is None:
            found = self._read(digest)
            files[digest] = found
            if len(files) > FILES_KEPT:
                files.popitem(last=False)
        else:
            files.move_to_end(digest)
        return found

    def _reader(self) -> _Reader:
        reader: _Reader | None = getattr(self._local, "reader", None)
        if reader is None or reader.pid != os.getpid():
            reader = self._local.reader = _Reader(os.getpid(), sqlite3.connect(
                self.database, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS))
        return reader

    def _read(self, digest: str) -> StoredFile:
        try:
            rows = self._reader().connection.execute(
                "SELECT url, markdown, html FROM bodies WHERE digest = ?", (digest,))
            return {url: (markdown, html) for url, markdown, html in rows}
        except sqlite3.Error as error:
            raise BuildError(f"build cache {self.database}: cannot read story bodies "
                             f"({error}); build again, or with --no-cache") from None


@dataclass
class _Reader:
    """One process's (and thread's) connection and the files' bodies it read last."""

    pid: int
    connection: sqlite3.Connection
    files: OrderedDict[str, StoredFile] = field(default_factory=OrderedDict)


class Bodies:
    """Where a build reads its stories' bodies: a story of a file whose bodies are stored
    (stored: its path -> the digest they are stored under) from the store, any other from
    itself. A build makes one (pipeline.py) and passes it down to what shows bodies: the
    tagger, views and feeds; forked workers get it in their state (workers.py), and the
    store opens its own connection in each."""

    def __init__(self, database: Path | None, stored: Mapping[str, str] | None = None) -> None:
        self._store = BodyStore(database) if database is not None else None
        self._stored = stored or {}

    def markdown(self, story: Story) -> str:
        digest = self._stored.get(story.source.path)
        return self._read(story, digest)[0] if digest else story.body_markdown

    def html(self, story: Story) -> str:
        digest = self._stored.get(story.source.path)
        return self._read(story, digest)[1] if digest else story.body_html

    def _read(self, story: Story, digest: str) -> tuple[str, str]:
        store = self._store
        found = store.bodies(digest).get(story.url) if store is not None else None
        if found is None:
            raise BuildError(f"{story.source}: the build cache lost this story's body (changed "
                             "by another build meanwhile?); build again, or with --no-cache")
        return found


INLINE = Bodies(None)
"""For stories that carry their bodies (check, and tests): it reads no store."""


def stored_rows(briefing: Briefing, digest: str) -> Iterable[tuple[str, str, str, str]]:
    """What the cache keeps of a briefing just parsed (its bodies in its stories): (digest,
    url, Markdown, HTML)."""
    return ((digest, story.url, story.body_markdown, story.body_html)
            for story in briefing.stories)


def lightened(briefing: Briefing) -> Briefing:
    """The briefing without its bodies, once they are stored (stored_rows)."""
    return with_stories((briefing,), (
        story._replace(body_markdown="", body_html="") for story in briefing.stories))[0]
