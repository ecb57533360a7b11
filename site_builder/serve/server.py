"""The ``serve`` verb: a private preview build, served locally and rebuilt on every save.

The preview is built into ``.site-builder-cache/serve/<port>-<settings>/`` under the site,
never into ``output/``, so a preview with drafts can't leak into what gets published. The
folder is named by what its bytes depend on besides the site (the URL it is served at, which
pages carry in links and feeds, and whether drafts are in) and is kept when serve stops, so
the next start is an incremental build into it: a no-op when nothing changed. (Serving the
last ``output/`` build instead would show the published base URL in every link and feed, and
is never right with drafts.)

Serving starts at once. Each build runs in the background and, once it has planned the pages,
answers page requests from its plan (ondemand.py) while it writes the rest: the pages open in
tabs are rendered first and the tabs reload, then the build finishes and is swapped in. A save
during a build stops it at its next chunk of pages and starts a new one. Watchdog reports
changes to content, themes, templates, static files and site.toml; once a burst of saves has
been quiet for QUIET_SECONDS the site is rebuilt. A failed build leaves the last good one
served and shows its problems over the page. Each rebuild holds the site's lock
(incremental/lock.py) as a ``build`` does, since they share the cache: one waits for the
other, saying so.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import ipaddress
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import traceback
import webbrowser
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FrameType

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from site_builder.config import CONFIG_NAME, SiteConfig, load_config
from site_builder.errors import ContentError, SiteBuilderError, UsageError
from site_builder.incremental.lock import hold_site_lock
from site_builder.output.templates import BUNDLED_THEMES
from site_builder.pipeline import BuildOptions, PagePlan, run_build
from site_builder.report import Reporter
from site_builder.serve.http import PreviewServer
from site_builder.serve.livereload import LiveReload
from site_builder.serve.ondemand import OnDemand, restyled

CACHE_DIR = ".site-builder-cache"
QUIET_SECONDS = 0.15
"""How long the files must stay unchanged before a rebuild: an editor's save is a burst."""
MAX_WAIT_SECONDS = 2.0
"""Rebuild anyway this long after the first change, even if files keep changing."""
_CHANGE_EVENTS = frozenset({"created", "modified", "deleted", "moved"})
GATE_ENV = "SITE_BUILDER_SERVE_GATE"
"""For tests: while the file this names exists, a build pauses after planning (see check)."""


class BuildCancelled(Exception):
    """A save came during a build: it stops, nothing is swapped in, and a new one starts."""


def run_server(config: SiteConfig, reporter: Reporter, *, host: str = "127.0.0.1",
               port: int = 8000, open_browser: bool = False,
               options: BuildOptions | None = None) -> int:
    """Build, serve and rebuild until Ctrl-C; a port in use is a UsageError. options: its
    drafts and as_of are the preview's (as_of default: the clock at each rebuild); the folder,
    workers and cache are serve's own."""
    drafts = options is not None and options.drafts
    hub = LiveReload(token=f"{os.getpid():x}{time.time_ns() % 0xFFFFFF:x}")
    server = _listen(host, port, hub, reporter)
    port = server.server_address[1]  # --port 0 asks the system for a free one
    url = f"http://{_url_host(host)}:{port}/"
    output = _preview_folder(config, port, url, drafts)
    server.site_root = output.resolve()
    observer = Observer()
    preview = Preview(dataclasses.replace(config, base_url=url), reporter, hub, observer,
                      dataclasses.replace(options or BuildOptions(), output=output),
                      server.ondemand)
    if not _is_loopback(host):
        reporter.warn(f"listening on {host or 'every address'}: anyone who can reach this "
                      f"machine can read the preview{', drafts included' if drafts else ''}")
    restore_sigterm = _stop_on_sigterm()
    try:
        observer.start()  # before the first build, so a save during it is not lost
        preview.start()  # the first build, in the background: pages are rendered on request
        reporter.info(f"serving {url}{' with drafts' if drafts else ''}; "
                      "rebuilding on change; press Ctrl-C to stop")
        if open_browser:  # some browsers block until closed when run from a terminal
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        server.serve_forever()
    except KeyboardInterrupt:
        reporter.info("stopped")
    finally:
        hub.close()
        preview.stop()
        server.ondemand.close()
        observer.stop()
        server.server_close()
        with contextlib.suppress(RuntimeError):
            observer.join(timeout=5)
        if not preview.use_cache:  # a temporary folder: the next start can't find it
            shutil.rmtree(output.parent, ignore_errors=True)
        restore_sigterm()
    return 0


