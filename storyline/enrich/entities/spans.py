"""Name spans glued to other words, cut down to the names an article uses.

The tagger's spans are unreliable in title-cased headlines ("Obama Overturns
Bush Rules", "Andrew Lopez Confesses To Murder Of ...") and sometimes glue a
title or a nationality to a name ("Comedian Ellen DeGeneres", "American Hasim
Rahman").  :func:`headlines` finds the title-cased stretches of an article and
:func:`trim_to_known` cuts spans into the names seen elsewhere in it, using the
words the article writes in lower case (:func:`common_words`) to tell a
headline's verbs from first names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc, Token

from storyline.enrich.entities.mentions import Mention, name_words
from storyline.nlp import doc_text

URL_LIKE = re.compile(r"https?:|www\.|\.html?\b|(?:/[^/\n]*){3}")
# words a title-cased headline leaves in lower case
TITLE_LOWER = frozenset(
    {
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "nor",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "from",
        "as",
        "vs",
        "via",
        "into",
        "up",
        "off",
        "over",
    }
)


def headlines(doc: Doc) -> list[tuple[int, int]]:
    """Character bounds of title-cased stretches (headlines, captions), where tagged spans are unreliable.

    A stretch is a run of words on one line with no lowercase word but short
    function words ("of", "in"), at least four capitalised words, and among them
    (after the first) one that is no proper noun ("Checks Into", "Beat", "In")
    or four in capitals ("RED SOX MAKE HUGE OFFER"): a list of names in running
    text is not a headline.
    """
    found: list[tuple[int, int]] = []
    run: list[Token] = []

    def close() -> None:
        caps = [t for t in run if t.is_alpha and t.text[:1].isupper()]
        telling = [t for t in caps[1:] if len(t.text) > 1 and (t.is_stop or t.pos_ != "PROPN")]
        shouting = [t for t in caps if len(t.text) > 1 and t.text.isupper()]
        if len(caps) >= 4 and (telling or len(shouting) >= 4):
            found.append((run[0].idx, run[-1].idx + len(run[-1].text)))
        run.clear()

    for tok in doc:
        lower = tok.is_alpha and tok.text[:1].islower()
        if "\n" in tok.text or (lower and tok.lower_ not in TITLE_LOWER):
            close()
            continue
        if not tok.is_space and (run or not lower):
            run.append(tok)
        if "\n" in tok.whitespace_ or tok.text[-1:] in {".", "!", "?"}:
            close()
    close()
    return found


def trim_to_known(
    mentions: list[Mention],
    text: str,
    headlines: list[tuple[int, int]],
    common: set[str],
    demonyms: Iterable[str] = (),
) -> list[Mention]:
    """Cut spans glued to neighbouring words down to the names seen in the article.

    "Comedian Ellen DeGeneres" becomes "Ellen DeGeneres" when that name also
    stands on its own.  In a title-cased headline a span is cut into the names it
    holds when every other word is a common word of the article (``common``: words
    it writes in lower case): "Obama Overturns" -> "Obama", "Academy Picked Ellen
    DeGeneres" -> "Academy" + "Ellen DeGeneres", "Esther Williams - Esther Williams"
    -> twice "Esther Williams", each with the label the name has elsewhere; "Keir
    Starmer" keeps its first name even when "Starmer" alone is known.  Elsewhere a
    person's name loses a nationality or a small word the tagger glued to it
    ("American Hasim Rahman", "Teixeira Here").
    """

    def in_headline(m: Mention) -> bool:
        return any(s <= m.start < e for s, e in headlines)

    labels: dict[tuple[str, ...], str] = {}
    for m in mentions:
        if not in_headline(m):
            labels.setdefault(m.tokens, m.label)
    # in the order of the text (dicts, not sets): whichever is read first, ties are broken alike in every process
    people = dict.fromkeys(m.tokens for m in mentions if m.label == "PERSON" and len(m.tokens) > 1
                           and not in_headline(m))
    # names standing on their own; after a form of address a name is a surname, also of several
    # words ("Ms Von der Leyen"): no full name to cut "Ursula von der Leyen" down to
    full_names = dict.fromkeys(m.tokens for m in mentions if m.label == "PERSON" and len(m.tokens) > 1
                               and not in_headline(m) and m.honorific is None)
    headline_known = dict(labels)
    for words in people:
        headline_known.setdefault(words[-1:], "PERSON")  # a surname
    for m in mentions:
        headline_known.setdefault(m.tokens, m.label)  # names inside headlines too ("Fred LaRue Dies")
    for words in [k for k in headline_known if len(k) == 1 and k[0] in TITLE_LOWER]:
        del headline_known[words]
    person_known = {k: "PERSON" for k in people} | {k[-1:]: "PERSON" for k in people}
    glue = set(STOP_WORDS) | set(demonyms)
    out: list[Mention] = []
    for mention in mentions:
        words = mention.tokens
        if len(words) < 2 or mention.honorific is not None or mention.canonical:
            out.append(mention)
            continue
        headline = in_headline(mention)
        if headline or len(words) >= 4:
            known = {k: v for k, v in headline_known.items() if k and k != words}
            names = {w for m in mentions if m.tokens != words for w in m.tokens} if headline else None
            parts = _cover(words, known, common, names)
            if parts:
                out.extend(_split(mention, text, parts, headline_known))
                continue
        if mention.label == "PERSON" and len(words) >= 3 and not headline:
            inner = [k for k in full_names if len(k) < len(words) and _contains(words, k)]
            if inner:
                out.extend(_split(mention, text, [max(inner, key=len)], labels))
                continue
        if not headline:  # a person glued to a nationality or a small word: "American Hasim Rahman"
            parts = _cover(words, person_known, glue)
            if parts and (parts != [words] or mention.label != "PERSON"):
                out.extend(_split(mention, text, parts, person_known))
                continue
        out.append(mention)
    return out


def _cover(
    words: tuple[str, ...],
    known: dict[tuple[str, ...], str],
    common: set[str],
    names: set[str] | None = None,
) -> list[tuple[str, ...]]:
    """The known names a span is made of, left to right; [] when it cannot be cut.

    Other words must be common words of the article.  With ``names`` (the name words
    of the article; used in headlines) any other word may go too ("Obama To Nominate
    Regina Benjamin"), except a name word, or a word that opens a name before a
    known surname, which may be a first name ("Keir" in "Keir Starmer").
    """
    parts: list[tuple[str, ...]] = []
    i = 0
    after_name = False
    while i < len(words):
        found = max((k for k in known if words[i : i + len(k)] == k), key=len, default=None)
        if found is not None:
            if after_name:
                return []  # two names side by side are one name ("Lindsay" + "Lohan")
            parts.append(found)
            i += len(found)
            after_name = True
            continue
        word = words[i]
        if not (word in common or word.rstrip("s") in common or word in TITLE_LOWER):
            if names is None or word in names:
                return []
            following = [k for k in known if len(k) == 1 and words[i + 1 : i + 2] == k]
            if not after_name and any(known[k] == "PERSON" for k in following):
                return []  # maybe a first name: "Keir Starmer"
        after_name = False
        i += 1
    return parts


def _split(
    mention: Mention, text: str, parts: list[tuple[str, ...]], labels: dict[tuple[str, ...], str]
) -> list[Mention]:
    """New mentions for ``parts`` of a mention's span, in order."""
    surface = text[mention.start : mention.end]
    found: list[Mention] = []
    offset = 0
    for part in parts:
        bounds = _locate(surface, part, offset)
        if bounds is None:
            return found or [mention]
        start, end = bounds
        offset = end
        found.append(
            Mention(
                mention.start + start,
                mention.start + end,
                labels.get(part, mention.label),
                surface[start:end],
                part,
                role=mention.role,
                affiliation=mention.affiliation,
            )
        )
    return found


def common_words(doc: Doc) -> set[str]:
    """Words the article writes in lower case (and their forms without a final "s"), web addresses aside."""
    found: set[str] = set()
    for line in re.finditer(r"[^\n]+", doc_text(doc)):
        if URL_LIKE.search(line.group()):
            continue
        span = doc.char_span(line.start(), line.end(), alignment_mode="expand")
        for tok in span if span is not None else ():
            if tok.is_alpha and tok.text.islower():
                found.update((tok.text, tok.text.rstrip("s"), tok.lemma_.lower()))
    return found


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


def _locate(surface: str, part: tuple[str, ...], offset: int = 0) -> tuple[int, int] | None:
    """Character bounds of the words ``part`` inside ``surface`` (from ``offset`` on)."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", surface) if m.start() >= offset]
    for i in range(len(spans)):
        for j in range(i + 1, len(spans) + 1):
            a, b = spans[i][0], spans[j - 1][1]
            chunk = surface[a:b]
            if name_words(chunk) == part:
                trimmed = re.sub(r"(['’]s?|[,;:!?\"”)])+$", "", chunk)
                lead = len(trimmed) - len(trimmed.lstrip("\"'“‘("))
                return a + lead, a + len(trimmed)
    return None


__all__ = ["common_words", "headlines", "trim_to_known"]
