"""Resume points: how far a run over a list of archives has got, kept in the store.

A run is identified by what it reads (each archive's path, size and modification
time, the failures in between) and by the settings that shape its batches.  After
each batch the position of the next item is saved in the same transaction as the
batch's articles, canonical entities and boilerplate model, so the store is always
at a batch boundary: a run that is killed or fails loses at most its current batch,
and the same command run again continues from there with the same batches as an
uninterrupted run.  A finished run clears its resume point.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from storyline.article import Failure
from storyline.engines.archives import Unit
from storyline.pipeline.state import RESUME_PREFIX
from storyline.store import Store
from storyline.store.base import now

PREFIX = RESUME_PREFIX


def run_key(units: list[Unit], settings: dict[str, Any]) -> str:
    """The name a run's resume point is kept under."""
    described = [
        {"failure": unit.source} if isinstance(unit, Failure)
        else {"path": unit.path, "size": unit.size, "modified": unit.modified}
        for unit in units
    ]
    text = json.dumps({"units": described, "settings": settings}, sort_keys=True)
    return PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(slots=True)
class ResumePoint:
    """Units before ``unit`` are done, and the first ``index`` items of ``unit``; ``items`` in all."""

    name: str
    unit: int = 0
    index: int = 0
    items: int = 0

    @classmethod
    def load(cls, store: Store, name: str) -> ResumePoint:
        state = store.get_state(name)
        if not state:
            return cls(name)
        return cls(name, int(state["unit"]), int(state["index"]), int(state["items"]))

    def moved(self, unit: int, index: int, items: int) -> ResumePoint:
        """The point after ``items`` more items, the last of them item ``index - 1`` of ``unit``."""
        return ResumePoint(self.name, unit, index, self.items + items)

    def save(self, store: Store, conn: Connection) -> None:
        store.set_state(conn, self.name, {"unit": self.unit, "index": self.index, "items": self.items,
                                          "saved": now()})

    def clear(self, store: Store) -> None:
        with store.transaction("clear the resume point of a finished run") as conn:
            store.set_state(conn, self.name, None)
