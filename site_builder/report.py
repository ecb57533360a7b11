"""One reporter for progress, warnings and timings, so stages never print."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Reporter:
    """Verbosity 0 is -q (errors only), 1 normal, 2 -v (stage timings)."""

    def __init__(self, verbosity: int = 1, stream: TextIO | None = None) -> None:
        self.verbosity = verbosity
        self.stream = stream if stream is not None else sys.stderr
        self.warnings: list[str] = []
        self.timings: dict[str, float] = {}
        self._last_progress = 0.0
        self._progress_shown = False

    def info(self, message: str) -> None:
        if self.verbosity >= 1:
            print(message, file=self.stream, flush=True)

    def debug(self, message: str) -> None:
        if self.verbosity >= 2:
            print(message, file=self.stream, flush=True)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        if self.verbosity >= 1:
            print(f"warning: {message}", file=self.stream, flush=True)

    def error(self, message: str) -> None:
        print(f"error: {message}", file=self.stream, flush=True)

    def progress(self, stage: str, done: int, total: int) -> None:
        """One updating line on a terminal; nothing when output is piped or quiet."""
        if self.verbosity < 1 or not self.stream.isatty() or total < 1000:
            return
        now = time.monotonic()
        if done < total and now - self._last_progress < 0.1:
            return
        self._last_progress = now
        print(f"\r{stage}: {done}/{total} ({100 * done // total}%)", end="",
              file=self.stream, flush=True)
        self._progress_shown = True

    def progress_done(self) -> None:
        if self._progress_shown:
            print("\r\x1b[K", end="", file=self.stream, flush=True)
            self._progress_shown = False

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage; the benchmark reads these at -v to attribute time."""
        started = time.perf_counter()
        if self.verbosity >= 1 and self.stream.isatty():
            print(f"\r\x1b[K{name}…", end="", file=self.stream, flush=True)
            self._progress_shown = True
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            self.timings[name] = self.timings.get(name, 0.0) + elapsed
            self.progress_done()
            self.debug(f"stage {name}: {elapsed:.3f}s")
