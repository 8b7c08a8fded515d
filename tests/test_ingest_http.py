"""The guarded HTTP client, against a real server on 127.0.0.1.

Also home of :func:`serve`, the small threaded server the other ingest tests use.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from storyline.ingest import FetchError, IngestOptions, fetch
from storyline.ingest.fetch import Fetcher


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_length: bool = True


Route = Reply | Callable[["Handler"], Reply]


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.server.hits.append((path, dict(self.headers.items())))
        route = self.server.routes.get(path)
        reply = Reply(404, b"not here") if route is None else route if isinstance(route, Reply) else route(self)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.content_length:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, Route]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = routes
        self.hits: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[Server]:
    server = Server(routes)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()


LOCAL = IngestOptions(timeout=5, allow_private=frozenset({"127.0.0.1"}))
HTML = {"Content-Type": "text/html; charset=utf-8"}


def test_fetches_an_allowed_local_page_with_user_agent() -> None:
    with serve({"/a": Reply(200, "<p>café</p>".encode(), HTML)}) as server:
        result = fetch(server.base + "/a", LOCAL)
    assert result.status == 200 and not result.not_modified
    assert result.content.decode() == "<p>café</p>"
    assert result.headers["content-type"].startswith("text/html")
    assert server.hits[0][1]["User-Agent"] == LOCAL.user_agent


def test_localhost_refused_by_default_before_any_request() -> None:
    with serve({"/a": Reply(200, b"secret")}) as server:
        port = server.server_address[1]
        hosts = ("127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "127.1", "2130706433")
        for url in [f"http://{host}:{port}/a" for host in hosts]:
            with pytest.raises(FetchError) as caught:
                fetch(url, IngestOptions(timeout=5))
            assert caught.value.reason.startswith("refused")
            assert "private" in caught.value.reason
        assert server.hits == []


def test_allowed_by_host_name_or_network() -> None:
    with serve({"/a": Reply(200, b"hello")}) as server:
        by_name = IngestOptions(timeout=5, allow_private=frozenset({"localhost"}))
        url = server.base.replace("127.0.0.1", "localhost") + "/a"
        assert fetch(url, by_name).content == b"hello"
        by_network = IngestOptions(timeout=5, allow_private=frozenset({"127.0.0.0/8"}))
        assert fetch(server.base + "/a", by_network).content == b"hello"


def test_host_name_checked_on_the_address_it_resolves_to(monkeypatch: pytest.MonkeyPatch) -> None:
    """A public-looking name whose DNS answer is loopback is refused at connect time."""
    real = socket.getaddrinfo

    def rebinding(host: str, *args: object, **kwargs: object) -> object:
        return real("127.0.0.1" if host == "news.example.com" else host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with serve({"/a": Reply(200, b"secret")}) as server:
        port = server.server_address[1]
        with pytest.raises(FetchError, match=r"refused: news\.example\.com resolves to a private"):
            fetch(f"http://news.example.com:{port}/a", IngestOptions(timeout=5))
        assert server.hits == []


def test_redirect_to_private_address_refused() -> None:
    with serve({}) as server:
        port = server.server_address[1]
        server.routes["/meta"] = Reply(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
        server.routes["/loop2"] = Reply(301, b"", {"Location": f"http://127.0.0.2:{port}/a"})
        server.routes["/a"] = Reply(200, b"secret")
        for path in ("/meta", "/loop2"):
            with pytest.raises(FetchError, match=r"^refused"):
                fetch(server.base + path, LOCAL)
        assert [hit[0] for hit in server.hits] == ["/meta", "/loop2"]


def test_redirects_followed_and_capped() -> None:
    routes: dict[str, Route] = {f"/r{i}": Reply(302, b"", {"Location": f"/r{i + 1}"}) for i in range(10)}
    routes["/r3"] = Reply(200, b"landed")
    with serve(routes) as server:
        result = fetch(server.base + "/r0", LOCAL)
        assert result.final_url == server.base + "/r3" and result.content == b"landed"
        with pytest.raises(FetchError, match="too many redirects"):
            fetch(server.base + "/r4", LOCAL)


def test_only_http_schemes() -> None:
    with (
        serve({"/f": Reply(302, b"", {"Location": "file:///etc/passwd"})}) as server,
        pytest.raises(FetchError, match="only http and https"),
    ):
        fetch(server.base + "/f", LOCAL)
    with pytest.raises(FetchError, match="only http and https"):
        fetch("ftp://example.com/x", LOCAL)


def test_http_404() -> None:
    with serve({}) as server, pytest.raises(FetchError) as caught:
        fetch(server.base + "/missing", LOCAL)
    assert caught.value.reason == "HTTP 404 Not Found" and caught.value.status == 404


def test_timeout() -> None:
    def slow(handler: Handler) -> Reply:
        handler.server.stopping.wait(10)
        return Reply(200, b"late")

    with serve({"/slow": slow}) as server, pytest.raises(FetchError, match=r"timed out after 0\.3 s"):
        fetch(server.base + "/slow", IngestOptions(timeout=0.3, allow_private=LOCAL.allow_private))


def test_oversize_download_stops_at_the_limit() -> None:
    big = b"x" * 5000
    options = IngestOptions(max_bytes=1000, timeout=5, allow_private=LOCAL.allow_private)
    routes: dict[str, Route] = {"/declared": Reply(200, big), "/streamed": Reply(200, big, content_length=False)}
    with serve(routes) as server:
        with pytest.raises(FetchError, match="too large: 5000 bytes, limit is 1000 bytes"):
            fetch(server.base + "/declared", options)
        with pytest.raises(FetchError, match="too large: more than 1000 bytes"):
            fetch(server.base + "/streamed", options)
        assert fetch(server.base + "/streamed", LOCAL).content == big


def test_unreachable() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(FetchError, match=r"^unreachable"):
        fetch(f"http://127.0.0.1:{port}/", LOCAL)


def test_conditional_get() -> None:
    def validated(handler: Handler) -> Reply:
        if handler.headers.get("If-None-Match") == '"v1"':
            return Reply(304)
        if handler.headers.get("If-Modified-Since") == "Mon, 08 Dec 2025 10:00:00 GMT":
            return Reply(304)
        return Reply(200, b"fresh", {"ETag": '"v1"', "Last-Modified": "Mon, 08 Dec 2025 10:00:00 GMT"})

    with serve({"/c": validated}) as server, Fetcher(LOCAL) as fetcher:
        first = fetcher.fetch(server.base + "/c")
        assert first.content == b"fresh" and first.headers["etag"] == '"v1"'
        by_etag = fetcher.fetch(server.base + "/c", etag=first.headers["etag"])
        by_date = fetcher.fetch(server.base + "/c", last_modified=first.headers["last-modified"])
        for again in (by_etag, by_date):
            assert again.not_modified and again.status == 304 and again.content == b""
