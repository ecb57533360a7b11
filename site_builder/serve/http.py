"""The dev server's HTTP side: files from the preview folder only, plus the live-reload stream.

A URL path is percent-decoded once and refused if it holds a backslash or NUL or if any
segment starts with a dot (``..``, ``.``, hidden files); what is left is resolved, following
symlinks, and must still lie inside the preview folder. A refusal looks like any missing
page (404), so it reveals nothing.
"""

from __future__ import annotations

import mimetypes
import queue
import select
import socket
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from site_builder.errors import SiteBuilderError
from site_builder.output.feed_formats import MEDIA_TYPES
from site_builder.report import Reporter
from site_builder.serve.livereload import (
    EVENTS_URL,
    SCRIPT,
    SCRIPT_URL,
    LiveReload,
    describe,
    error_page,
    inject,
)
from site_builder.serve.ondemand import PLAN_WAIT_SECONDS, Fresh, OnDemand

MAX_URL_LENGTH = 2048
KEEPALIVE_SECONDS = 15.0
"""A comment line this often keeps proxies and browsers from timing an idle stream out."""
POLL_SECONDS = 1.0
"""How often an idle stream checks that its tab is still there, to free its slot soon."""
IDLE_SECONDS = 5.0
"""How long a connection may take to send its request: a slowloris client holds a thread."""
TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"
NOT_FOUND_PAGE = "404.html"
INDEX_PAGE = "index.html"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".xsl": "application/xslt+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}
"""Fixed here rather than guessed, because the system's mime.types differs between machines."""
FEED_TYPES = {
    **{name: f"{kind}; charset=utf-8" if kind.endswith("xml") else kind
       for name, kind in MEDIA_TYPES.items()},
    "rss.xml": "application/rss+xml; charset=utf-8",  # a feed name other generators use
}


def content_type(name: str) -> str:
    lowered = name.lower()
    if lowered in FEED_TYPES:
        return FEED_TYPES[lowered]
    suffix = Path(lowered).suffix
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    return mimetypes.guess_type(lowered)[0] or "application/octet-stream"


def url_parts(url_path: str) -> list[str] | None:
    """The path segments a URL path names, or None if it is refused (see the module doc)."""
    try:
        text = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return None
    if not text.startswith("/") or "\\" in text or "\x00" in text:
        return None
    parts = [part for part in text.split("/") if part]
    # "..", "." and hidden files alike: the build never writes a dot-name a page links to
    if any(part.startswith(".") for part in parts):
        return None
    return parts


def find_file(root: Path, url_path: str) -> Path | str | None:
    """The file a URL path names under root (resolved), a redirect target, or None.

    A folder named without its trailing slash gives the slash form as a str to redirect to.
    """
    parts = url_parts(url_path)
    if parts is None:
        return None
    target = _inside(root, root.joinpath(*parts))
    if target is None or not target.is_dir():
        return target if target is not None and target.is_file() else None
    if not unquote(url_path).endswith("/"):
        return _slash_form(parts)
    index = _inside(root, target / INDEX_PAGE)
    return index if index is not None and index.is_file() else None


def _slash_form(parts: list[str]) -> str:
    # rebuilt from the checked parts: "//evil.example" must not become an off-site link
    return quote("/" + "/".join(parts) + "/")


def _split_target(target: str) -> tuple[str, str]:
    """Path and query of a request target; "//x" is a path here, not a host as urlsplit has it."""
    if target.startswith("/"):
        path, _, query = target.partition("?")
        return path, query
    try:
        parts = urlsplit(target)  # absolute-form, as a proxy would send
    except ValueError:  # "http://[::1/": no path to find, so a 404
        return "", ""
    return parts.path, parts.query


def _inside(root: Path, path: Path) -> Path | None:
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a symlink loop, a name too long
        return None
    return resolved if resolved.is_relative_to(root) else None


