"""A time budget for work that may not end soon enough on hostile input.

Exceptions cannot stop a computation that is merely slow: an annotator that is
quadratic on a sentence of 100,000 brackets holds the run for hours.  The budget
raises :class:`OverBudget` inside the work when its time is up (``SIGALRM``), so the
runner contains it like any failure of that item.  Signals reach only the main
thread of a process: elsewhere (the server's poll threads) the work runs unbudgeted.
The CLI, the local worker processes and the Ray actors run it on their main thread.

Python swallows an exception raised inside a weakref or garbage-collector callback
(it reports it as "unraisable" and goes on): a signal that lands there would be
lost and the work would run on unbudgeted.  So once the time is up the alarm
repeats every :data:`RETRY` seconds until the exception reaches the work, and the
swallowed ones are not reported.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

RETRY = 0.05
"""Seconds between raises once the budget is spent, until one reaches the work."""


class OverBudget(Exception):
    """The work took longer than its budget."""


def can_budget() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`OverBudget` in the block after ``seconds`` (0 or less: no budget)."""
    if seconds <= 0 or not can_budget():
        yield
        return

    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise OverBudget(f"took longer than {seconds:g} s")

    reporter = sys.unraisablehook

    def report(unraisable: sys.UnraisableHookArgs) -> None:
        if not isinstance(unraisable.exc_value, OverBudget):
            reporter(unraisable)

    previous = signal.signal(signal.SIGALRM, expired)
    sys.unraisablehook = report
    signal.setitimer(signal.ITIMER_REAL, seconds, RETRY)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.unraisablehook = reporter
