"""The fetch timeout is a wall-clock deadline over connect, headers, body and redirects.

A server on 127.0.0.1 sends its answer a byte at a time, each byte well within
httpx's per-read timeout: only a deadline over the whole fetch stops it.  The
server stops by itself (after its bytes, or when the test ends).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from storyline.ingest import FetchError, IngestOptions
from storyline.ingest.fetch import Fetcher

ALLOW = frozenset({"127.0.0.1"})
GAP = 0.2  # seconds between bytes: far below the timeout, so each read succeeds


def _dribble(conn: socket.socket, payload: bytes, stop: threading.Event, *, head: int) -> None:
    """Send the first ``head`` bytes at once, the rest one byte per ``GAP``."""
    with conn:
        conn.settimeout(5)
        try:
            conn.recv(65536)  # the request
            conn.sendall(payload[:head])
            for index in range(head, len(payload)):
                if stop.wait(GAP):
                    return
                conn.sendall(payload[index:index + 1])
        except OSError:
            return  # the client gave up: what the test wants


@contextmanager
def dribbling_server(payload: bytes, *, head: int = 0) -> Iterator[str]:
    stop = threading.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    threads: list[threading.Thread] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=_dribble, args=(conn, payload, stop), kwargs={"head": head}, daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        acceptor.join(5)
        listener.close()
        for thread in threads:
            thread.join(5)


def _timed_fetch(url: str, timeout: float) -> tuple[float, FetchError]:
    options = IngestOptions(timeout=timeout, allow_private=ALLOW)
    started = time.monotonic()
    with Fetcher(options) as fetcher, pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    return time.monotonic() - started, caught.value


def test_slow_headers_stop_at_the_deadline() -> None:
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: " + b"a" * 200 + b"\r\n\r\n<p>hi</p>"
    with dribbling_server(answer) as url:
        elapsed, error = _timed_fetch(url, 1.0)
    assert error.reason == "timed out after 1 s"
    assert elapsed < 2.0, f"a 1 s timeout held {elapsed:.1f} s"


def test_slow_body_stops_at_the_deadline() -> None:
    body = b"<p>" + b"x" * 300 + b"</p>"
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    head = answer.index(b"\r\n\r\n") + 4 + 10
    with dribbling_server(answer, head=head) as url:
        elapsed, error = _timed_fetch(url, 1.0)
    assert error.reason == "timed out after 1 s"
    assert elapsed < 2.0, f"a 1 s timeout held {elapsed:.1f} s"


def test_a_fast_answer_is_read_whole_and_the_next_fetch_gets_a_new_deadline() -> None:
    body = b"<p>fine</p>"
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    with dribbling_server(answer, head=len(answer)) as url:
        options = IngestOptions(timeout=0.5, allow_private=ALLOW)
        with Fetcher(options) as fetcher:
            assert fetcher.fetch(url).content == body
            time.sleep(0.6)  # past the first fetch's deadline: the second has its own
            assert fetcher.fetch(url).content == body


def test_a_resolver_that_hangs_stops_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo
    release = threading.Event()

    def hanging(host: str, *args: object, **kwargs: object) -> object:
        if host == "slow-dns.example":
            release.wait(10)  # a resolver that does not answer (released when the test ends)
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    try:
        elapsed, error = _timed_fetch("http://slow-dns.example/", 0.5)
    finally:
        release.set()
    assert error.reason == "timed out after 0.5 s"
    assert elapsed < 1.5, f"a 0.5 s timeout held {elapsed:.1f} s"