class PreviewServer(ThreadingHTTPServer):
    """One thread per connection, daemonic so open event streams never block shutdown."""

    daemon_threads = True
    request_queue_size = 64  # tabs opening at once each fetch a page, styles and the stream
    site_root: Path

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily,
                 hub: LiveReload, reporter: Reporter) -> None:
        self.address_family = family
        self.hub = hub
        self.ondemand = OnDemand()
        self.reporter = reporter
        super().__init__(address, PreviewHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the tab closed or navigated away mid-answer
        self.reporter.error(f"site-builder crashed answering {client_address[0]}; this is a "
                            f"bug:\n{traceback.format_exc().rstrip()}")


class PreviewHandler(BaseHTTPRequestHandler):
    """GET and HEAD over the preview folder; the live-reload script and stream beside it."""

    server: PreviewServer
    server_version = "site-builder-serve"
    timeout = IDLE_SECONDS

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        self.server.reporter.debug(f"{self.address_string()} {format % args}")

    def _answer(self, send_body: bool) -> None:
        if len(self.path) > MAX_URL_LENGTH:
            self._text(414, "URL too long\n", send_body)
            return
        path, query = _split_target(self.path)
        hub = self.server.hub
        if path == SCRIPT_URL:
            self._send(200, CONTENT_TYPES[".js"], SCRIPT.encode(), send_body)
            return
        if path == EVENTS_URL:
            self._stream(send_body)
            return
        if self._fresh(path, query, send_body):
            return
        # not a page of the first build's plan: wait for its feeds, search index or 404 page
        has_site = hub.has_site or hub.wait_for_site(PLAN_WAIT_SECONDS)
        generation = hub.generation  # before reading a file, so a page is never labelled newer
        if not has_site:
            report = hub.report
            if report is None:
                self._text(503, "the first build is still running; reload in a moment\n",
                           send_body)
            else:
                self._send(500, HTML, error_page(report, generation),
                           send_body)
            return
        found = find_file(self.server.site_root, path)
        if isinstance(found, str):
            self._send(301, TEXT, b"", send_body,
                       location=found + (f"?{query}" if query else ""))
            return
        if found is not None and self._file(200, found, generation, send_body):
            return
        if not self._file(404, self.server.site_root / NOT_FOUND_PAGE, generation, send_body):
            self._text(404, "not found\n", send_body)

    def _fresh(self, path: str, query: str, send_body: bool) -> bool:
        """Answered from the build in flight (ondemand.py), if it has this file."""
        parts = url_parts(path)
        if parts is None:
            return False
        ondemand = self.server.ondemand
        joined = "/".join(parts)
        relative = f"{joined}/{INDEX_PAGE}" if joined and path.endswith("/") else \
            joined or INDEX_PAGE
        generation = self.server.hub.generation  # before rendering, as for files
        try:
            fresh = ondemand.find(relative)
        except SiteBuilderError as error:  # a template error on this very page
            self._send(500, HTML, error_page(describe(error), generation), send_body)
            return True
        if fresh is not None:
            return self._send_fresh(fresh, relative, generation, send_body)
        if not path.endswith("/") and ondemand.has(f"{joined}/{INDEX_PAGE}"):
            self._send(301, TEXT, b"", send_body,
                       location=_slash_form(parts) + (f"?{query}" if query else ""))
            return True
        if not relative.endswith(".html") or not ondemand.has(NOT_FOUND_PAGE):
            return False  # feeds, the search index: the last build's until this one is in
        # every page the build writes is in its plan: an older build's is gone
        missing = ondemand.find(NOT_FOUND_PAGE)
        if missing is None or missing.data is None:
            return False
        self._send(404, HTML, inject(missing.data, generation), send_body)
        return True

    def _send_fresh(self, fresh: Fresh, relative: str, generation: str,
                    send_body: bool) -> bool:
        if fresh.data is not None:  # a page: HTML, or an edition's email.txt
            kind = content_type(relative)
            data = fresh.data
            if kind == HTML:
                self.server.hub.viewed(relative)
                data = inject(data, generation)
            self._send(200, kind, data, send_body)
            return True
        assert fresh.source is not None
        return self._file(200, fresh.source, generation, send_body)

    def _file(self, status: int, path: Path, generation: str, send_body: bool) -> bool:
        try:
            data = path.read_bytes()  # whole: pages need the script put in, sites are small
        except OSError:  # gone in a rebuild's swap, or never there
            return False
        kind = content_type(path.name)
        if kind == HTML:
            data = inject(data, generation)
            if status == 200 and path.is_relative_to(self.server.site_root):
                self.server.hub.viewed(path.relative_to(self.server.site_root).as_posix())
        self._send(status, kind, data, send_body)
        return True

    def _text(self, status: int, message: str, send_body: bool) -> None:
        self._send(status, TEXT, message.encode(), send_body)

    def _send(self, status: int, kind: str, data: bytes, send_body: bool, *,
              location: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if location:
            self.send_header("Location", location)
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def _stream(self, send_body: bool) -> None:
        """Server-Sent Events until the tab goes away or the server stops."""
        stream = self.server.hub.connect() if send_body else None
        if send_body and stream is None:
            self._text(503, "too many live-reload connections\n", send_body)
            return
        self.close_connection = True
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if stream is None:
                return
            self.wfile.write(b"retry: 1000\n\n")  # reconnect fast when the server restarts
            idle = 0.0
            while True:
                try:
                    message = stream.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    idle += POLL_SECONDS
                    if self._client_gone():
                        return
                    if idle < KEEPALIVE_SECONDS:
                        continue
                    message = ": keep-alive\n\n"
                if message is None:
                    return
                idle = 0.0
                self.wfile.write(message.encode())
        except (ConnectionError, TimeoutError):
            pass
        finally:
            if stream is not None:
                self.server.hub.disconnect(stream)

    def _client_gone(self) -> bool:
        """A closed connection reads as end-of-file; a tab never sends on its event stream."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True
