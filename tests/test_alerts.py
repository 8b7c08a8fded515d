"""Alerts on developments: a local receiver on 127.0.0.1 gets signed JSON, retried with backoff, logged."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from starlette.testclient import TestClient
from support import page_csrf
from test_web_corpus import Corpus, corpus, local_client

from storyline.alerts import MAX_ATTEMPTS, SIGNATURE_HEADER, backoff, run_alerts, verify
from storyline.article import Article, Entity
from storyline.ingest.options import IngestOptions
from storyline.store import Store
from storyline.web import create_app
from storyline.web.sample import save_articles


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers with the next planned status."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def allowed(monkeypatch: pytest.MonkeyPatch) -> IngestOptions:
    monkeypatch.setenv("STORYLINE_ALLOW_PRIVATE", "127.0.0.1")
    return IngestOptions.from_settings()


def _csrf(client: TestClient, path: str = "/account") -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(path).text)
    assert match
    return match.group(1)


def _new_article(path: str, article_id: str, title: str, *, duplicate_of: str | None = None) -> None:
    body = f"{title}. Anna Berg spoke to reporters in Brussels about the next steps on the assets."
    start = body.index("Anna Berg")
    article = Article(id=article_id, source=f"t:{article_id}", body=body, title=title, publisher="Night Desk",
                      published="2025-12-14", url=f"https://night.example/{article_id}", duplicate_of=duplicate_of,
                      entities=[Entity("e1", "Anna Berg", "PERSON", mentions=[(start, start + 9)],
                                       canonical_id="p-berg")])
    store = Store(path)
    save_articles(store, [article])
    store.close()


def _set_up(data: Corpus, receiver: Receiver) -> tuple[TestClient, str]:
    """The local reader follows Anna Berg with the alert on and has a webhook; returns its secret."""
    client = local_client(data.path)
    csrf = page_csrf(client)
    headers = {"X-CSRF-Token": csrf}
    assert client.post("/api/follows", json={"kind": "entity", "id": data.person, "alert": True},
                       headers=headers).status_code == 201
    hook = client.post("/api/webhooks", json={"url": receiver.url}, headers=headers)
    assert hook.status_code == 201, hook.text
    return client, hook.json()["secret"]


def test_a_development_reaches_the_receiver_signed(db_location: str, receiver: Receiver,
                                                   allowed: IngestOptions) -> None:
    data = corpus(db_location)
    client, secret = _set_up(data, receiver)
    store = Store(data.path)
    assert run_alerts(store, allowed).queued == 0  # what was there before the alert is not news
    _new_article(data.path, "n1", "Berg returns for a third round")
    _new_article(data.path, "n2", "Copy of the third round", duplicate_of="n1")  # not a development
    run = run_alerts(store, allowed)
    assert (run.queued, run.delivered) == (1, 1)
    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    assert sent["path"] == "/hook"
    assert verify(secret, sent["body"], sent["headers"][SIGNATURE_HEADER])
    assert not verify("another secret", sent["body"], sent["headers"][SIGNATURE_HEADER])
    payload = json.loads(sent["body"])
    assert payload["event"] == "development" and sent["headers"]["X-Storyline-Event"] == "development"
    assert payload["follow"] == {"kind": "entity", "id": data.person, "name": "Anna Berg",
                                 "url": f"http://127.0.0.1:8000/entities/{data.person}"}
    assert [a["title"] for a in payload["articles"]] == ["Berg returns for a third round"]
    assert payload["articles"][0]["reader_url"] == "http://127.0.0.1:8000/articles/n1"
    assert payload["delivery"] == sent["headers"]["X-Storyline-Delivery"]
    assert run_alerts(store, allowed).queued == 0  # told once
    account = client.get("/account").text
    assert "Recent deliveries" in account and "delivered (HTTP 200)" in account
    log = client.get("/api/deliveries").json()
    assert log["total"] == 1 and log["deliveries"][0]["status"] == "delivered"
    store.close()


def test_failures_are_retried_with_backoff_then_given_up(db_location: str, receiver: Receiver,
                                                         allowed: IngestOptions) -> None:
    data = corpus(db_location)
    client, _secret = _set_up(data, receiver)
    store = Store(data.path)
    run_alerts(store, allowed)
    _new_article(data.path, "n1", "Berg returns for a third round")
    receiver.statuses = [503, 500]
    start = datetime.now(UTC)
    assert run_alerts(store, allowed, at=start).retrying == 1
    delivery = client.get("/api/deliveries").json()["deliveries"][0]
    assert delivery["status"] == "pending" and delivery["attempts"] == 1 and delivery["last_status"] == 503
    assert run_alerts(store, allowed, at=start + timedelta(seconds=5)).retrying == 0  # not due yet
    assert len(receiver.requests) == 1
    assert run_alerts(store, allowed, at=start + backoff(1) + timedelta(seconds=1)).retrying == 1
    assert run_alerts(store, allowed, at=start + backoff(1) + backoff(2) + timedelta(seconds=2)).delivered == 1
    assert len(receiver.requests) == 3
    assert len({r["headers"]["X-Storyline-Delivery"] for r in receiver.requests}) == 1  # the same delivery
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 120, 480]

    _new_article(data.path, "n3", "Berg again")
    receiver.statuses = [500] * MAX_ATTEMPTS
    moment = datetime.now(UTC)
    for _ in range(MAX_ATTEMPTS):
        moment += timedelta(days=1)
        run_alerts(store, allowed, at=moment)
    newest = client.get("/api/deliveries").json()["deliveries"][0]
    assert newest["status"] == "failed" and newest["attempts"] == MAX_ATTEMPTS
    assert "gave up" in newest["last_error"]

    _new_article(data.path, "n4", "Berg declines")
    receiver.statuses = [404]
    assert run_alerts(store, allowed).failed == 1  # a 4xx is the receiver's answer: not retried
    store.close()


def test_private_addresses_are_refused_as_for_feeds(db_location: str, receiver: Receiver,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STORYLINE_ALLOW_PRIVATE", raising=False)
    data = corpus(db_location)
    client = local_client(data.path)
    csrf = page_csrf(client)
    for url in (receiver.url, "http://10.0.0.8/hook", "ftp://example.org/hook", "not a url"):
        answer = client.post("/api/webhooks", json={"url": url}, headers={"X-CSRF-Token": csrf})
        assert answer.status_code == 400, url
    assert "private" in client.post("/api/webhooks", json={"url": receiver.url},
                                    headers={"X-CSRF-Token": csrf}).json()["error"]
    # a webhook added while allowed is still refused at delivery once it no longer is
    store = Store(data.path)
    store.ensure_user("local", "local")
    store.follow("local", "entity", data.person)
    store.set_alert("local", "entity", data.person, True)
    store.add_webhook("local", receiver.url, "http://127.0.0.1:8000")
    run_alerts(store, IngestOptions.from_settings())
    _new_article(data.path, "n1", "Berg returns")
    run = run_alerts(store, IngestOptions.from_settings())
    assert run.failed == 1 and receiver.requests == []
    assert "refused" in store.list_deliveries("local")[0]["last_error"]
    store.close()


def test_alert_switches_and_the_developments_feed(db_location: str, receiver: Receiver,
                                                  allowed: IngestOptions) -> None:
    data = corpus(db_location)
    client = local_client(data.path)
    csrf = _csrf(client, "/account")
    client.post("/follow", data={"csrf": csrf, "kind": "entity", "id": data.person, "next": "/for-you"})
    page = client.get("/for-you").text
    assert f'href="/developments/entity/{data.person}/feed.atom"' in page
    turned = client.post("/alerts", data={"csrf": csrf, "kind": "entity", "id": data.person, "on": "1",
                                          "next": "/for-you"})
    assert turned.status_code == 200 and "alert on" in turned.text
    follows = client.get("/api/follows").json()["follows"]
    assert follows[0]["alert"] is True
    off = client.put(f"/api/follows/entity/{data.person}/alert", json={"alert": False},
                     headers={"X-CSRF-Token": page_csrf(client)})
    assert off.json() == {"kind": "entity", "id": data.person, "alert": False}
    assert client.post("/alerts", data={"csrf": csrf, "kind": "story", "id": "nope", "on": "1"}).status_code == 404
    form = client.post("/account/webhooks", data={"csrf": csrf, "url": receiver.url})
    assert receiver.url in form.text and "secret" in form.text
    _new_article(data.path, "n1", "Berg returns for a third round")
    feed = client.get(f"/developments/entity/{data.person}/feed.atom")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    titles = re.findall(r"<title>([^<]*)</title>", feed.text)
    assert titles[0] == "New in: Anna Berg" and titles[1] == "Berg returns for a third round"
    assert client.get("/developments/entity/nobody/feed.atom").status_code == 404


def test_unauthenticated_alert_writes_are_401(db_location: str) -> None:
    data = corpus(db_location)
    remote = TestClient(create_app(data.path), base_url="http://127.0.0.1:8000", client=("203.0.113.9", 1))
    assert remote.post("/api/webhooks", json={"url": "https://hooks.example/x"}).status_code == 401
    assert remote.get("/api/deliveries").status_code == 401


def test_the_server_sends_alerts_in_the_background(db_location: str, receiver: Receiver,
                                                   allowed: IngestOptions) -> None:
    import time

    data = corpus(db_location)
    _set_up(data, receiver)
    store = Store(data.path)
    run_alerts(store, allowed)  # the alert starts counting now
    store.close()
    _new_article(data.path, "n1", "Berg returns for a third round")
    app = create_app(data.path, alerts_every=0.1)
    with TestClient(app, base_url="http://127.0.0.1:8000"):
        deadline = time.monotonic() + 10
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(receiver.requests) == 1
