"""Live reload for ``serve``: the event channel to open tabs, its script and the error page.

Only the dev server uses this module; nothing here is ever written into a built site. Pages
get ``<script src="/__livereload.js" defer>`` added as they are served (the site's CSP allows
same-origin scripts only, so nothing is inline). The script listens to Server-Sent Events at
``/__livereload``: ``hello`` and ``reload`` carry the build's generation (a tab reloads when
its page is from another one), ``error`` carries the problems of a failed build as JSON.
"""

from __future__ import annotations

import html
import json
import queue
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, TypeAlias

from site_builder.errors import ContentError, Problem, SiteBuilderError

SCRIPT_URL = "/__livereload.js"
EVENTS_URL = "/__livereload"
MAX_CLIENTS = 64
"""Open event streams at once; each holds a server thread, so a runaway page can't pile up."""
VIEWED_PAGES = 8
"""How many of the pages served last a rebuild renders first: the tabs open on the site."""

Stream: TypeAlias = "queue.SimpleQueue[str | None]"

SCRIPT = """\
// site-builder serve: reloads this tab when the site is rebuilt; never part of a built site.
(() => {
  "use strict";
  const me = document.currentScript;
  const generation = me ? me.dataset.generation : undefined;
  const OVERLAY = "site-builder-overlay";
  let state = {};  // the leader's latest news, for tabs that open after it arrived

  function handle(type, data) {
    if (type === "hello" || type === "reload") {
      state = {generation: data.generation};
      if (data.generation !== generation) location.reload();
    } else if (type === "error") {
      state.error = data;
      showOverlay(data);
    }
  }

  // Text only (textContent): a message may quote hostile content from the file.
  function showOverlay(data) {
    hideOverlay();
    const box = document.createElement("div");
    box.id = OVERLAY;
    box.setAttribute("role", "alert");
    Object.assign(box.style, {
      position: "fixed", inset: "0", zIndex: "2147483647", overflow: "auto",
      background: "rgba(24, 24, 27, 0.94)", color: "#fafafa", padding: "2rem",
      font: "15px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    });
    const title = document.createElement("h2");
    title.textContent = data.title;
    const list = document.createElement("ul");
    for (const problem of data.problems) {
      const item = document.createElement("li");
      item.textContent = problem.text;
      item.style.whiteSpace = "pre-wrap";
      list.append(item);
    }
    const note = document.createElement("p");
    note.textContent = "Still serving the last good build. Save a fix and this page reloads.";
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "Dismiss";
    close.addEventListener("click", hideOverlay);
    box.append(title, list, note, close);
    (document.body || document.documentElement).append(box);
  }

  function hideOverlay() {
    const old = document.getElementById(OVERLAY);
    if (old) old.remove();
  }

  function listen(onEvent) {
    const source = new EventSource("__EVENTS_URL__");
    for (const type of ["hello", "reload", "error"]) {
      source.addEventListener(type, (event) => onEvent(type, JSON.parse(event.data)));
    }
  }

  // A browser opens at most six HTTP/1.1 connections to a host, so one stream per tab would
  // hang the seventh tab. One tab (holding a Web Lock) listens and tells the rest.
  if (navigator.locks && window.BroadcastChannel) {
    const channel = new BroadcastChannel("site-builder-livereload");
    let leader = false;
    channel.onmessage = (event) => {
      if (event.data.type === "ask") {
        if (leader && state.generation !== undefined) {
          channel.postMessage({type: "hello", data: {generation: state.generation}});
          if (state.error) channel.postMessage({type: "error", data: state.error});
        }
      } else {
        handle(event.data.type, event.data.data);
      }
    };
    navigator.locks.request("site-builder-livereload", () => new Promise(() => {
      leader = true;
      listen((type, data) => {
        channel.postMessage({type, data});
        handle(type, data);
      });
    }));
    channel.postMessage({type: "ask"});  // a reload may have gone out before this tab listened
  } else {
    listen(handle);
  }
})();
""".replace("__EVENTS_URL__", EVENTS_URL)


def script_tag(generation: str) -> bytes:
    return (f'<script src="{SCRIPT_URL}" data-generation="{html.escape(generation)}" defer>'
            "</script>").encode()


def inject(page: bytes, generation: str) -> bytes:
    """The page with the reload script added before its last ``</body>`` (or at the end)."""
    tag = script_tag(generation)
    at = page.lower().rfind(b"</body")
    return page + tag if at < 0 else page[:at] + tag + page[at:]


