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
