"""What happened to each input, and to a run: :class:`Outcome` and :class:`Summary`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from storyline.pipeline.sanitize import sanitize_text

# new | updated | unchanged | duplicate | enriched (stored unchanged, annotations caught up) | skipped
STORED = frozenset({"new", "updated", "duplicate"})


@dataclass(slots=True)
class Outcome:
    """What happened to one input.

    ``reason`` says why it was skipped; ``retry`` why it was stored without something
    (its annotations) and marked to be done again (``storyline enrich``); ``notes`` what
    it was stored without for good (a given field that could not be read, e.g. a date
    "yesterday"), each with what was done instead.
    """

    source: str
    status: str
    article_id: str | None = None
    duplicate_of: str | None = None
    reason: str | None = None
    retry: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "article_id": self.article_id,
            "duplicate_of": self.duplicate_of,
            "reason": self.reason,
            "retry": self.retry,
            "notes": list(self.notes),
        }


@dataclass(slots=True)
class Summary:
    """A run in counts, with every reason: items skipped, items stored incomplete, run-level errors.

    ``awaiting_enrichment`` is how many stored articles lack their annotations after
    the run (None: not counted).
    """

    counts: Counter[str] = field(default_factory=Counter)
    skipped: list[Outcome] = field(default_factory=list)
    incomplete: list[Outcome] = field(default_factory=list)
    noted: list[Outcome] = field(default_factory=list)  # stored, with a note on what was left out
    errors: list[str] = field(default_factory=list)
    awaiting_enrichment: int | None = None
    grouped: dict[str, Any] | None = None

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.status] += 1
        if outcome.status == "skipped":
            self.skipped.append(outcome)
        if outcome.retry:
            self.incomplete.append(outcome)
        if outcome.notes and outcome.status != "skipped":
            self.noted.append(outcome)

    @property
    def failed(self) -> bool:
        """Anything skipped, stored incomplete or failing at the level of the run."""
        return bool(self.skipped or self.incomplete or self.errors)

    def to_dict(self) -> dict[str, Any]:
        """The summary as ``--json`` prints it.  Its sources and reasons come from the input (a
        file name, a feed entry's link, a value quoted in a reason) and are sanitized as text
        is (:func:`~storyline.pipeline.sanitize.sanitize_text`): a lone surrogate in one made
        the summary unprintable (UnicodeEncodeError, a traceback instead of the report)."""
        data: dict[str, Any] = {
            "ingested": self.counts["new"] + self.counts["updated"] + self.counts["duplicate"],
            "new": self.counts["new"],
            "updated": self.counts["updated"],
            "unchanged": self.counts["unchanged"],
            "duplicates": self.counts["duplicate"],
            "enriched": self.counts["enriched"],
            "skipped": [{"source": _text(o.source), "reason": _text(o.reason)} for o in self.skipped],
            "incomplete": [{"source": _text(o.source), "article_id": o.article_id, "reason": _text(o.retry)}
                           for o in self.incomplete],
            "notes": [{"source": _text(o.source), "article_id": o.article_id, "notes": [_text(n) for n in o.notes]}
                      for o in self.noted],
            "errors": [_text(error) for error in self.errors],
        }
        if self.awaiting_enrichment is not None:
            data["awaiting_enrichment"] = self.awaiting_enrichment
        return data


def _text(value: str | None) -> str | None:
    return sanitize_text(value) if value is not None else None
