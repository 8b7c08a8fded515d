"""When each feed is polled next: an adaptive interval, backoff after errors, a stop.

Pure decisions, no I/O: :func:`next_poll` takes what a poll brought and the
feed's state and returns the new state.  The policy, in numbers (defaults, all
settings):

* A new feed is polled at once, then every ``first_interval`` (1 h).
* A poll that brought new entries halves the interval; a quiet one (nothing
  new, or 304 Not Modified) stretches it by half.  The interval stays between
  ``min_interval`` (5 min) and ``max_interval`` (24 h).  With these factors
  the interval settles where about one poll in three brings something new.
  The first poll of a feed brings its whole backlog, so it does not count.
* The server may ask for less: ``Cache-Control: max-age``, ``Retry-After``
  and an RSS ``<ttl>`` set the earliest next poll (capped at ``max_interval``).
* After an error the feed is retried after ``min_interval × 2^(n−1)`` for the
  n-th consecutive error (5, 10, 20 … min, capped at ``max_interval``); its
  interval is kept for when it recovers.  After ``max_errors`` (10)
  consecutive errors, or at once on ``410 Gone``, the feed is stopped until a
  person resumes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from storyline import settings
from storyline.numbers import whole_number

Clock = Callable[[], datetime]

_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.I)
_NO_CACHE = re.compile(r"(?:^|[,\s])no-(?:cache|store)\b", re.I)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """The store's time format: ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class SchedulePolicy:
    """The numbers of the policy (seconds); see the module docstring."""

    first_interval: int = 3600
    min_interval: int = 300
    max_interval: int = 86400
    max_errors: int = 10
    busy_factor: float = 0.5
    quiet_factor: float = 1.5

    def __post_init__(self) -> None:
        if not 1 <= self.min_interval <= self.max_interval:
            raise ValueError(f"the refresh interval bounds are wrong: minimum {self.min_interval} s,"
                             f" maximum {self.max_interval} s (need 1 <= minimum <= maximum)")
        if self.max_errors < 1:
            raise ValueError(f"the number of errors before a feed is stopped must be at least 1, not {self.max_errors}")

    @classmethod
    def from_settings(cls) -> SchedulePolicy:
        return cls(
            first_interval=settings.get_int("STORYLINE_REFRESH_INTERVAL"),
            min_interval=settings.get_int("STORYLINE_REFRESH_MIN_INTERVAL"),
            max_interval=settings.get_int("STORYLINE_REFRESH_MAX_INTERVAL"),
            max_errors=settings.get_int("STORYLINE_REFRESH_MAX_ERRORS"),
        )

    def clamp(self, seconds: float) -> int:
        return int(min(self.max_interval, max(self.min_interval, round(seconds))))

    def backoff(self, errors: int) -> int:
        """Seconds before retrying after the ``errors``-th consecutive error."""
        return int(min(self.max_interval, self.min_interval * 2 ** min(max(errors - 1, 0), 40)))


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What the scheduler needs to know about one poll."""

    new_entries: int = 0
    error: str | None = None
    status: int = 200  # HTTP status; 0 when nothing was received
    hint: float | None = None  # seconds the server asked us to wait (see server_hint)
    first: bool = False  # the feed had never been fetched before


@dataclass(frozen=True, slots=True)
class Decision:
    next_due: datetime | None  # None when stopped
    interval: int
    errors: int
    stopped: bool


def next_poll(policy: SchedulePolicy, interval: int | None, errors: int, outcome: PollOutcome,
              now: datetime) -> Decision:
    """The feed's state after ``outcome``, given its interval and consecutive errors before it."""
    current = policy.clamp(interval if interval else policy.first_interval)
    hint = min(outcome.hint, policy.max_interval) if outcome.hint and outcome.hint > 0 else 0.0
    if outcome.error is not None:
        errors += 1
        if errors >= policy.max_errors or outcome.status == 410:
            return Decision(None, current, errors, True)
        wait = max(policy.backoff(errors), hint)
        return Decision(now + timedelta(seconds=wait), current, errors, False)
    if not outcome.first:
        factor = policy.busy_factor if outcome.new_entries > 0 else policy.quiet_factor
        current = policy.clamp(current * factor)
    return Decision(now + timedelta(seconds=max(current, hint)), current, 0, False)


def _retry_after(value: str, now: datetime) -> float | None:
    value = value.strip()
    seconds = whole_number(value, max_digits=30)
    if seconds is not None:
        return float(seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - now).total_seconds()


def server_hint(headers: Mapping[str, str], ttl_minutes: int | None, now: datetime) -> float | None:
    """The longest wait the server asked for, in seconds: ``Retry-After``,
    ``Cache-Control: max-age`` (unless ``no-cache``/``no-store``) and an RSS ``<ttl>``.

    ``headers`` have lower-case names.  None when the server said nothing usable.
    """
    waits: list[float] = []
    control = headers.get("cache-control", "")
    match = _MAX_AGE.search(control)
    if match and not _NO_CACHE.search(control):
        waits.append(float(match.group(1)))
    retry = headers.get("retry-after")
    if retry:
        seconds = _retry_after(retry, now)
        if seconds is not None:
            waits.append(seconds)
    if ttl_minutes:
        waits.append(ttl_minutes * 60.0)
    positive = [w for w in waits if w > 0]
    return max(positive) if positive else None


def describe_interval(seconds: float | None) -> str:
    """``5400`` → ``1 h 30 min``; ``45`` → ``45 s``."""
    if seconds is None:
        return ""
    total = round(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else "",
             f"{secs} s" if secs and not days and not hours else ""]
    return " ".join(p for p in parts if p) or "0 s"