def describe(error: BaseException) -> dict[str, Any]:
    """A failed build as the overlay shows it: one ``path:line: message`` entry per problem."""
    if isinstance(error, ContentError):
        problems: Iterable[Problem] = error.problems
        title = "The site did not build: fix the content"
    elif isinstance(error, SiteBuilderError):
        problems = [Problem("", 0, str(error))]
        title = "The site did not build"
    else:
        problems = [Problem("", 0, f"{type(error).__name__}: {error}")]
        title = "site-builder crashed (a bug): the traceback is in the terminal"
    return {"title": title, "problems": [
        {"path": p.path, "line": p.line, "message": p.message, "hint": p.hint,
         "text": str(p) if p.path else p.message} for p in problems]}


def error_page(report: dict[str, Any], generation: str) -> bytes:
    """What every page shows while there has never been a good build."""
    items = "".join(f"<li>{html.escape(p['text'])}</li>\n" for p in report["problems"])
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Build failed · site-builder serve</title>\n</head>\n<body>\n"
        f"<h1>{html.escape(report['title'])}</h1>\n<ul>\n{items}</ul>\n"
        "<p>Save a fix and this page reloads by itself.</p>\n</body>\n</html>\n")
    return inject(page.encode(), generation)


def _event(name: str, data: dict[str, Any]) -> str:
    # json.dumps escapes newlines inside strings, so the payload stays on one data: line
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class LiveReload:
    """The open event streams and the build state they are told about, behind one lock."""

    def __init__(self, token: str, max_clients: int = MAX_CLIENTS) -> None:
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
        self._streams: set[Stream] = set()
        self._max = max_clients
        self._token = token
        self._count = 0
        self._built = False
        self._report: dict[str, Any] | None = None
        self._viewed: OrderedDict[str, None] = OrderedDict()

    @property
    def generation(self) -> str:
        """Names the build being served; it differs between server runs as well as builds."""
        with self._lock:
            return f"{self._token}-{self._count}"

    @property
    def has_site(self) -> bool:
        """A build has been written to the preview folder."""
        with self._lock:
            return self._built

    def wait_for_site(self, timeout: float) -> bool:
        """Waits (at most timeout) until a build is written or one has failed; has_site."""
        with self._settled:
            self._settled.wait_for(lambda: self._built or self._report is not None, timeout)
            return self._built

    def viewed(self, page: str) -> None:
        """A page (its output path) was served: a tab shows it, until other pages push it out.

        One tab listens for all (the script's leader), so the streams alone can't tell which
        pages are open; the pages served last can.
        """
        with self._lock:
            self._viewed[page] = None
            self._viewed.move_to_end(page)
            while len(self._viewed) > VIEWED_PAGES:
                self._viewed.popitem(last=False)

    def open_pages(self) -> list[str]:
        """The pages tabs were served last, newest first."""
        with self._lock:
            return list(reversed(self._viewed))

    @property
    def report(self) -> dict[str, Any] | None:
        """The failed build's problems (see describe), or None after a good build."""
        with self._lock:
            return self._report

    def connect(self) -> Stream | None:
        """A new stream, primed with the current state; None when too many are open."""
        stream: Stream = queue.SimpleQueue()
        with self._lock:
            if len(self._streams) >= self._max:
                return None
            # primed under the lock, so a build finishing meanwhile can't slip between
            stream.put(_event("hello", {"generation": f"{self._token}-{self._count}"}))
            if self._report is not None:
                stream.put(_event("error", self._report))
            self._streams.add(stream)
        return stream

    def disconnect(self, stream: Stream) -> None:
        with self._lock:
            self._streams.discard(stream)

    def built(self, *, reload: bool = True) -> None:
        """A good build is in place: every tab reloads, unless (reload=False) it was told to
        already when the build's pages could first be rendered on request (refreshed)."""
        with self._lock:
            self._built = True
            self._settled.notify_all()
            if reload or self._report is not None:
                self._reload()

    def refreshed(self) -> None:
        """The build in flight answers page requests (ondemand.py): every tab reloads."""
        with self._lock:
            self._reload()

    def _reload(self) -> None:
        self._count += 1
        self._report = None
        self._send(_event("reload", {"generation": f"{self._token}-{self._count}"}))

    def failed(self, error: BaseException) -> None:
        """A build failed: every tab shows the problems over the last good page."""
        with self._lock:
            self._report = describe(error)
            self._settled.notify_all()
            self._send(_event("error", self._report))

    def close(self) -> None:
        """Ends every stream, so their threads return before the server closes."""
        with self._lock:
            self._send(None)
            self._streams.clear()

    def _send(self, message: str | None) -> None:
        for stream in self._streams:
            stream.put(message)
