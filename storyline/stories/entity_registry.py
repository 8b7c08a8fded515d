"""Canonical entities across articles.

An :class:`EntityRegistry` gives each person, organisation or place one
canonical id, whatever article it appears in.  Lookups go through alias
indexes (full name; first + last name; surname; first word of an
organisation; acronym), never a scan of all entities, so the registry stays
fast with hundreds of thousands of articles.

A link is *strong* when the names are the same ("Keir Starmer" = "Sir Keir
Starmer": forms of address are not part of names) and *partial* otherwise.  The
context is the names of the article's other entities (with the entity's
affiliation and role); it breaks ties between candidates, a shared role counting
like a shared name.  It *disagrees* with a known entity when both have names in
their context and share none (roles aside: two presidents called George Bush share
a role, not a context).  Partial links between people are only made where the
context does not disagree:

* a name without middle names and one with them ("George Bush" -> "George W.
  Bush"); different middle names ("George H. W." and "George W.") never link;
* a full name for an entity known so far by its surname alone (it takes the
  entity over), a compound surname ("Lo Presti"), a leading initial ("W. Mark
  Felt"), a name the entity was linked by before, and a short first name ("Fred"
  for "Frederick") when the context shares at least one name.

A surname alone ("Lohan" -> "Lindsay Lohan") links to the one person of that
surname, or to the one the context points to; with several and no clear context it
stays on its own (and is never taken over later).  Organisations and places link

* without a leading place or nationality ("Saints" for "New Orleans Saints"), by
  first word ("Promises" -> "Promises Treatment Center"), last word ("Sox" for
  "Red Sox"), acronym ("THR" for "The Hollywood Reporter", "NYPD"), joined initials
  ("U. S." = "U.S." = "US") and any other name the article gave the entity
  ("Microsoft" beside "Microsoft Corp."), which does not rename it;
* across the tagger's labels: a person tagged as an organisation, place or group
  in one article ("Klitschko" as NORP, "Bettie Page" as ORG) links to the person,
  and a "place" no gazetteer knows that is a known surname is that person; known
  places and nationalities never become people.  The label the entity gets most
  often wins.

Names that are not proper names (no capital: "the actress", "she") are never
linked: each gets its own id.  The registry exports plain rows
(:meth:`EntityRegistry.to_rows`) for the store and is rebuilt from them with
:meth:`EntityRegistry.from_rows`; rows written before label counts, roles and
affiliations were kept still load.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from storyline.article import Entity
from storyline.enrich.entities.lexicon import fold
from storyline.enrich.entities.mentions import name_words
from storyline.enrich.entities.names import (
    acronym,
    acronyms,
    ends_with,
    is_acronym,
    is_place,
    join_initials,
    key_words,
    looks_like_name,
    middles_agree,
    short_first_name,
    without_place,
)

MAX_CONTEXT = 96
ROLE = "role:"  # context terms for roles ("role:deputy")
MAX_ALIASES = 64
Key = tuple[str, tuple[str, ...]]
Found = tuple["CanonicalEntity", bool]  # the entity and whether the link is partial


def family(entity_type: str, name: str = "") -> str:
    """Entities link only within a family: people, groups (NORP) and everything else named.

    A "group" that is no known nationality or place ("Klitschko", "Lionsgate") is a
    tagging error and counts as a name.
    """
    if entity_type == "PERSON":
        return "PERSON"
    if entity_type == "NORP" and (not name or is_place(name_words(name))):
        return "NORP"
    return "NAME"


@dataclass(slots=True)
class CanonicalEntity:
    id: str
    name: str
    type: str
    aliases: list[str] = field(default_factory=list)
    count: int = 0
    context: Counter[str] = field(default_factory=Counter)
    ambiguous: bool = False  # a surname-only entity that could not be told apart: never taken over
    types: Counter[str] = field(default_factory=Counter)  # the labels it was given, per article
    role: str | None = None
    affiliation: str | None = None

    @property
    def words(self) -> tuple[str, ...]:
        return name_words(self.name)


class EntityRegistry:
    """Cross-article identities: ``resolve(entity, context)`` -> canonical id."""

    def __init__(self, prefix: str = "c") -> None:
        self.prefix = prefix
        self._records: dict[str, CanonicalEntity] = {}
        self._by_name: dict[Key, set[str]] = {}
        self._by_first_last: dict[Key, set[str]] = {}
        self._by_last: dict[Key, set[str]] = {}
        self._by_first_word: dict[Key, set[str]] = {}
        self._by_acronym: dict[Key, set[str]] = {}
        self._by_last_word: dict[Key, set[str]] = {}
        self._next = 1

    def __len__(self) -> int:
        return len(self._records)

    def get(self, canonical_id: str) -> CanonicalEntity:
        return self._records[canonical_id]

    def resolve(self, entity: Entity, context: set[str] | None = None) -> str:
        """The canonical id of ``entity``, registering it (and its aliases) on the way.

        ``context`` holds words or names seen with the entity (e.g. the other
        entities of the article); it breaks ties between candidates and vetoes
        partial links it disagrees with.
        """
        terms = {fold(term) for term in context or set()}
        if entity.affiliation:
            terms.add(fold(entity.affiliation))
        if entity.role:
            terms.add(ROLE + fold(entity.role))  # breaks ties, never agrees on its own
        fam = family(entity.type, entity.name)
        words = key_words(fam, entity.name)
        if not words or not looks_like_name(entity.name):
            return self._new(entity, fam, words, terms, indexed=False).id
        if fam == "PERSON":
            found = self._find_person(words, terms)
        else:
            found = self._find_other(fam, words, terms, entity.type)
        if found is None and fam != "PERSON":
            found = self._find_by_alias(entity, fam, words, terms)
        if found is None:
            record = self._new(entity, fam, words, terms, indexed=True)
            if fam == "PERSON" and len(words) == 1 and self._by_last.get((fam, words)):
                record.ambiguous = True
        else:
            record, partial = found
            self._update(record, entity, fam, words, terms, rename=not partial or fam == "PERSON")
        return record.id

    # ---- lookups -------------------------------------------------------------------

    def _agrees(self, record: CanonicalEntity, terms: set[str], strict: bool = False) -> bool:
        """Does the context allow a partial link?  ``strict``: it must share a name.

        Roles do not count: two presidents called George Bush share a role, not a context.
        """
        names = {t for t in terms if not t.startswith(ROLE)}
        if not names or not any(not t.startswith(ROLE) for t in record.context):
            return not strict
        return any(record.context[t] > 0 for t in names)

    def _pick(self, ids: Iterable[str], terms: set[str], partial: bool = True) -> CanonicalEntity | None:
        """The one candidate, or the one the context favours over all others.

        For a partial link, candidates whose context disagrees are dropped first.
        """
        records = [self._records[i] for i in sorted(set(ids))]
        if partial:
            records = [r for r in records if self._agrees(r, terms)]
        if len(records) == 1:
            return records[0]
        if not records or not terms:
            return None
        scored = sorted(
            ((sum(r.context[t] > 0 for t in terms), r.count, r) for r in records), key=lambda x: x[:2]
        )
        best, runner_up = scored[-1], scored[-2]
        return best[2] if best[0] > runner_up[0] else None

    def _named(self, fam: str, words: tuple[str, ...], terms: set[str]) -> Found | None:
        """The entity known by exactly this name; a name it was only linked by before is a partial link."""
        ids = self._by_name.get((fam, words), set())
        own = {i for i in ids if key_words(fam, self._records[i].name) == words}
        if own:
            picked = self._pick(own, terms, partial=False)
            return picked or max((self._records[i] for i in own), key=lambda r: r.count), False
        alias = self._pick(ids, terms, partial=fam == "PERSON") if ids else None
        return (alias, True) if alias is not None else None

    def _exact(self, fam: str, words: tuple[str, ...], terms: set[str]) -> CanonicalEntity | None:
        found = self._named(fam, words, terms)
        return found[0] if found is not None else None

    def _find_person(self, words: tuple[str, ...], terms: set[str]) -> Found | None:
        fam = "PERSON"
        exact = self._named(fam, words, terms)
        if exact is not None:
            return exact
        found = self._person_partial(words, terms)
        if found is None and not is_place(words):
            # a name the tagger took for an organisation or a place elsewhere ("Bettie Page", "Seacom")
            found = self._exact("NAME", join_initials(words), terms)
            if found is not None and not self._agrees(found, terms):
                found = None
        return (found, True) if found is not None else None

    def _person_partial(self, words: tuple[str, ...], terms: set[str]) -> CanonicalEntity | None:
        fam = "PERSON"
        if len(words) == 1:  # the one person of that surname, or the one the context points to
            return self._pick(self._by_last.get((fam, words), set()), terms, partial=False)
        pair = self._by_first_last.get((fam, (words[0], words[-1])), set())
        compatible = {i for i in pair if middles_agree(words, self._records[i].words)}
        if compatible:
            return self._pick(compatible, terms)
        for size in range(len(words) - 1, 0, -1):  # a surname-only entity: "Zelensky", "von der Leyen"
            tail = words[-size:]
            alone = {
                i
                for i in self._by_name.get((fam, tail), set())
                if not self._records[i].ambiguous and self._records[i].words == tail
            }
            alone = {i for i in alone if self._agrees(self._records[i], terms)}
            if len(alone) == 1:
                return self._records[next(iter(alone))]
        same_last = self._by_last.get((fam, words[-1:]), set())
        longer = {i for i in same_last if ends_with(self._records[i].words, words)}
        if longer:  # a compound surname alone: "Lo Presti" for "Gaetano Lo Presti"
            return self._pick(longer, terms)
        if len(words[0]) == 1 and len(words) > 2:  # a leading initial: "W. Mark Felt" for "Mark Felt"
            return self._person_partial(words[1:], terms) or self._exact(fam, words[1:], terms)
        nicknames = {
            i
            for i in same_last
            if len(self._records[i].words) > 1
            and short_first_name(words[0], self._records[i].words[0])
            and middles_agree(words, self._records[i].words)
            and self._agrees(self._records[i], terms, strict=True)
        }
        return self._pick(nicknames, terms) if nicknames else None

    def _find_other(self, fam: str, words: tuple[str, ...], terms: set[str], kind: str = "") -> Found | None:
        if kind in {"GPE", "LOC", "NORP"} and len(words) == 1 and not is_place(words):
            # a "place" no gazetteer knows that is a known surname ("Bush", "Palin") is the person
            person = self._pick(self._by_last.get(("PERSON", words), set()), terms, partial=False)
            if person is not None:
                return person, True
        exact = self._named(fam, words, terms)
        if exact is not None:
            return exact
        found = self._other_partial(fam, words, terms)
        return (found, True) if found is not None else None

    def _other_partial(self, fam: str, words: tuple[str, ...], terms: set[str]) -> CanonicalEntity | None:
        if fam != "NAME":
            return None
        if len(words) > 1:
            rest = without_place(words)
            if rest:  # "New Orleans Saints" -> "Saints", "Indian Navy" -> "Navy"
                found = self._pick(self._by_name.get((fam, rest), set()), terms)
                if found is not None:
                    return found
            initials = acronym(words)
            if initials:  # "New York Police Department" for a known "NYPD"
                ids = {
                    i
                    for i in self._by_name.get((fam, (initials,)), set())
                    if is_acronym(self._records[i].name)
                }
                found = self._pick(ids, terms)
                if found is not None:
                    return found
        if len(words) == 1:
            found = self._pick(self._by_first_word.get((fam, words), set()), terms)
            if found is None:
                found = self._pick(self._by_acronym.get((fam, words), set()), terms)
            if found is None and not is_place(words):  # "Sox" for "Red Sox"
                found = self._pick(self._by_last_word.get((fam, words), set()), terms)
            if found is not None:
                return found
        if is_place(words):
            return None
        # a person the tagger took for an organisation, a place or a group ("Klitschko's", "Hugh Jackman")
        found = self._exact("PERSON", words, terms)
        if found is not None and self._agrees(found, terms):
            return found
        if len(words) == 1:
            return self._pick(self._by_last.get(("PERSON", words), set()), terms)
        return None

    def _find_by_alias(
        self, entity: Entity, fam: str, words: tuple[str, ...], terms: set[str]
    ) -> Found | None:
        """An organisation or place found under another name its article gave it ("Microsoft")."""
        seen = {words}
        for alias in sorted(entity.aliases, key=len, reverse=True):
            alias_words = key_words(fam, alias)
            if alias_words in seen or not alias_words or not looks_like_name(alias):
                continue
            seen.add(alias_words)
            found = self._exact(fam, alias_words, terms)
            if found is not None and self._agrees(found, terms):
                return found, True
        return None

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
        rename: bool = True,
    ) -> None:
        record.count += 1
        record.types[entity.type] += 1
        record.type = max(record.types, key=lambda t: (record.types[t], t == record.type))
        record.role = record.role or entity.role
        record.affiliation = record.affiliation or entity.affiliation
        for alias in [entity.name, *entity.aliases]:
            if alias not in record.aliases and len(record.aliases) < MAX_ALIASES:
                record.aliases.append(alias)
        record.context.update(terms)
        if len(record.context) > 2 * MAX_CONTEXT:
            record.context = Counter(dict(record.context.most_common(MAX_CONTEXT)))
        if rename and len(name_words(entity.name)) > len(record.words):
            record.name = entity.name  # the fullest name seen
        if index:
            self._index(record, fam, words)
            self._index(record, fam, key_words(fam, record.name))
            if fam != "PERSON":
                for alias in entity.aliases:
                    alias_words = key_words(fam, alias)
                    if alias_words and looks_like_name(alias):
                        self._index(record, fam, alias_words)

    def _index(self, record: CanonicalEntity, fam: str, words: tuple[str, ...]) -> None:
        self._by_name.setdefault((fam, words), set()).add(record.id)
        if fam == "PERSON" and len(words) > 1:
            self._by_first_last.setdefault((fam, (words[0], words[-1])), set()).add(record.id)
            self._by_last.setdefault((fam, (words[-1],)), set()).add(record.id)
        if fam == "NAME" and len(words) > 1 and record.type in {"ORG", "FAC"}:
            rest = without_place(words)
            if rest:
                self._by_name.setdefault((fam, rest), set()).add(record.id)
            self._by_first_word.setdefault((fam, words[:1]), set()).add(record.id)
            self._by_last_word.setdefault((fam, words[-1:]), set()).add(record.id)
            for short in acronyms(" ".join(words)) | acronyms(record.name):
                self._by_acronym.setdefault((fam, (short,)), set()).add(record.id)

    # ---- plain data ----------------------------------------------------------------

    def to_rows(self, ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """One plain dict per canonical entity (those of ``ids`` only, when given), for the store's tables."""
        records = self._records.values() if ids is None else (self._records[i] for i in ids if i in self._records)
        return [
            {
                "id": r.id,
                "name": r.name,
                "type": r.type,
                "aliases": list(r.aliases),
                "count": r.count,
                "context": dict(r.context),
                "ambiguous": r.ambiguous,
                "types": dict(r.types),
                "role": r.role,
                "affiliation": r.affiliation,
            }
            for r in records
        ]

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]], prefix: str = "c") -> EntityRegistry:
        registry = cls(prefix=prefix)
        registry.merge_rows(rows)
        return registry

    def merge_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        """Take in rows of :meth:`to_rows`, such as another worker wrote to the store since.

        A row replaces the record of its id (the writer had taken in this registry's rows
        first, so it knows more) or adds one; index keys are only ever added, as resolving
        does; new ids continue after the highest seen.
        """
        for row in rows:
            types = Counter({str(k): int(v) for k, v in (row.get("types") or {}).items()})
            record = CanonicalEntity(
                id=row["id"],
                name=row["name"],
                type=row["type"],
                aliases=list(row.get("aliases", [])),
                count=int(row.get("count", 0)),
                context=Counter(row.get("context", {})),
                ambiguous=bool(row.get("ambiguous", False)),
                types=types or Counter({row["type"]: max(1, int(row.get("count", 0)))}),
                role=row.get("role"),
                affiliation=row.get("affiliation"),
            )
            self._records[record.id] = record
            if looks_like_name(record.name):
                for fam in {family(t, record.name) for t in record.types}:
                    self._index(record, fam, key_words(fam, record.name))
                    for alias in record.aliases:
                        alias_words = key_words(fam, alias)
                        if fam != "PERSON" and alias_words and looks_like_name(alias):
                            self._index(record, fam, alias_words)
            number = row["id"].removeprefix(self.prefix)
            if number.isdigit():
                self._next = max(self._next, int(number) + 1)


__all__ = ["CanonicalEntity", "EntityRegistry", "family", "looks_like_name"]
