"""A careful HTTP client: public addresses only, bounded in size, time and redirects.

Every connection is checked on the address it actually connects to: the host is
resolved once, each address is checked, and the socket is opened to that very
address (TLS still verifies the certificate against the host name).  A DNS answer
that changes between a check and a connect therefore cannot reach a private
address.  Redirects are followed here, one hop at a time, so every hop gets the
same checks, and every hop passes the fetcher's :class:`Gate` when it has one
(robots.txt, per-host limits: see :mod:`storyline.ingest.robots`).

A host that cannot be reached (its name does not resolve, the connection is
refused or times out, or a fetch runs out of time) is not asked again on that
port by the same fetcher for :data:`HOST_DOWN_FOR` seconds: each fetch to it
fails at once with the first failure's reason.  A feed of ten thousand entries whose pages all
live on a dead host then costs one timeout, not ten thousand.

The timeout is a wall-clock deadline over the whole fetch (name resolution,
connect, TLS, the request, the headers, the body and every redirect hop), counted from the moment
the first request goes out (a wait for the gate's turn is not counted).  httpx's
own timeouts are per read, so a server that sends one byte a second would hold
them for ever; here every socket operation gets at most the time left, and none
starts once it is gone.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

import httpcore
import httpx

from storyline.ingest.options import IngestOptions
from storyline.numbers import whole_number

MAX_REDIRECTS = 5
HOST_DOWN_FOR = 300.0  # seconds an unreachable host is not asked again by the same fetcher
ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/feed+json,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """A fetch that did not give content; ``reason`` is what a user reads."""

    def __init__(self, reason: str, status: int | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.headers = headers or {}  # of the response that failed, lower-case names


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    content: bytes = b""
    not_modified: bool = False

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv6 one (mapped, 6to4, NAT64), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IPAddress) -> bool:
    """True for a globally routable unicast address (embedded IPv4 addresses included)."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        return is_public(inner)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo is not None:
            return all(is_public(part) for part in ip.teredo)
        if ip.is_site_local:
            return False
    if (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    ):
        return False
    return ip.is_global


class AddressGuard:
    """Decides which hosts and addresses may be connected to."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self._hosts: set[str] = set()
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for item in allow:
            item = item.strip().lower()
            if not item:
                continue
            try:
                self._networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                self._hosts.add(item.rstrip("."))

    def address_allowed(self, ip: IPAddress) -> bool:
        if is_public(ip):
            return True
        candidates: list[IPAddress] = [ip]
        inner = _embedded_ipv4(ip)
        if inner is not None:
            candidates.append(inner)
        return any(c in net for c in candidates for net in self._networks if c.version == net.version)

    def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` that may be connected to; refuses when there are none."""
        name = host.strip("[]").lower().rstrip(".")
        try:
            infos = _getaddrinfo(name, port)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve host {host!r}: {exc}") from exc
        addresses: list[str] = []
        for info in infos:
            address = str(info[4][0])
            if address not in addresses:
                addresses.append(address)
        if name in self._hosts:
            return addresses
        allowed = [a for a in addresses if self.address_allowed(ipaddress.ip_address(a.split("%")[0]))]
        if not allowed:
            shown = ", ".join(addresses) or "no address"
            raise FetchError(
                f"refused: {host} resolves to a private or reserved address ({shown}); "
                "add it to STORYLINE_ALLOW_PRIVATE to allow it"
            )
        return allowed


class _Deadline(threading.local):
    """The deadline of the fetch running on this thread (monotonic seconds), if any."""

    at: float | None = None


_DEADLINE = _Deadline()


