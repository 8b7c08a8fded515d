"""Canonical entities across articles.

An :class:`EntityRegistry` gives each person, organisation or place one
canonical id, whatever article it appears in.  Lookups go through alias
indexes (full name; first + last name; surname; first word of an
organisation), never a scan of all entities, so the registry stays fast with
hundreds of thousands of articles.  The rules:

* the same full name is the same entity ("Keir Starmer" = "Sir Keir Starmer",
  since names are compared without forms of address); a name without middle
  names matches one with them when only one such person is known ("George Bush"
  -> "George W. Bush"), and stays apart when several are ("George H. W. Bush"
  and "George W. Bush"), unless the words around it (``context``) pick one;
* a surname alone links to the one known person with that surname; with
  several, the context must point to one, else it stays on its own;
* a full name later seen for a surname-only entity takes that entity over;
* organisations and places link by canonical name; a one-word name links to
  the one known organisation whose name starts with it ("Promises" ->
  "Promises Treatment Center");
* names that are not proper names (no capital: "the actress", "she") are never
  linked: each gets its own id.

The registry exports plain rows (:meth:`EntityRegistry.to_rows`) for the store
and is rebuilt from them with :meth:`EntityRegistry.from_rows`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from storyline.article import Entity
from storyline.enrich.entity_lexicon import fold, load_lexicon
from storyline.enrich.entity_mentions import name_words

MAX_CONTEXT = 96
NOT_NAMES = frozenset(
    {
        "i",
        "me",
        "we",
        "us",
        "you",
        "he",
        "him",
        "she",
        "her",
        "it",
        "they",
        "them",
        "his",
        "hers",
        "its",
        "their",
    }
)

Key = tuple[str, tuple[str, ...]]


def family(entity_type: str) -> str:
    """Entities link only within a family: people, groups (NORP) and everything else named."""
    if entity_type == "PERSON":
        return "PERSON"
    return "NORP" if entity_type == "NORP" else "NAME"


@dataclass(slots=True)
class CanonicalEntity:
    id: str
    name: str
    type: str
    aliases: list[str] = field(default_factory=list)
    count: int = 0
    context: Counter[str] = field(default_factory=Counter)
    ambiguous: bool = False  # a surname-only entity that could not be told apart: never taken over

    @property
    def words(self) -> tuple[str, ...]:
        return name_words(self.name)


def _middles_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    mid_a, mid_b = a[1:-1], b[1:-1]
    if not mid_a or not mid_b:
        return True
    return len(mid_a) == len(mid_b) and all(x[0] == y[0] for x, y in zip(mid_a, mid_b, strict=True))


def _is_place(words: tuple[str, ...]) -> bool:
    lex = load_lexicon()
    text = " ".join(words)
    return text in lex.places or text in lex.demonyms or text in lex.canonical_names


def _without_place(words: tuple[str, ...]) -> tuple[str, ...]:
    """The name without a leading place or nationality: "Boston Red Sox" -> red, sox; else ()."""
    for size in range(min(3, len(words) - 1), 0, -1):
        if _is_place(words[:size]):
            return words[size:]
    return ()


def _ends_with(words: tuple[str, ...], tail: tuple[str, ...]) -> bool:
    return len(words) > len(tail) and words[-len(tail) :] == tail


def looks_like_name(name: str) -> bool:
    letters = [ch for ch in name if ch.isalpha()]
    words = name_words(name)
    return bool(letters) and letters[0].isupper() and bool(words) and words[0].split("'")[0] not in NOT_NAMES


def _alias_words(alias: str) -> tuple[str, ...]:
    words = name_words(alias)
    return words[1:] if words[:1] == ("the",) else words


class EntityRegistry:
    """Cross-article identities: ``resolve(entity, context)`` -> canonical id."""

    def __init__(self, prefix: str = "c") -> None:
        self.prefix = prefix
        self._records: dict[str, CanonicalEntity] = {}
        self._by_name: dict[Key, set[str]] = {}
        self._by_first_last: dict[Key, set[str]] = {}
        self._by_last: dict[Key, set[str]] = {}
        self._by_first_word: dict[Key, set[str]] = {}
        self._next = 1

    def __len__(self) -> int:
        return len(self._records)

    def get(self, canonical_id: str) -> CanonicalEntity:
        return self._records[canonical_id]

    def resolve(self, entity: Entity, context: set[str] | None = None) -> str:
        """The canonical id of ``entity``, registering it (and its aliases) on the way.

        ``context`` holds words or names seen with the entity (e.g. the other
        entities of the article); it only breaks ties between candidates.
        """
        terms = {fold(term) for term in context or set()}
        fam = family(entity.type)
        words = name_words(entity.name)
        if not words or not looks_like_name(entity.name):
            return self._new(entity, fam, words, terms, indexed=False).id
        record = self._find_person(words, terms) if fam == "PERSON" else self._find_other(fam, words, terms)
        if record is None:
            record = self._new(entity, fam, words, terms, indexed=True)
            if fam == "PERSON" and len(words) == 1 and self._by_last.get((fam, words)):
                record.ambiguous = True
        else:
            self._update(record, entity, fam, words, terms)
        return record.id

    # ---- lookups -------------------------------------------------------------------

    def _pick(self, ids: set[str], terms: set[str]) -> CanonicalEntity | None:
        """The one candidate, or the one the context favours over all others."""
        records = [self._records[i] for i in sorted(ids)]
        if len(records) == 1:
            return records[0]
        if not records or not terms:
            return None
        scored = sorted(
            ((sum(r.context[t] > 0 for t in terms), r.count, r) for r in records), key=lambda x: x[:2]
        )
        best, runner_up = scored[-1], scored[-2]
        return best[2] if best[0] > runner_up[0] else None

    def _exact(self, fam: str, words: tuple[str, ...], terms: set[str]) -> CanonicalEntity | None:
        """The entity known by exactly this name: its own name first, then an alias of one entity."""
        ids = self._by_name.get((fam, words), set())
        own = {i for i in ids if self._records[i].words == words}
        if own:
            return self._pick(own, terms) or max((self._records[i] for i in own), key=lambda r: r.count)
        return self._pick(ids, terms) if ids else None

    def _find_person(self, words: tuple[str, ...], terms: set[str]) -> CanonicalEntity | None:
        fam = "PERSON"
        exact = self._exact(fam, words, terms)
        if exact is not None:
            return exact
        if len(words) == 1:
            surname = self._by_last.get((fam, words), set())
            if surname:
                return self._pick(surname, terms)
            return self._other_family("NAME", words, terms)
        pair = self._by_first_last.get((fam, (words[0], words[-1])), set())
        compatible = {i for i in pair if _middles_agree(words, self._records[i].words)}
        if compatible:
            return self._pick(compatible, terms)
        for size in range(len(words) - 1, 0, -1):  # a surname-only entity: "Zelensky", "von der Leyen"
            alone = self._by_name.get((fam, words[-size:]), set())
            alone = {i for i in alone if not self._records[i].ambiguous}
            if len(alone) == 1:
                return self._records[next(iter(alone))]
        same_last = self._by_last.get((fam, words[-1:]), set())
        longer = {i for i in same_last if _ends_with(self._records[i].words, words)}
        if longer:  # a compound surname alone: "Lo Presti" for "Gaetano Lo Presti"
            return self._pick(longer, terms)
        if len(words[0]) == 1 and len(words) > 2:  # a leading initial: "W. Mark Felt" for "Mark Felt"
            return self._find_person(words[1:], terms)
        return None

    def _find_other(self, fam: str, words: tuple[str, ...], terms: set[str]) -> CanonicalEntity | None:
        exact = self._exact(fam, words, terms)
        if exact is not None:
            return exact
        if fam == "NAME" and len(words) > 1:
            rest = _without_place(words)
            if rest:  # "New Orleans Saints" -> "Saints", "Indian Navy" -> "Navy"
                found = self._exact(fam, rest, terms)
                if found is not None:
                    return found
        if len(words) == 1 and fam == "NAME":
            starts = self._by_first_word.get((fam, words), set())
            if starts:
                return self._pick(starts, terms)
        if fam == "NAME":
            # a person the tagger took for an organisation or a place ("Klitschko's", "Hugh Jackman")
            found = self._exact("PERSON", words, terms)
            if found is None and len(words) == 1 and not _is_place(words):
                surname = self._by_last.get(("PERSON", words), set())
                if len(surname) == 1:
                    found = self._records[next(iter(surname))]
            return found
        return None

    def _other_family(self, fam: str, words: tuple[str, ...], terms: set[str]) -> CanonicalEntity | None:
        """A one-word "person" already known as an organisation ("Seacom"), unless it is a place."""
        if _is_place(words):
            return None
        return self._exact(fam, words, terms)

    # ---- changes -------------------------------------------------------------------

    def _new(
        self, entity: Entity, fam: str, words: tuple[str, ...], terms: set[str], indexed: bool
    ) -> CanonicalEntity:
        record = CanonicalEntity(id=f"{self.prefix}{self._next}", name=entity.name, type=entity.type)
        self._next += 1
        self._records[record.id] = record
        self._update(record, entity, fam, words, terms, index=indexed)
        return record

    def _update(
        self,
        record: CanonicalEntity,
        entity: Entity,
        fam: str,
        words: tuple[str, ...],
        terms: set[str],
        index: bool = True,
    ) -> None:
        record.count += 1
        for alias in [entity.name, *entity.aliases]:
            if alias not in record.aliases and len(record.aliases) < 64:
                record.aliases.append(alias)
        record.context.update(terms)
        if len(record.context) > 2 * MAX_CONTEXT:
            record.context = Counter(dict(record.context.most_common(MAX_CONTEXT)))
        if len(words) > len(record.words):
            record.name = entity.name  # the fullest name seen
        if index:
            self._index(record, fam, words)
            self._index(record, fam, record.words)
            if fam != "PERSON":
                for alias in entity.aliases:
                    alias_words = _alias_words(alias)
                    if alias_words and looks_like_name(alias):
                        self._index(record, fam, alias_words)

    def _index(self, record: CanonicalEntity, fam: str, words: tuple[str, ...]) -> None:
        self._by_name.setdefault((fam, words), set()).add(record.id)
        if fam == "NAME" and len(words) > 1 and record.type in {"ORG", "FAC"}:
            rest = _without_place(words)
            if rest:
                self._by_name.setdefault((fam, rest), set()).add(record.id)
        if fam == "PERSON" and len(words) > 1:
            self._by_first_last.setdefault((fam, (words[0], words[-1])), set()).add(record.id)
            self._by_last.setdefault((fam, (words[-1],)), set()).add(record.id)
        if fam == "NAME" and len(words) > 1 and record.type in {"ORG", "FAC"}:
            self._by_first_word.setdefault((fam, words[:1]), set()).add(record.id)

    # ---- plain data ----------------------------------------------------------------

    def to_rows(self) -> list[dict[str, Any]]:
        """One plain dict per canonical entity, for the store's tables."""
        return [
            {
                "id": r.id,
                "name": r.name,
                "type": r.type,
                "aliases": list(r.aliases),
                "count": r.count,
                "context": dict(r.context),
                "ambiguous": r.ambiguous,
            }
            for r in self._records.values()
        ]

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]], prefix: str = "c") -> EntityRegistry:
        registry = cls(prefix=prefix)
        for row in rows:
            record = CanonicalEntity(
                id=row["id"],
                name=row["name"],
                type=row["type"],
                aliases=list(row.get("aliases", [])),
                count=int(row.get("count", 0)),
                context=Counter(row.get("context", {})),
                ambiguous=bool(row.get("ambiguous", False)),
            )
            registry._records[record.id] = record
            if looks_like_name(record.name):
                fam = family(record.type)
                registry._index(record, fam, record.words)
                for alias in record.aliases:
                    alias_words = _alias_words(alias)
                    if fam != "PERSON" and alias_words and looks_like_name(alias):
                        registry._index(record, fam, alias_words)
            number = row["id"].removeprefix(prefix)
            if number.isdigit():
                registry._next = max(registry._next, int(number) + 1)
        return registry


__all__ = ["CanonicalEntity", "EntityRegistry", "family"]
