"""Functions the ingest-worker tests send to worker processes: a module of its own, so that
unpickling them imports nothing else (the test modules import spaCy)."""

from __future__ import annotations

import os
import sys
from typing import Any


def spacy_loaded(_items: list[Any]) -> list[bool]:
    return ["spacy" in sys.modules]


def die(_items: list[Any]) -> list[Any]:
    os._exit(3)


def collector(_items: list[Any]) -> list[Any]:
    """The worker's cyclic-collector settings: its youngest generation's threshold, and how many
    objects it froze."""
    import gc

    return [gc.get_threshold()[0], gc.get_freeze_count()]
