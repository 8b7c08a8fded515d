"""Feed schedules where people see them: the Sources page, its JSON twin, the CLI."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from starlette.testclient import TestClient
from test_ingest_http import Reply, serve
from test_refresh_poller import RSS, LiveFeed, full_item, rss
from typer.testing import CliRunner

from storyline.cli import app as cli
from storyline.poller import RefreshConfig
from storyline.store import Store
from storyline.store.feeds import FeedSchedule
from storyline.web import create_app

XSS = "<script>window.__xss=1</script>"
ESCAPED = "&lt;script&gt;window.__xss=1&lt;/script&gt;"
STOPPED = "https://stopped.example/feed.xml"
ACTIVE = "https://active.example/feed.xml"


def _feeds(store: Store) -> None:
    store.add_feed(STOPPED, f"Stopped {XSS} news")
    store.record_feed_fetch(STOPPED, status="500", error=f"HTTP 500 {XSS}", fetched_at="2025-08-18T12:00:00+00:00",
                            schedule=FeedSchedule(None, 5400, stopped_at="2025-08-18T12:00:00+00:00"))
    store.add_feed(ACTIVE, "Active news")
    store.record_feed_fetch(ACTIVE, status="200", new_articles=3, fetched_at="2025-08-18T12:00:00+00:00",
                            schedule=FeedSchedule("2025-08-18T12:30:00+00:00", 1800))


def _local(location: str) -> TestClient:
    return TestClient(create_app(location), base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))


def _csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/sources").text)
    assert match
    return match.group(1)


def test_sources_page_shows_each_feeds_schedule(store: Store) -> None:
    _feeds(store)
    client = _local(store.location)
    html = client.get("/sources").text
    twin = {f["url"]: f for f in client.get("/sources.json").json()["feeds"]}
    stopped, active = twin[STOPPED], twin[ACTIVE]
    assert stopped["stopped"] and stopped["stopped_at"] == "2025-08-18T12:00:00+00:00" and stopped["next_due"] is None
    assert (stopped["error_count"], stopped["interval_seconds"], stopped["healthy"]) == (1, 5400, False)
    assert stopped["last_error"] == f"HTTP 500 {XSS}"
    assert not active["stopped"] and active["next_due"] == "2025-08-18T12:30:00+00:00"
    assert (active["interval_seconds"], active["error_count"], active["last_status"]) == (1800, 0, "200")
    assert "etag" not in active
    row = html[html.index(STOPPED) - 400:]
    assert 'class="stopped"' in html and "since 18 Aug 2025 12:00 UTC" in row and "1 h 30 min" in row
    assert "18 Aug 2025 12:30 UTC" in html and "30 min" in html  # the active feed's next poll and interval
    assert f"Stopped {ESCAPED} news" in html and f"HTTP 500 {ESCAPED}" in html and XSS not in html
    forms = re.findall(r'<form method="post" action="/sources/resume".*?</form>', html)
    assert len(forms) == 1 and f'value="{STOPPED}"' in forms[0]  # only the stopped feed can be resumed


def test_resuming_needs_the_csrf_token_and_a_writer(store: Store) -> None:
    _feeds(store)
    remote = TestClient(create_app(store.location), base_url="http://127.0.0.1:8000", client=("203.0.113.9", 4000))
    assert "/sources/resume" not in remote.get("/sources").text
    assert remote.post("/sources/resume", data={"url": STOPPED, "csrf": "0" * 64}).status_code in (401, 403)
    client = _local(store.location)
    assert client.post("/sources/resume", data={"url": STOPPED}).status_code == 403
    assert store.get_feed(STOPPED)["stopped_at"]  # type: ignore[index]
    token = _csrf(client)
    assert client.post("/sources/resume", data={"url": "https://nowhere.example/", "csrf": token}).status_code == 404
    done = client.post("/sources/resume", data={"url": STOPPED, "csrf": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/sources"
    resumed = store.get_feed(STOPPED)
    assert resumed is not None and resumed["stopped_at"] is None and resumed["next_due"] is None
    assert resumed["error_count"] == 0 and resumed["interval_seconds"] == 5400


def test_feeds_list_and_resume_on_the_command_line(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _feeds(store)
    monkeypatch.setenv("COLUMNS", "300")  # the table at full width
    runner = CliRunner()
    listed = runner.invoke(cli, ["feeds", "list", "--db", store.location, "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {row["url"]: row for row in json.loads(listed.stdout)}
    assert rows[STOPPED]["stopped"] and rows[STOPPED]["error_count"] == 1
    assert rows[ACTIVE]["next_due"] == "2025-08-18T12:30:00+00:00" and rows[ACTIVE]["interval_seconds"] == 1800
    table = runner.invoke(cli, ["feeds", "list", "--db", store.location])
    assert "stopped 2025-08-18T12:00:00+00:00" in table.stdout and "1 h 30 min" in table.stdout
    assert "2025-08-18T12:30:00+00:00" in table.stdout and "30 min" in table.stdout
    assert runner.invoke(cli, ["feeds", "resume", "https://nowhere.example/", "--db", store.location]).exit_code == 1
    resumed = runner.invoke(cli, ["feeds", "resume", STOPPED, "--db", store.location])
    assert resumed.exit_code == 0 and store.get_feed(STOPPED)["stopped_at"] is None  # type: ignore[index]


def test_refresh_command_polls_politely_and_skips_stopped_feeds(store: Store) -> None:
    with serve({"/robots.txt": Reply(200, b"User-agent: *\nDisallow: /hidden\n"), "/feed": LiveFeed("c1"),
                "/hidden": Reply(200, rss(full_item("h1")), RSS), "/stopped": LiveFeed("c2")}) as server:
        for path in ("/feed", "/hidden", "/stopped"):
            store.add_feed(server.base + path)
        store.record_feed_fetch(server.base + "/stopped", status="0", error="unreachable",
                                schedule=FeedSchedule(None, 3600, stopped_at="2025-08-18T12:00:00+00:00"))
        result = CliRunner().invoke(cli, ["refresh", "--db", store.location, "--allow-private", "127.0.0.1",
                                          "--no-enrich", "--json"])
        again = CliRunner().invoke(cli, ["refresh", "--db", store.location, "--allow-private", "127.0.0.1",
                                         "--no-enrich", "--json", "--due"])
    assert result.exit_code == 1, result.output  # the disallowed feed is a skipped item
    summary = json.loads(result.stdout)
    assert summary["new"] == 1 and [s["reason"] for s in summary["skipped"]] == [
        f"disallowed by {server.base}/robots.txt for storyline"]
    assert json.loads(again.stdout)["skipped"] == [] and again.exit_code == 0  # nothing was due yet
    assert [path for path, _ in server.hits] == ["/robots.txt", "/feed"]
    feed = store.get_feed(server.base + "/feed")
    assert feed is not None and feed["next_due"] and feed["interval_seconds"] == 3600 and feed["etag"]


def test_serve_runs_the_refresher_unless_told_not_to(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import storyline.web.app

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(storyline.web.app, "serve", lambda location, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("STORYLINE_REFRESH_WORKERS", "3")
    monkeypatch.setenv("STORYLINE_REFRESH_PER_HOST", "2")
    monkeypatch.setenv("STORYLINE_REFRESH_MIN_INTERVAL", "120")
    runner = CliRunner()
    assert runner.invoke(cli, ["serve", "--db", store.location, "--allow-private", "10.0.0.0/8"]).exit_code == 0
    assert runner.invoke(cli, ["serve", "--db", store.location, "--no-refresh"]).exit_code == 0
    refresh = calls[0]["refresh"]
    assert isinstance(refresh, RefreshConfig) and (refresh.workers, refresh.per_host) == (3, 2)
    assert refresh.policy.min_interval == 120 and "10.0.0.0/8" in refresh.options.allow_private
    assert calls[1]["refresh"] is None
    monkeypatch.setenv("STORYLINE_REFRESH_MAX_INTERVAL", "60")
    bad = runner.invoke(cli, ["serve", "--db", store.location])
    assert bad.exit_code == 2 and "interval bounds" in bad.output
