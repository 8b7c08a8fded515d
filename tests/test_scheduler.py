"""The polling policy on its own: adaptive interval, bounds, backoff, stop, server hints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storyline.scheduler import PollOutcome, SchedulePolicy, describe_interval, next_poll, server_hint

NOW = datetime(2025, 8, 18, 12, 0, tzinfo=UTC)
POLICY = SchedulePolicy(first_interval=3600, min_interval=300, max_interval=86400, max_errors=4)


def _run(outcomes: list[PollOutcome], policy: SchedulePolicy = POLICY) -> list[tuple[int, int, bool, float | None]]:
    """(interval, errors, stopped, seconds to the next poll) after each outcome, starting from a new feed."""
    interval: int | None = None
    errors = 0
    states = []
    for outcome in outcomes:
        decision = next_poll(policy, interval, errors, outcome, NOW)
        interval, errors = decision.interval, decision.errors
        wait = (decision.next_due - NOW).total_seconds() if decision.next_due else None
        states.append((decision.interval, decision.errors, decision.stopped, wait))
    return states


def test_busy_feeds_are_polled_more_often_and_quiet_ones_less() -> None:
    first = PollOutcome(new_entries=20, first=True)
    busy = _run([first] + [PollOutcome(new_entries=3)] * 6)
    quiet = _run([first] + [PollOutcome(new_entries=0, status=304)] * 12)
    # the backlog of the first poll does not count
    assert busy[0][0] == quiet[0][0] == 3600
    assert [s[0] for s in busy] == [3600, 1800, 900, 450, 300, 300, 300]  # halved, down to the minimum
    assert [s[0] for s in quiet[:5]] == [3600, 5400, 8100, 12150, 18225]  # stretched by half
    assert quiet[-1][0] == 86400  # up to the maximum
    assert all(s[3] == s[0] for s in busy + quiet)  # the next poll is one interval away


def test_the_interval_settles_where_about_one_poll_in_three_brings_news() -> None:
    policy = SchedulePolicy()
    interval: int | None = None
    clock = 0.0
    published = [i * 7200.0 for i in range(1, 200)]  # one entry every two hours
    last = 0.0
    polls = hits = 0
    while clock < published[-1]:
        new = sum(1 for t in published if last < t <= clock)
        decision = next_poll(policy, interval, 0, PollOutcome(new_entries=new, first=interval is None), NOW)
        interval = decision.interval
        if clock > 86400 * 3:  # after settling
            polls += 1
            hits += new > 0
        last, clock = clock, clock + interval
    assert 0.25 < hits / polls < 0.5
    assert 1800 < interval < 7200


def test_errors_back_off_exponentially_then_stop() -> None:
    error = PollOutcome(error="HTTP 500", status=500)
    states = _run([PollOutcome(new_entries=1, first=True), error, error, error, error])
    assert [s[3] for s in states[1:4]] == [300, 600, 1200]  # min interval × 2^(n-1)
    assert [s[1] for s in states] == [0, 1, 2, 3, 4]
    assert states[-1][2] and states[-1][3] is None  # the fourth consecutive error stops the feed
    assert all(s[0] == 3600 for s in states)  # the interval waits for the feed's recovery


def test_backoff_is_capped_and_a_good_poll_resets_it() -> None:
    policy = SchedulePolicy(min_interval=300, max_interval=3000, max_errors=50)
    assert [policy.backoff(n) for n in (1, 2, 3, 4, 5, 6, 60)] == [300, 600, 1200, 2400, 3000, 3000, 3000]
    decision = next_poll(policy, 1200, 7, PollOutcome(new_entries=0), NOW)
    assert decision.errors == 0 and not decision.stopped


def test_gone_stops_at_once() -> None:
    decision = next_poll(POLICY, 3600, 0, PollOutcome(error="HTTP 410 Gone", status=410), NOW)
    assert decision.stopped and decision.next_due is None and decision.errors == 1


def test_server_hints_set_the_earliest_next_poll() -> None:
    assert server_hint({"cache-control": "public, max-age=7200"}, None, NOW) == 7200
    assert server_hint({"cache-control": "no-cache, max-age=7200"}, None, NOW) is None
    assert server_hint({"retry-after": "120"}, None, NOW) == 120
    later = (NOW + timedelta(hours=3)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert server_hint({"retry-after": later}, None, NOW) == 3 * 3600
    assert server_hint({"retry-after": "soon"}, None, NOW) is None
    assert server_hint({}, 90, NOW) == 90 * 60  # RSS <ttl> is in minutes
    assert server_hint({"cache-control": "max-age=60", "retry-after": "600"}, 5, NOW) == 600  # the longest wins
    assert server_hint({}, None, NOW) is None
    # a hint delays the next poll, but never beyond the maximum interval
    hinted = next_poll(POLICY, 3600, 0, PollOutcome(new_entries=1, hint=7 * 86400.0), NOW)
    assert hinted.interval == 1800 and hinted.next_due == NOW + timedelta(seconds=86400)
    retry = next_poll(POLICY, 3600, 0, PollOutcome(error="HTTP 503", status=503, hint=5000.0), NOW)
    assert retry.next_due == NOW + timedelta(seconds=5000)


def test_policy_refuses_impossible_bounds() -> None:
    with pytest.raises(ValueError, match="interval bounds"):
        SchedulePolicy(min_interval=600, max_interval=300)
    with pytest.raises(ValueError, match="at least 1"):
        SchedulePolicy(max_errors=0)


def test_policy_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYLINE_REFRESH_MIN_INTERVAL", "60")
    monkeypatch.setenv("STORYLINE_REFRESH_MAX_ERRORS", "3")
    policy = SchedulePolicy.from_settings()
    assert (policy.min_interval, policy.max_interval, policy.first_interval, policy.max_errors) == (60, 86400, 3600, 3)


def test_describe_interval() -> None:
    assert [describe_interval(s) for s in (45, 300, 5400, 86400, 90061, None)] == [
        "45 s", "5 min", "1 h 30 min", "1 d", "1 d 1 h 1 min", ""]