def _time_left(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` cut to what is left before this thread's deadline; ``error`` once it has passed."""
    if _DEADLINE.at is None:
        return timeout
    left = _DEADLINE.at - time.monotonic()
    if left <= 0:
        raise error("the fetch deadline has passed")
    return left if timeout is None else min(timeout, left)


def _getaddrinfo(name: str, port: int) -> list[Any]:
    """``socket.getaddrinfo``, given up when the fetch's deadline passes (a resolver can hang)."""
    left = _time_left(None, httpcore.ConnectTimeout)
    if left is None:
        return socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    answer: list[Any] = []
    failure: list[BaseException] = []

    def resolve() -> None:
        try:
            answer.extend(socket.getaddrinfo(name, port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)

    worker = threading.Thread(target=resolve, name="storyline-resolve", daemon=True)
    worker.start()
    worker.join(left)
    if worker.is_alive():
        raise httpcore.ConnectTimeout(f"resolving {name} took longer than the time left")
    if failure:
        raise failure[0]
    return answer


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, _time_left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> object:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Connects only to addresses the guard allows, by address, never by name."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        error: Exception | None = None
        for address in self._guard.resolve(host, port):
            try:
                stream = self._inner.connect_tcp(
                    address, port, _time_left(timeout, httpcore.ConnectTimeout), local_address, socket_options
                )
                return _DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise FetchError("refused: unix sockets are never fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process (loading the CA bundle is slow)."""
    return httpx.create_ssl_context()


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport with its connection pool on the guarded backend.

    httpx offers no public hook for the network backend, so the pool it built
    is swapped for one built the same way on :class:`_GuardedBackend`.  A test
    (loopback refused by default) fails if this ever stops taking effect.
    """

    def __init__(self, guard: AddressGuard) -> None:
        context = _ssl_context()
        super().__init__(verify=context)
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            http1=True,
            http2=False,
            network_backend=_GuardedBackend(guard),
        )


def _origin(url: httpx.URL) -> str:
    """``host:port`` of ``url``, the port spelled out."""
    return f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"


def _check_url(url: str, base: httpx.URL | None = None) -> httpx.URL:
    """``url`` (a redirect's location: made absolute against ``base``) as httpx reads it, or
    :class:`FetchError` saying why it is no address to fetch.  httpx raises more than
    ``InvalidURL`` on what a page or a server may give: an A-label that is no Punycode
    (``https://xn--/``) raises IDNAError, a UnicodeError, only when its host is read."""
    try:
        parsed = base.join(url) if base is not None else httpx.URL(url)
        host = parsed.host
    except (httpx.InvalidURL, TypeError, ValueError) as exc:  # UnicodeError is a ValueError
        raise FetchError(f"invalid URL {url!r}: {exc}") from exc
    if parsed.scheme not in ("http", "https"):
        raise FetchError(f"refused: only http and https URLs are fetched, not {parsed.scheme or 'no'} scheme")
    if not host:
        raise FetchError(f"invalid URL {url!r}: no host")
    return parsed


class Gate(Protocol):
    """Lets a request go out, or raises :class:`FetchError` with the reason it may not."""

    def request(self, url: str) -> AbstractContextManager[None]: ...


class Fetcher:
    """A reusable client; use as a context manager or call :meth:`close`.

    With a ``gate``, every request (each redirect hop) is made inside
    ``gate.request(url)``.  A fetcher may be shared between threads.
    """

    def __init__(self, options: IngestOptions, gate: Gate | None = None) -> None:
        self.options = options
        self.gate = gate
        self._client = httpx.Client(
            transport=_GuardedTransport(AddressGuard(options.allow_private)),
            timeout=httpx.Timeout(options.timeout),
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would bypass the address checks
            headers={"User-Agent": options.user_agent, "Accept": ACCEPT},
        )
        self._down: dict[str, tuple[float, str]] = {}  # host:port -> (until when, why), see HOST_DOWN_FOR
        self._down_lock = threading.Lock()

    def _check_host(self, host: str) -> None:
        """Raise :class:`FetchError` when ``host`` (host:port) failed recently (see :data:`HOST_DOWN_FOR`)."""
        with self._down_lock:
            down = self._down.get(host)
            if down is not None and down[0] <= time.monotonic():
                del self._down[host]
                down = None
        if down is not None:
            raise FetchError(f"{down[1]} (an earlier fetch from {host} failed so; not tried again yet)")

    def _host_failed(self, host: str, reason: str) -> FetchError:
        with self._down_lock:
            self._down[host] = (time.monotonic() + HOST_DOWN_FOR, reason)
        return FetchError(reason)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET ``url``; raises :class:`FetchError` with a clear reason when it cannot.

        The whole fetch, redirects included, ends within ``options.timeout`` seconds
        of its first request (see the module docstring).
        """
        outer = _DEADLINE.at  # a fetch made by the gate (robots.txt) inside another has its own deadline
        _DEADLINE.at = None
        try:
            return self._fetch(url, etag, last_modified)
        finally:
            _DEADLINE.at = outer

    def _fetch(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        timeout = self.options.timeout
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = _check_url(url)
        for _hop in range(MAX_REDIRECTS + 1):
            self._check_host(_origin(current))
            with self.gate.request(str(current)) if self.gate is not None else nullcontext():
                if _DEADLINE.at is None:
                    _DEADLINE.at = time.monotonic() + timeout
                elif time.monotonic() > _DEADLINE.at:
                    raise self._host_failed(_origin(current), f"timed out after {timeout:g} s")
                try:
                    with self._client.stream("GET", current, headers=headers) as response:
                        status = response.status_code
                        location = response.headers.get("location")
                        if status in _REDIRECTS and location:
                            current = _check_url(location, response.url)
                            continue
                        result_headers = {k.lower(): v for k, v in response.headers.items()}
                        if status == 304:
                            return FetchResult(url, str(response.url), status, result_headers, b"", True)
                        if status >= 400:
                            phrase = f" {response.reason_phrase}" if response.reason_phrase else ""
                            raise FetchError(f"HTTP {status}{phrase}", status, result_headers)
                        content = self._read(response)
                        return FetchResult(url, str(response.url), status, result_headers, content, False)
                except httpx.TimeoutException as exc:
                    raise self._host_failed(_origin(current), f"timed out after {timeout:g} s") from exc
                except httpx.ConnectError as exc:
                    raise self._host_failed(_origin(current), f"unreachable: {exc}") from exc
                except httpx.HTTPError as exc:
                    raise FetchError(f"network error: {exc}") from exc
                except (httpx.InvalidURL, ValueError) as exc:  # a redirect httpx reads but cannot follow (IDNAError)
                    raise FetchError(f"invalid URL in the response from {current}: {exc}") from exc
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})")

    def _read(self, response: httpx.Response) -> bytes:
        limit = self.options.max_bytes
        declared = whole_number(response.headers.get("content-length", ""), max_digits=30)
        if declared is not None and declared > limit:
            raise FetchError(f"too large: {declared} bytes, limit is {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(f"too large: more than {limit} bytes, limit is {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def fetch(
    url: str, options: IngestOptions, etag: str | None = None, last_modified: str | None = None
) -> FetchResult:
    """Fetch one URL with a client of its own (see :class:`Fetcher` for many)."""
    with Fetcher(options) as fetcher:
        return fetcher.fetch(url, etag, last_modified)


def guarded_client(options: IngestOptions) -> httpx.Client:
    """An httpx client held to the fetcher's rules: public addresses only (checked on the address
    connected to), no proxy from the environment, no redirects followed.  For requests that are
    not fetches, such as webhook deliveries."""
    return httpx.Client(
        transport=_GuardedTransport(AddressGuard(options.allow_private)),
        timeout=httpx.Timeout(options.timeout),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": options.user_agent},
    )


def check_public_url(url: str, options: IngestOptions) -> None:
    """Raise :class:`FetchError` unless ``url`` is http(s) and its host resolves to addresses the
    rules allow (as a fetch would check them)."""
    parsed = _check_url(url)
    AddressGuard(options.allow_private).resolve(parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80))
