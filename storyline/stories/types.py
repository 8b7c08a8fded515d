"""The two shapes every part of storyline shares for grouped news: :class:`Story` and
:class:`Storyline`.

They are built in one place (:func:`storyline.stories.view.build_story` and
:func:`~storyline.stories.view.build_storyline`), stored by :mod:`storyline.store.stories`
(headline facts in columns, the rest as one JSON document), and read back by the pages,
the API, the feeds out and the export as the same objects.  ``to_dict`` is the JSON form
(the API's and the export's); ``from_dict`` reads it back, and reads records written
before a field existed.

How the dates are known is said by ``dates``: ``"published"`` (the span of the articles'
publication dates), ``"inferred"`` (no article is dated: the days their own time
expressions name) or ``"undated"``.  The day an article was ingested is never a date.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

Record = dict[str, Any]
DATE_KINDS = ("published", "inferred", "undated")


def _dates(record: Record) -> str:
    """How the record's dates are known; records stored before the label say it with ``dated``."""
    known = record.get("dates")
    if known in DATE_KINDS:
        return str(known)
    return "published" if record.get("dated", True) is not False and record.get("first_seen") else "undated"


@dataclass(slots=True)
class Story:
    """One development of the news, told by one or more articles."""

    id: str
    title: str
    summary: str = ""
    summary_evidence: list[Record] = field(default_factory=list)
    storyline_id: str | None = None
    first_seen: str | None = None  # first day of coverage (see ``dates``)
    last_updated: str | None = None  # last day of coverage
    dates: str = "undated"  # published | inferred | undated
    articles: list[str] = field(default_factory=list)  # each original article once
    copies: dict[str, list[str]] = field(default_factory=dict)  # original id -> its duplicates
    placed: dict[str, dict[str, str]] = field(default_factory=dict)  # undated article -> {from, to, by}
    people: list[Record] = field(default_factory=list)
    organisations: list[Record] = field(default_factory=list)
    places: list[Record] = field(default_factory=list)
    timeline: list[Record] = field(default_factory=list)
    quotes: list[Record] = field(default_factory=list)
    outlets: list[Record] = field(default_factory=list)  # {publisher, articles, copies, first, last}
    coverage: list[Record] = field(default_factory=list)  # {date, publisher, count}
    related: list[Record] = field(default_factory=list)  # {id, title}
    # what the story adds to its storyline's key dates: day -> [score, supporting articles],
    # and for its best days the entry saying what happened (see ``stories.keydates.story_days``)
    day_scores: dict[str, list[float]] = field(default_factory=dict)
    key_dates: list[Record] = field(default_factory=list)
    article_count: int = 0  # from ``articles`` when it is there (a card read without it keeps the column)
    outlet_count: int = 0

    def __post_init__(self) -> None:
        if self.articles:
            self.article_count = len(self.articles)
        if self.outlets:
            self.outlet_count = len({o.get("publisher") for o in self.outlets if o.get("publisher")})

    @property
    def dated(self) -> bool:
        return self.dates == "published"

    @property
    def members(self) -> list[str]:
        """Every article the story holds: its articles and their copies."""
        return [*self.articles, *(c for group in self.copies.values() for c in group)]

    def to_dict(self) -> Record:
        return _record(self)

    @classmethod
    def from_dict(cls, record: Record) -> Story:
        values = _arguments(cls, record)
        values.setdefault("summary", "")
        values["storyline_id"] = record.get("storyline_id")
        return cls(**values)


@dataclass(slots=True)
class Storyline:
    """A long-running thread: stories linked over weeks and months."""

    id: str
    title: str
    first_seen: str | None = None
    last_updated: str | None = None
    dates: str = "undated"
    stories: list[str] = field(default_factory=list)  # in order of their first day
    articles: list[str] = field(default_factory=list)  # each original article once
    people: list[Record] = field(default_factory=list)
    organisations: list[Record] = field(default_factory=list)
    places: list[Record] = field(default_factory=list)
    timeline: list[Record] = field(default_factory=list)  # its key dates: {date, text, articles, evidence, score, ...}
    story_count: int = 0
    article_count: int = 0

    def __post_init__(self) -> None:
        if self.stories:
            self.story_count = len(self.stories)
        if self.articles:
            self.article_count = len(self.articles)

    @property
    def dated(self) -> bool:
        return self.dates == "published"

    def to_dict(self) -> Record:
        return _record(self)

    @classmethod
    def from_dict(cls, record: Record) -> Storyline:
        return cls(**_arguments(cls, record))


def _record(thread: Story | Storyline) -> Record:
    """A story or storyline as a plain record: its fields, and whether it is dated."""
    record = {f.name: getattr(thread, f.name) for f in fields(thread)}
    record["dated"] = thread.dated
    return record


def _arguments(cls: type[Story] | type[Storyline], record: Record) -> dict[str, Any]:
    """The constructor's arguments in ``record``: the fields it has (a None leaves the default,
    but an unknown first or last date stays unknown) and how the thread is dated."""
    names = {f.name for f in fields(cls)}
    values = {k: v for k, v in record.items() if k in names and v is not None}
    values["dates"] = _dates(record)
    values["first_seen"] = record.get("first_seen")
    values["last_updated"] = record.get("last_updated")
    return values
