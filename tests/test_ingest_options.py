"""IngestOptions read from the settings table."""

from __future__ import annotations

import pytest

from storyline.ingest import IngestOptions
from storyline.settings import SETTINGS


def test_defaults_match_the_settings_table(monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    defaults = {s.name: s.default for s in SETTINGS}
    options = IngestOptions.from_settings()
    assert options == IngestOptions()
    assert options.max_bytes == int(defaults["STORYLINE_MAX_BYTES"])
    assert options.timeout == float(defaults["STORYLINE_TIMEOUT"])
    assert options.allow_private == frozenset()
    assert options.user_agent == defaults["STORYLINE_USER_AGENT"]


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYLINE_MAX_BYTES", "1234")
    monkeypatch.setenv("STORYLINE_TIMEOUT", "2.5")
    monkeypatch.setenv("STORYLINE_ALLOW_PRIVATE", " 127.0.0.1, Intranet.Example ,10.0.0.0/8,")
    monkeypatch.setenv("STORYLINE_USER_AGENT", "test-agent/1")
    options = IngestOptions.from_settings()
    assert options == IngestOptions(
        max_bytes=1234,
        timeout=2.5,
        allow_private=frozenset({"127.0.0.1", "intranet.example", "10.0.0.0/8"}),
        user_agent="test-agent/1",
    )