class Preview:
    """The private build serve shows, rebuilt once each burst of changes has settled."""

    def __init__(self, config: SiteConfig, reporter: Reporter, hub: LiveReload,
                 observer: BaseObserver, options: BuildOptions, ondemand: OnDemand) -> None:
        """options: the build's, its output the preview's folder."""
        output = options.output or config.output_path
        self.config = config
        self._reporter = reporter
        self._hub = hub
        self._observer = observer
        # A site whose cache folder cannot be written is previewed from a temporary folder
        # (_preview_folder), without a cache. One process: forking beside the server's
        # threads could deadlock a worker.
        self.use_cache = output.is_relative_to((config.root / CACHE_DIR).absolute())
        self._options = dataclasses.replace(options, output=output, jobs=1,
                                            use_cache=self.use_cache, hooks=self)
        self._ondemand = ondemand
        self._ondemand.building()  # requests wait for the first build's plan, or its end
        self._cancel = threading.Event()
        self._refreshed = False  # the tabs reloaded onto this round's pages already
        self._last_plan: PagePlan | None = None  # the newest build's, for restyled()
        self._root = config.root.resolve()
        self._config_file = self._root / CONFIG_NAME
        self._config_stale = False
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._changed: set[Path] = set()
        self._first_change = self._last_change = 0.0
        self._folders: tuple[Path, ...] = ()
        self._watches: dict[Path, tuple[int, ObservedWatch]] = {}
        self._handler = _Changes(self)
        self._thread = threading.Thread(target=self._run, name="rebuild", daemon=True)

    def start(self) -> None:
        """Starts the first build, and the rebuilds after it, in the background."""
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)  # a build stops at its next chunk, or swaps

    def planned(self, plan: PagePlan) -> None:
        """The build's pages are planned (pipeline.BuildHooks): render the open tabs' pages
        now and reload the tabs; the build renders the rest and swaps them in later."""
        self._last_plan = plan
        self._ondemand.planned(plan)
        if not self._refreshed:  # else restyled() showed the tabs these very bytes
            self._show_open_pages()

    def _show_open_pages(self) -> None:
        with contextlib.suppress(SiteBuilderError):  # a template error: the page shows it
            self._ondemand.render_first(self._hub.open_pages())
        self._refreshed = True
        self._hub.refreshed()

    def _restyle(self, changed: Iterable[Path]) -> None:
        """Only the theme changed: show the open tabs the last plan under the new theme now,
        before the build has taken the lock or loaded the content."""
        plan = self._last_plan and restyled(self._last_plan, changed)
        if plan is not None:
            self._ondemand.planned(plan)
            self._show_open_pages()

    def check(self) -> None:
        """Between chunks of the build's work: stop it if a save came meanwhile."""
        gate = os.environ.get(GATE_ENV)
        while gate and os.path.exists(gate) and not self._cancelled():
            time.sleep(0.02)
        if self._cancelled():
            raise BuildCancelled

    def changed(self, path: Path) -> None:
        """Called from the watcher's thread for every file event."""
        if not self._relevant(path):
            return
        with self._lock:
            now = time.monotonic()
            if not self._changed:
                self._first_change = now
            self._changed.add(path)
            self._last_change = now
            self._cancel.set()  # a build running now is stale: it stops at its next chunk
            self._wake.set()

    def build(self, changed: Iterable[Path] = ()) -> bool:
        """One rebuild; True if it succeeded. Problems go to the terminal and the open tabs."""
        changed = sorted(changed)
        try:
            try:
                if self._config_stale or self._config_file in changed:
                    self._config_stale = True
                    self.config = self._load_config()
                    self._config_stale = False
            finally:
                self._watch(self.config)
            # Each rebuild holds the site's lock, as a build does: they share the cache.
            with hold_site_lock(self.config, self._reporter, command="preview build"):
                if not self._refreshed:
                    self._ondemand.building()
                summary = run_build(self.config, self._reporter, self._options, [])
        except BuildCancelled:
            self._ondemand.settled(pending=not self._stopping.is_set())  # the next one's plan
            self._reporter.info(f"{self._describe(changed)}changed again during the build; "
                                "starting over")
            return False
        except SiteBuilderError as error:
            self._ondemand.settled()
            self._report_failure(error, changed)
            self._hub.failed(error)
            return False
        # a bug, shown as one, but the last good site stays up and the next save retries
        except Exception as error:  # noqa: BLE001
            self._ondemand.settled()
            self._reporter.error("site-builder crashed while building; this is a bug:\n"
                                 + traceback.format_exc().rstrip())
            self._hub.failed(error)
            return False
        self._ondemand.settled()  # the folder holds every page now
        self._hub.built(reload=not self._refreshed)
        self._reporter.info(f"{self._describe(changed)}{summary}")
        return True

    def _cancelled(self) -> bool:
        return self._cancel.is_set() or self._stopping.is_set()

    def _run(self) -> None:
        self._cancel.clear()
        self._refreshed = False
        self.build()
        while True:
            self._wake.wait()
            if self._stopping.is_set():
                return
            while True:
                with self._lock:
                    now = time.monotonic()
                    wait = min(self._last_change + QUIET_SECONDS,
                               self._first_change + MAX_WAIT_SECONDS) - now
                    if wait <= 0:
                        changed, self._changed = self._changed, set()
                        self._wake.clear()
                        self._cancel.clear()  # these changes are this build's
                        break
                if self._stopping.wait(wait):
                    return
            self._refreshed = False
            try:
                self._restyle(changed)
            except OSError as error:  # a static file gone meanwhile: the build will say
                self._reporter.debug(f"no quick preview: {error}")
            except Exception:  # noqa: BLE001 (a bug: shown, and the build still runs)
                self._reporter.error("site-builder crashed rendering the open pages; this is "
                                     "a bug:\n" + traceback.format_exc().rstrip())
            self.build(changed)

    def _load_config(self) -> SiteConfig:
        config, warnings = load_config(self.config.root, {"base_url": self.config.base_url})
        for warning in warnings:
            self._reporter.warn(warning)
        return config

    def _watch(self, config: SiteConfig) -> None:
        """Watch every folder the build reads; re-watch one that was deleted and recreated."""
        folders = dict.fromkeys(folder.resolve() for folder in (
            config.content_path, config.root / config.themes_dir, BUNDLED_THEMES,
            config.root / config.templates_dir, config.root / config.static_dir))
        self._folders = tuple(folders)
        # the site folder itself, not recursively: site.toml, and a templates/ created later
        wanted = {self._root: False, **dict.fromkeys(folders, True)}
        for folder, (inode, watch) in list(self._watches.items()):
            if folder not in wanted or _inode(folder) != inode:
                with contextlib.suppress(KeyError, OSError):
                    self._observer.unschedule(watch)
                del self._watches[folder]
        for folder, recursive in wanted.items():
            if folder in self._watches or not folder.is_dir():
                continue
            try:
                watch = self._observer.schedule(self._handler, str(folder), recursive=recursive)
            except OSError as error:
                self._reporter.warn(f"cannot watch {folder} ({error.strerror or error}); "
                                    "changes there will not rebuild the preview")
                continue
            self._watches[folder] = (_inode(folder), watch)

    def _relevant(self, path: Path) -> bool:
        """Editor swap and backup files, dot-files and anything the build skips don't count."""
        for folder in self._folders:
            if path.is_relative_to(folder):
                parts = path.relative_to(folder).parts
                return not any(part.startswith(".") for part in parts) \
                    and not _is_scratch(path.name)
        return path == self._config_file or path in self._folders

    def _describe(self, changed: list[Path]) -> str:
        if not changed:
            return ""
        names = [os.path.relpath(path, self._root) for path in changed[:3]]
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        return f"{', '.join(names)}{more} changed; "

    def _report_failure(self, error: SiteBuilderError, changed: list[Path]) -> None:
        if isinstance(error, ContentError):
            for problem in error.problems:
                self._reporter.error(str(problem))
        else:
            self._reporter.error(str(error))
        self._reporter.error(f"{self._describe(changed)}the build failed; " + (
            "still serving the last good build" if self._hub.has_site else
            "serving an error page until it builds"))


