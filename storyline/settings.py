"""Every setting storyline reads, in one table: name, default and help.

A setting is read from the environment variable of the same name.  The README
lists them all; a test fails when the two drift apart.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: str
    help: str


def _default_db() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "storyline" / "storyline.db")


SETTINGS: tuple[Setting, ...] = (
    Setting("STORYLINE_DB", "$XDG_DATA_HOME/storyline/storyline.db",
            "Database: a SQLite path or a postgresql:// URL. `--db` overrides it."),
    Setting("STORYLINE_MAX_BYTES", str(20 * 1024 * 1024),
            "Largest input (file, download or archive record) accepted, in bytes."),
    Setting("STORYLINE_TIMEOUT", "20",
            "Seconds before a network fetch gives up."),
    Setting("STORYLINE_ALLOW_PRIVATE", "",
            "Comma-separated hosts or networks (e.g. 127.0.0.1) that may be fetched "
            "although they are private or loopback addresses."),
    Setting("STORYLINE_USER_AGENT", "storyline/0.1 (+https://github.com/storyline-news/storyline)",
            "User-Agent sent with every request."),
    Setting("STORYLINE_WORKERS", "0",
            "Processes for the per-article work of `storyline ingest`, the feed poller and `POST /api/ingest` "
            "(cleaning, parsing, annotating); 0: one per CPU core. `--workers` overrides it."),
    Setting("STORYLINE_ENRICH_TIMEOUT", "60",
            "Seconds the annotators may spend on one article before it is stored without "
            "enrichment, marked for retry; 0: no limit."),
    Setting("STORYLINE_REFRESH_WORKERS", "4",
            "Feeds that `storyline serve` polls at the same time."),
    Setting("STORYLINE_REFRESH_PER_HOST", "1",
            "Requests to one host at the same time while polling feeds, robots.txt included."),
    Setting("STORYLINE_REFRESH_INTERVAL", "3600",
            "Seconds between polls of a new feed, before its interval adapts."),
    Setting("STORYLINE_REFRESH_MIN_INTERVAL", "300",
            "Shortest interval between polls of a feed, in seconds; also the first retry after an error."),
    Setting("STORYLINE_REFRESH_MAX_INTERVAL", "86400",
            "Longest interval between polls of a feed, in seconds; also the longest wait after errors."),
    Setting("STORYLINE_REFRESH_MAX_ERRORS", "10",
            "Consecutive errors after which a feed is stopped until it is resumed."),
    Setting("STORYLINE_SIGNUP", "closed",
            "Who may create an account in multi-user mode: `closed` (only `storyline users add`), "
            "`invite` (with a code from `storyline users invite`) or `open` (anyone)."),
    Setting("STORYLINE_BASE_URL", "",
            "The address readers use, e.g. https://news.example.org: absolute links in feeds and the "
            "Reader API. Unset: the request's address where the Host header is checked (local mode), "
            "else links relative to the site."),
    Setting("STORYLINE_LOGIN_FAILURES", "10",
            "Failed sign-ins allowed per account, and per address, within `STORYLINE_LOGIN_WINDOW`; "
            "more are refused with 429 and Retry-After (web form and Reader API)."),
    Setting("STORYLINE_LOGIN_WINDOW", "900",
            "Seconds over which failed sign-ins are counted."),
    Setting("STORYLINE_ALERT_INTERVAL", "60",
            "Seconds between checks for developments to send to webhooks while `storyline serve` runs; 0 turns alerts off."),
    Setting("STORYLINE_EMBEDDINGS", "on",
            "Group stories with dense sentence embeddings when the `embeddings` extra (WordLlama) is installed; "
            "off: the lexical model alone."),
    Setting("STORYLINE_IMAGES", "on",
            "Show lead images in the reader (loaded from the outlets' servers, lazily, with no referrer); off for text only."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The value of a setting: the environment's, else the default."""
    setting = _BY_NAME[name]
    value = os.environ.get(name)
    if value:
        return value
    if name == "STORYLINE_DB":
        return _default_db()
    return setting.default


class SettingError(ValueError):
    """A setting whose value cannot be read; the message names the setting and the value."""


def get_int(name: str) -> int:
    return _read(name, int, "a whole number")


def get_float(name: str) -> float:
    return _read(name, float, "a number")


def _read(name: str, kind: Callable[[str], T], what: str) -> T:
    value = get(name)
    try:
        return kind(value)
    except ValueError:
        raise SettingError(f"{name} must be {what}, not {value!r}") from None


def worker_count(value: int | None = None) -> int:
    """How many ingest worker processes: ``value``, else ``STORYLINE_WORKERS``; 0 means one per core."""
    count = get_int("STORYLINE_WORKERS") if value is None else value
    if count > 0:
        return count
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
