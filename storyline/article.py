"""The shared types that flow through every stage.

An :class:`Article` is made by a reader (``storyline.ingest``), filled in by the
cleaning and metadata stages, linked by deduplication, annotated by the
enrichment stages and finally written by the store.  Character offsets in
:class:`Entity`, :class:`Quote`, :class:`TimeExpression` and :class:`Event`
always index into :attr:`Article.body`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Span = tuple[int, int]


@dataclass(slots=True)
class Failure:
    """An input that could not become an article, with the reason a user sees."""

    source: str
    reason: str


@dataclass(slots=True)
class RawDocument:
    """What a reader hands to the cleaning stage.

    Exactly one of ``text`` (a plain-text dump, or a trusted body from JSONL)
    and ``html`` is set.  ``given`` holds metadata that the input carried
    explicitly (JSONL fields, feed entry fields, HTTP headers); those values are
    trusted and never overwritten by extraction.
    """

    source: str
    kind: str  # "text" | "html" | "body" (trusted text, used as it is)
    text: str | None = None
    html: str | None = None
    url: str | None = None
    given: dict[str, Any] = field(default_factory=dict)
    collection: str | None = None  # folder, feed or archive it came from


@dataclass(slots=True)
class Entity:
    id: str
    name: str
    type: str  # PERSON | ORG | GPE | LOC | NORP | ...
    aliases: list[str] = field(default_factory=list)
    mentions: list[Span] = field(default_factory=list)
    role: str | None = None
    affiliation: str | None = None
    canonical_id: str | None = None  # cross-article identity, set by the store


@dataclass(slots=True)
class Quote:
    text: str
    start: int
    end: int
    speaker_mention: str | None
    speaker_span: Span | None
    speaker_id: str | None  # Entity.id within the article, or None when unknown
    speaker_name: str | None
    cue: str | None
    medium: str | None
    indirect: bool = False


@dataclass(slots=True)
class TimeExpression:
    text: str
    start: int
    end: int
    type: str  # DATE | TIME | DURATION | SET
    value: str | None  # TIMEX3 value, None when it cannot be resolved


@dataclass(slots=True)
class Event:
    what: str
    type: str  # meeting | call | summit | visit | statement | ...
    date: str | None
    date_text: str | None
    place: str | None
    participants: list[str]
    evidence: Span
    status: str = "happened"  # happened | planned | reported (told with a hedge)


@dataclass(slots=True)
class Article:
    id: str
    source: str
    body: str
    url: str | None = None
    external_id: str | None = None
    publisher: str | None = None
    via: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None  # ISO date, None when unknown
    language: str | None = None
    image: str | None = None  # the lead image's http(s) address, when the source gives one
    duplicate_of: str | None = None
    content_hash: str | None = None
    collection: str | None = None
    # which method produced each metadata field, e.g. {"published": "htmldate"}
    extracted_by: dict[str, str] = field(default_factory=dict)
    raw: str | None = None  # the input as received, kept for re-cleaning
    raw_kind: str | None = None
    entities: list[Entity] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    times: list[TimeExpression] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    lemmas: list[str] | None = None  # content-word lemmas, for story clustering
    # what cleaning could not use, e.g. a given date that is no date; said in the item's
    # outcome, never stored
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("raw")
        data.pop("notes")
        return data


@dataclass(slots=True)
class Extraction:
    """What a cleaner recovered from one input: the body and whatever metadata it found.

    ``extracted_by`` names the method behind each field it set, e.g.
    ``{"body": "trafilatura", "published": "htmldate"}``.  Unknown fields stay None.
    """

    body: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    publisher: str | None = None
    via: str | None = None
    language: str | None = None
    url: str | None = None
    image: str | None = None
    extracted_by: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)  # boilerplate taken out, for inspection
    notes: list[str] = field(default_factory=list)  # what could not be read, said in the item's outcome


class Skip(Exception):
    """Raised by a stage when one input cannot become an article.

    The message is the reason the user sees in the run summary; the batch goes on.
    """