class _Changes(FileSystemEventHandler):
    """Passes file changes on to the preview; opening and reading files (the build) is not one."""

    def __init__(self, preview: Preview) -> None:
        self._preview = preview

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGE_EVENTS or (
                event.is_directory and event.event_type == "modified"):
            return
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path:
                self._preview.changed(Path(os.fsdecode(path)))


def _listen(host: str, port: int, hub: LiveReload, reporter: Reporter) -> PreviewServer:
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is not a port number (0 to 65535)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return PreviewServer((host, port), family, hub, reporter)
    except socket.gaierror as error:
        raise UsageError(f"cannot listen on {host}: {error.strerror}") from None
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} is in use; try --port {port + 1}") from None
        if error.errno in (errno.EACCES, errno.EPERM):
            raise UsageError(f"not allowed to listen on port {port}; ports below 1024 need "
                             "privileges, try --port 8000") from None
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def _stop_on_sigterm() -> Callable[[], object]:
    """SIGTERM (timeout, systemd, a test's cleanup) stops as cleanly as Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signal handlers can only be set from the main thread

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    return lambda: signal.signal(signal.SIGTERM, previous)


def _preview_folder(config: SiteConfig, port: int, url: str, drafts: bool) -> Path:
    """Named by the settings its bytes depend on, so the next start on the same port finds
    it (an incremental build), and two servers on one site never build over each other."""
    settings = hashlib.sha256(f"{url}\n{drafts}".encode()).hexdigest()[:12]
    folder = config.root / CACHE_DIR / "serve" / f"{port}-{settings}"
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only site can still be previewed
        folder = Path(tempfile.mkdtemp(prefix="site-builder-serve-")) / "site"
    return folder.absolute()


def _url_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_scratch(name: str) -> bool:
    # vim's .swp and its 4913 probe, emacs' #autosave#, backup files~, atomic-save temps
    return name.endswith(("~", ".swp", ".swx", ".tmp")) or name.startswith("#") \
        or name == "4913"


def _inode(folder: Path) -> int:
    try:
        return folder.stat().st_ino
    except OSError:
        return -1
