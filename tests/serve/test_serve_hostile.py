"""The dev server under hostile requests, sent as raw bytes (test_serve.py has the polite ones).

Encoded and double-encoded ``..``, backslashes, NUL, absolute and malformed targets, 100 KB
URLs, header floods, garbage instead of HTTP, and 200 connections at once, half of them
slowloris-style idlers: the server stays up, answers a normal request afterwards, never shows
a byte from outside its preview folder, and never logs a crash.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import ONE_DAY, write_site
from test_serve import SECRET, Server, start_server

from site_builder.serve.http import IDLE_SECONDS

TIMEOUT = 20.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("hostile-serve")
    (root / "outside.txt").write_text(f"{SECRET}\n", encoding="utf-8")
    site = write_site(root / "site", {"content/briefings/2025/2025-03-27.md": ONE_DAY,
                                      "site.toml": f'title = "Hostile"\n# {SECRET}\n'})
    started = start_server(site, root / "serve.log")
    (started.preview.parent / "secret.txt").write_text(SECRET, encoding="utf-8")
    yield started
    started.kill()
    assert "crashed" not in started.log() and "Traceback" not in started.log(), started.log()


def exchange(server: Server, data: bytes, *, timeout: float = TIMEOUT) -> bytes:
    """Send raw bytes, read until the server closes the connection (or time runs out)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as connection:
        try:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
        except OSError:  # the server hung up mid-send: it refused what it had read
            pass
        chunks = []
        try:
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


def status(answer: bytes) -> int:
    line = answer.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 and line[1].isdigit() else 0


def get(target: bytes, extra: bytes = b"") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + \
        extra + b"\r\n"


def assert_still_serving(server: Server) -> None:
    answer = exchange(server, get(b"/"))
    assert status(answer) == 200 and b"Hostile" in answer


TRAVERSALS = [
    b"/../../../../../../etc/passwd", b"/..%2f..%2f..%2fetc%2fpasswd", b"..%2f..%2fsite.toml",
    b"/%2e%2e/%2e%2e/site.toml", b"/%2e%2e%2f%2e%2e%2fsite.toml", b"/%252e%252e%252fsite.toml",
    b"/%25252e%25252e/site.toml", b"/%c0%ae%c0%ae/%c0%ae%c0%ae/site.toml",
    b"/%e0%80%ae%e0%80%ae/site.toml", b"/\xef\xbc\x8e\xef\xbc\x8e/site.toml",
    b"/%ef%bc%8e%ef%bc%8e/site.toml", b"/..\\..\\site.toml", b"/%5c..%5c..%5csite.toml",
    b"/static/..%5c..%5c..%5csecret.txt", b"/..;/..;/site.toml", b"/.%2e/.%2e/site.toml",
    b"/%2e./%2e./site.toml", b"/...../site.toml", b"/../secret.txt", b"/%2e%2e/secret.txt",
    b"/index.html%00/../../site.toml", b"/%00../../site.toml", b"/a\x00/../../site.toml",
    b"/etc/passwd", b"//etc/passwd", b"///etc/passwd", b"/%2f%2fetc%2fpasswd",
    b"/proc/self/environ", b"/%2fproc%2fself%2fenviron", b"C:\\Windows\\win.ini",
    b"/C:/Windows/win.ini", b"file:///etc/passwd", b"http://127.0.0.1/../../site.toml",
    b"http://[::1/site.toml", b"http://evil.example:99999999/../../etc/passwd", b"*",
    b"/static/style.css/../../../site.toml", b"/static/style.css%00.html", b"/.site-builder",
    b"/%2esite-builder", b"/?../../site.toml", b"/#/../../site.toml",
    b"/" + b"../" * 2000 + b"etc/passwd", b"/" + b"a/" * 4000,
]


@pytest.mark.parametrize("target", TRAVERSALS, ids=range(len(TRAVERSALS)))
def test_hostile_targets_get_nothing_from_outside(server: Server, target: bytes):
    answer = exchange(server, get(target))
    assert status(answer) in (200, 301, 400, 403, 404, 414), answer[:200]  # 200: "/?..", "/#.."
    assert SECRET.encode() not in answer and b"root:" not in answer
    if status(answer) == 301:  # a folder's slash form: on this site, never anywhere else
        location = next(line for line in answer.split(b"\r\n")
                        if line.lower().startswith(b"location:"))
        assert location.split(b":", 1)[1].strip().startswith(b"/")
        assert not location.split(b":", 1)[1].strip().startswith(b"//")


MALFORMED = [
    b"", b"\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET / FOO/1.1\r\n\r\n",
    b"GET /\x00 HTTP/1.1\r\n\r\n", b"\x00" * 1024, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999\r\n\r\n",
    b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", b"DELETE /index.html HTTP/1.1\r\n\r\n",
    b"CONNECT 127.0.0.1:22 HTTP/1.1\r\n\r\n", b"OPTIONS * HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: " + b"a" * 70_000 + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"".join(b"X-Flood-%d: x\r\n" % i for i in range(500)) + b"\r\n",
    b"GET / HTTP/1.1\r\n" + b"Cookie: " + b"c=1; " * 20_000 + b"\r\n\r\n",
    b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n",
    b"GET /" + b"%2e" * 40_000 + b" HTTP/1.1\r\n\r\n",
    b"GET /__livereload?" + b"x" * 3000 + b" HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: \xff\xfe\r\nX: \x00\r\n\r\n",
    b"GET /\xff\xfe\xfd HTTP/1.1\r\n\r\n", b"GET /%ff%fe%fd HTTP/1.1\r\n\r\n",
    b"GET /%ud800 HTTP/1.1\r\n\r\n", b"GET /%ed%a0%80 HTTP/1.1\r\n\r\n",
]


@pytest.mark.parametrize("request_bytes", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_requests_are_refused_and_the_server_stays_up(server: Server,
                                                                request_bytes: bytes):
    answer = exchange(server, request_bytes)
    assert SECRET.encode() not in answer
    # an HTTP/0.9-style request gets its error page without a status line
    assert answer == b"" or status(answer) in (200, 400, 404, 405, 414, 431, 501, 505) or \
        answer.startswith(b"<!DOCTYPE HTML>") and b"Error response" in answer, answer[:300]
    assert_still_serving(server)


def test_two_hundred_connections_some_idle_leave_it_answering(server: Server):
    idle = []
    try:
        for number in range(100):  # slowloris: a request that never ends
            connection = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
            connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " +
                               str(number).encode())
            idle.append(connection)
        assert_still_serving(server)
        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(lambda _: status(exchange(server, get(b"/"))), range(100)))
        assert answers == [200] * 100
    finally:
        for connection in idle:
            connection.close()
    assert_still_serving(server)


def test_an_idle_connection_is_dropped_after_a_while(server: Server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and then nothing
        started = time.monotonic()
        try:
            while connection.recv(65536):
                pass
        except ConnectionResetError:
            pass
        assert time.monotonic() - started < IDLE_SECONDS + 10
    assert_still_serving(server)


def test_the_preview_folder_itself_is_all_it_shows(server: Server):
    preview = Path(server.preview)
    assert (preview / "index.html").is_file()
    for target in (b"/secret.txt", b"/../secret.txt", b"/%2e%2e/secret.txt",
                   b"/" + str(server.port).encode() + b"/../secret.txt"):
        assert SECRET.encode() not in exchange(server, get(target))
