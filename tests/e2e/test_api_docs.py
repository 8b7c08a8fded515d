"""The API docs page in headless Chromium: Swagger UI reads the OpenAPI 3.1 schema and lists operations."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from e2e.conftest import LiveServer

from storyline.web import create_app

pytestmark = pytest.mark.e2e


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(create_app(str(tmp_path / "docs.db"))) as server:
        yield server


def test_api_docs_render_the_operations(live: LiveServer, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(live.url + "/api/docs")
    page.wait_for_selector(".opblock", timeout=15000)
    body = page.locator("#swagger-ui").inner_text()
    assert "Unable to render" not in body
    assert page.locator(".opblock").count() >= 10
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/stories" in path for path in paths)
    assert errors == []
    assert all(url.startswith(live.url) for url in requests)  # nothing from a CDN
    context.close()
