"""Name keys for the entity registry: how names are compared across articles.

Pure functions over folded name words (:func:`storyline.enrich.entities.mentions.name_words`):
which names are proper names, middle names and short first names that agree,
places and nationalities, joined initials ("U. S." = "US") and acronyms.
"""

from __future__ import annotations

from storyline.enrich.entities.lexicon import load_lexicon
from storyline.enrich.entities.mentions import name_words

MIN_ACRONYM = 3  # letters; two-letter acronyms are too ambiguous to link on their own
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
ACRONYM_SKIP = frozenset({"of", "the", "and", "for", "de", "&", "a", "an", "in", "on"})


def middles_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    mid_a, mid_b = a[1:-1], b[1:-1]
    if not mid_a or not mid_b:
        return True
    return len(mid_a) == len(mid_b) and all(x[0] == y[0] for x, y in zip(mid_a, mid_b, strict=True))


def short_first_name(a: str, b: str) -> bool:
    """ "Fred" and "Frederick": one first name starts the other (three letters at least)."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 3 and short != long and long.startswith(short)


def is_place(words: tuple[str, ...]) -> bool:
    lex = load_lexicon()
    text = " ".join(words)
    return text in lex.places or text in lex.demonyms or text in lex.canonical_names


def without_place(words: tuple[str, ...]) -> tuple[str, ...]:
    """The name without a leading place or nationality: "Boston Red Sox" -> red, sox; else ()."""
    for size in range(min(3, len(words) - 1), 0, -1):
        if is_place(words[:size]):
            return words[size:]
    return ()


def ends_with(words: tuple[str, ...], tail: tuple[str, ...]) -> bool:
    return len(words) > len(tail) and words[-len(tail) :] == tail


def join_initials(words: tuple[str, ...]) -> tuple[str, ...]:
    """ "U. S. Surgeon General" and "U.S. Surgeon General" -> us, surgeon, general."""
    out: list[str] = []
    run = ""
    for word in words:
        bare = word.replace(".", "")
        if len(bare) == 1 and bare.isalpha():
            run += bare
            continue
        if run:
            out.append(run)
            run = ""
        out.append(bare or word)
    if run:
        out.append(run)
    return tuple(out)


def key_words(fam: str, name: str) -> tuple[str, ...]:
    """The words a name is indexed by: people keep their initials, other names join them."""
    words = name_words(name)
    if words[:1] == ("the",):
        words = words[1:]
    return words if fam == "PERSON" else join_initials(words)


def acronym(words: tuple[str, ...]) -> str:
    """Initials without small words: "Academy of Motion Picture Arts and Sciences" -> ampas."""
    letters = [w[0] for w in words if w not in ACRONYM_SKIP and w[:1].isalpha()]
    return "".join(letters) if len(words) > 1 and len(letters) >= MIN_ACRONYM else ""


def acronyms(name: str) -> set[str]:
    """The acronyms a name may go by: without small words, and with every word ("The Hollywood Reporter" -> thr)."""
    words = name_words(name)
    every = "".join(w[0] for w in words if w[:1].isalpha())
    found = {acronym(words), every if len(words) > 1 and len(every) >= MIN_ACRONYM else ""}
    return found - {""}


def is_acronym(name: str) -> bool:
    letters = [ch for ch in name if ch.isalpha()]
    return len(letters) >= MIN_ACRONYM and all(ch.isupper() for ch in letters) and " " not in name.strip()


def looks_like_name(name: str) -> bool:
    letters = [ch for ch in name if ch.isalpha()]
    words = name_words(name)
    return bool(letters) and letters[0].isupper() and bool(words) and words[0].split("'")[0] not in NOT_NAMES


__all__ = [
    "acronym",
    "acronyms",
    "ends_with",
    "is_acronym",
    "is_place",
    "join_initials",
    "key_words",
    "looks_like_name",
    "middles_agree",
    "short_first_name",
    "without_place",
]
