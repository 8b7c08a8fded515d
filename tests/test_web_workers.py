"""Several server processes on one store: the feed poller runs in one of them only.

The in-process tests run two apps over one SQLite file (as two ``storyline serve``
processes would); the last one starts ``serve(workers=2)`` for real, with uvicorn's
worker processes, and reads their log.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from starlette.testclient import TestClient

from storyline.ingest import IngestOptions
from storyline.poller import RefreshConfig
from storyline.store import Store
from storyline.web import create_app

REPO = Path(__file__).resolve().parents[1]
QUIET = RefreshConfig(options=IngestOptions(timeout=5), stories=False)  # no feeds: the poller only ticks


def _wait_for(condition: Callable[[], Any], seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"still waiting after {seconds} s")


def test_two_servers_on_one_store_poll_once_and_the_second_takes_over(tmp_path: Path) -> None:
    location = str(tmp_path / "news.db")
    Store(location).close()
    first, second = create_app(location, refresh=QUIET), create_app(location, refresh=QUIET)
    one = TestClient(first, base_url="http://127.0.0.1:8000").__enter__()
    try:
        assert first.state.site.poller is not None  # the first server polls from the start
        with TestClient(second, base_url="http://127.0.0.1:8000") as two:
            assert second.state.site.poller is None  # the second answers pages but does not poll
            assert one.get("/").status_code == 200 and two.get("/").status_code == 200
            time.sleep(2.5)  # past a retry: still one poller
            assert first.state.site.poller is not None and second.state.site.poller is None
            one.__exit__(None, None, None)  # the first server stops ...
            one = None
            assert first.state.site.poller is None
            _wait_for(lambda: second.state.site.poller is not None, 10)  # ... and the second takes over
        assert second.state.site.poller is None
    finally:
        if one is not None:
            one.__exit__(None, None, None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_with_two_workers_polls_in_one_and_every_worker_knows_the_local_key(tmp_path: Path) -> None:
    location = str(tmp_path / "news.db")
    Store(location).close()
    port, key = _free_port(), "a-local-key-for-this-test-only"
    program = ("from storyline.poller import RefreshConfig; from storyline.web import serve;"
               f" serve({location!r}, port={port}, workers=2, local_key={key!r}, log_level='info',"
               " refresh=RefreshConfig(stories=False))")
    log = tmp_path / "server.log"
    scratch = tmp_path / "tmp"  # where serve leaves the workers' arguments while it runs
    scratch.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "TMPDIR": str(scratch)}
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-c", program], cwd=REPO, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        def workers() -> set[str]:
            return set(re.findall(r"Started server process \[(\d+)\]", log.read_text()))

        def pollers() -> list[str]:
            return re.findall(r"this process \(pid (\d+)\) polls the feeds", log.read_text())

        _wait_for(lambda: len(workers()) >= 2 and pollers(), 90)
        [spec] = scratch.glob("storyline-serve-*/app.pickle")
        assert spec.stat().st_mode & 0o077 == 0 and spec.parent.stat().st_mode & 0o077 == 0  # this user's only
        time.sleep(3)  # longer than a retry of the others
        assert len(pollers()) == 1 and pollers()[0] in workers()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(8):  # whichever worker answers knows the key (connections spread over the workers)
                answer = client.get(f"/?token={key}", headers={"Connection": "close"})
                assert answer.status_code == 303 and "set-cookie" in answer.headers
                assert client.get("/?token=wrong", headers={"Connection": "close"}).status_code == 200
        leader = pollers()[0]
        os.kill(int(leader), signal.SIGKILL)  # the polling worker dies: another one polls
        _wait_for(lambda: len(pollers()) == 2, 30)
        assert pollers()[1] != leader
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    assert not list(scratch.iterdir())  # removed when the server stops
