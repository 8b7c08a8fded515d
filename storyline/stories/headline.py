"""A story's headline and short summary, taken from its articles' own sentences.

The headline is the title of the story's most representative recent article
(see :func:`headline`); when no article has a title (plain-text dumps often have
none) it is the main clause of that article's first sentence.  The summary is two or three lede
sentences chosen for how much of the story they cover and how little they
repeat each other.  Nothing is generated: every word comes from an article.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from storyline.article import Article
from storyline.nlp import sentence_spans
from storyline.stories.timeline import words

MAX_HEADLINE = 110
LEDE_SENTENCES = 3
MIN_WORDS = 8
HEADLINE_SCAN = 2000  # characters of a body read for a headline from its lede
# A web address, also as a tokenizer leaves one ("http: / / www. example. com / news / …").
_ADDRESS = re.compile(r"(?:https?://|www\.)\S+", re.I)
_WORDS_APART = re.compile(r"[^\W_]\s+[^\W_]")  # two words with only a space between them
_CLAUSE_BREAK = re.compile(r",\s+(?:[A-Z][\w ]{0,40}\s+(?:said|says|reported|announced)\b|after|as|while|amid|despite|but)\b")


def is_address(title: str) -> bool:
    """Whether a title is only a web address: some scrapes and feeds put the page's address
    where its headline belongs.  The address is no headline to show."""
    if _WORDS_APART.search(title):  # "www.example.org goes offline": a headline naming a site
        return False
    return bool(_ADDRESS.fullmatch("".join(title.split())))


def _as_headline(title: str | None) -> str | None:
    """A title as a headline may show it: None when there is none or it is only an address."""
    if not title or not title.strip() or is_address(title):
        return None
    return " ".join(title.split())


def article_headline(title: str | None, body: str) -> str:
    """What an article is headed with wherever it is listed or shown: its own title, or, when it
    has none (plain-text dumps often have none) or only a web address, the main clause of its
    first lede sentence that can head it, shortened as a story's headline is (see :func:`_clause`).

    News readers head an untitled item with its own first words, not with "Untitled" or a file
    name; the stored ``title`` stays empty, so exports and the API still tell that the article
    had none.  The store keeps this value with each article (``articles.headline``)."""
    shown = _as_headline(title)
    if shown:
        return shown
    return lede_headline(body) or _first_clause(body) or "Untitled article"


def lede_headline(body: str) -> str | None:
    """The main clause of the first of a body's lede sentences that can head it: long enough
    (``MIN_WORDS``) and not opening with a quotation, which heads nothing without its speaker.
    Only the body's first ``HEADLINE_SCAN`` characters are read."""
    body = body[:HEADLINE_SCAN]
    for start, end in sentence_spans(body)[:LEDE_SENTENCES]:
        text = body[start:end]
        if len(text.split()) >= MIN_WORDS and text.lstrip()[:1] not in "“\"‘'":
            return _clause(text)
    return None


def _first_clause(body: str) -> str | None:
    """The main clause of the first sentence, whatever it is (short, or opening with a quotation):
    for a body none of whose lede sentences can head it."""
    body = body[:HEADLINE_SCAN]
    spans = sentence_spans(body)
    return _clause(body[spans[0][0]:spans[0][1]]) if spans else None


def _vocabulary(articles: Sequence[Article]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for article in articles:
        counts.update(words(" ".join(filter(None, [article.title, article.body[:2000]]))))
    return counts


def centrality(articles: Sequence[Article]) -> dict[str, float]:
    """How typical each article is of the group: mean overlap of its words with the others'."""
    sets = {a.id: words(" ".join(filter(None, [a.title, a.body[:3000]]))) for a in articles}
    scores: dict[str, float] = {}
    for article_id, own in sets.items():
        others = [s for other, s in sets.items() if other != article_id]
        if not others or not own:
            scores[article_id] = 0.0
            continue
        scores[article_id] = sum(len(own & s) / len(own | s) for s in others) / len(others)
    return scores


LEDE_SCAN = 20_000  # characters of a body read for its lede sentences


def _lede(article: Article) -> list[tuple[int, int]]:
    """The spans of the body's first sentences, read from its start only (a 1.5 MB text dump
    cost seconds to split whole); a sentence the cut may have cut short is left out."""
    body = article.body[:LEDE_SCAN]
    spans = sentence_spans(body)
    if len(article.body) > LEDE_SCAN and spans:
        spans = spans[:-1]
    return spans[:LEDE_SENTENCES]


def _clause(sentence: str) -> str:
    """The main clause of a lede, short enough for a headline.

    Past the clause breaks, a sentence still too long is cut where a phrase begins (before
    "with", "in", "which", ...) as far on as the limit allows, so the shortened headline does not
    end "... with the Belgian…" in the middle of a phrase."""
    sentence = " ".join(sentence.split()).rstrip(".")
    if len(sentence) <= MAX_HEADLINE:
        return sentence
    match = _CLAUSE_BREAK.search(sentence, 30)
    if match and match.start() <= MAX_HEADLINE:
        return sentence[: match.start()]
    head = sentence[: MAX_HEADLINE + 1]
    phrases = [m.start() for m in _PHRASE_START.finditer(head) if m.start() >= MIN_CUT]
    if phrases:
        cut = head[: phrases[-1]]
    else:
        cut = head.rsplit(" ", 1)[0]
        while len(split := cut.rsplit(" ", 1)) == 2 and split[1].lower() in _FUNCTION_WORDS:
            cut = split[0]
    return cut.rstrip(",;:–— ") + "…"


# words that begin a phrase: a shortened headline is best cut before one
_PHRASE_WORDS = ("with", "in", "on", "at", "for", "from", "by", "of", "to", "into", "over", "about", "against",
                 "amid", "after", "before", "as", "while", "despite", "during", "following", "ahead", "and",
                 "but", "or", "which", "who", "whose", "that", "where", "when")
_PHRASE_START = re.compile(r" (?=(?:" + "|".join(_PHRASE_WORDS) + r")\b)", re.I)
_FUNCTION_WORDS = frozenset((*_PHRASE_WORDS, "the", "a", "an", "its", "his", "her", "their", "our", "this", "these"))
MIN_CUT = 60  # characters a shortened headline keeps at least when it is cut before a phrase

REPRESENTATIVE = 0.8  # an article this close to the most typical one's centrality is representative


def headline(articles: Sequence[Article]) -> str:
    """The story's most representative recent development: among the articles nearly as
    typical of the story as the most typical one, the latest published (undated ones last)
    gives its title, or the main clause of its lede when it has none (or its title is only
    a web address).

    The first article only tells how the story began, and the single most typical one is
    often an early, long report; a reader wants what the story is now, told in words
    typical of it."""
    if not articles:
        return "Untitled story"
    scores = centrality(articles)
    best = max(scores.values(), default=0.0)
    ranked = sorted(articles, key=lambda a: (-scores.get(a.id, 0.0), a.published or "", a.id))
    if best > 0:
        representative = [a for a in ranked if scores.get(a.id, 0.0) >= REPRESENTATIVE * best]
        representative.sort(key=lambda a: (a.published is None, _newest_first(a.published), announces(a.title),
                                           -scores.get(a.id, 0.0), a.id))
        chosen = {a.id for a in representative}
        ranked = representative + [a for a in ranked if a.id not in chosen]
    for article in ranked:
        title = _as_headline(article.title)
        if title:
            return title
    for article in ranked:
        lede = lede_headline(article.body)
        if lede:
            return lede
    return _first_clause(ranked[0].body) or "Untitled story"


# Headline English for what is still ahead: "Leaders to meet in Oslo", "Council will vote on the
# bridge", "Ministers set to sign deal", "Talks due to resume": a subject of a few words, then
# "to" (or "will", "set to", "due to") and a verb of a scheduled development.  The verbs are
# listed so that "Rebels agree to ceasefire" or "How to watch the final" is no announcement.
_PLAN_VERBS = ("meet", "visit", "head", "travel", "fly", "go", "hold", "host", "sign", "vote", "announce",
               "unveil", "launch", "open", "close", "resume", "attend", "join", "address", "discuss", "testify",
               "speak", "face", "start", "begin", "end", "return", "decide", "rule", "publish", "release",
               "present", "debate", "convene", "gather", "hear", "sit", "stand", "run", "tour", "welcome")
_AHEAD = re.compile(r"^(?!(?:how|what|why|who|when|where|which)\b)(?:[\w’'.-]+\s+){1,8}?"
                    r"(?:(?:is|are)\s+)?(?:set\s+to|due\s+to|poised\s+to|to|will)\s+"
                    r"(?:" + "|".join(_PLAN_VERBS) + r")\b", re.I)


def announces(title: str | None) -> bool:
    """Whether a title tells a development as still ahead (headline English "X to meet", "X will
    vote"): of two equally dated and typical reports, the one telling what happened heads a story
    better than the one announcing it."""
    if not title or ":" in title[:40]:
        return False
    return _AHEAD.match(" ".join(title.split())) is not None


def _newest_first(published: str | None) -> tuple[int, ...]:
    """A key that sorts ISO dates newest first."""
    return tuple(-ord(c) for c in (published or ""))


HEADLINE_SAID = 0.8  # a sentence holding this share of the headline's words says the headline again


def summary(articles: Sequence[Article], *, sentences: int = 3,
            headline: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """(summary text, evidence: [{article, start, end}] for each sentence used).  With the
    story's ``headline``, a sentence that says it again (the lede a headline was cut from)
    is left out: a reader has just read it."""
    vocabulary = _vocabulary(articles)
    headed = words(headline.rstrip("…")) if headline else set()
    candidates: list[tuple[float, Article, int, int, set[str]]] = []
    for article in articles:
        for position, (start, end) in enumerate(_lede(article)):
            text = article.body[start:end]
            found = words(text)
            if len(text.split()) < MIN_WORDS or text.lstrip()[:1] in "“\"‘'" or not found:
                continue
            if headed and len(headed & found) >= HEADLINE_SAID * len(headed):
                continue
            coverage = sum(vocabulary[w] for w in found) / (len(found) ** 0.5)
            candidates.append((coverage / (1 + 0.5 * position), article, start, end, found))
    candidates.sort(key=lambda c: (-c[0], c[1].id, c[2]))
    chosen: list[tuple[float, Article, int, int, set[str]]] = []
    for candidate in candidates:
        if len(chosen) == sentences:
            break
        if all(len(candidate[4] & c[4]) / len(candidate[4] | c[4]) < 0.4 for c in chosen):
            chosen.append(candidate)
    chosen.sort(key=lambda c: (c[1].published or "9999", c[1].id, c[2]))
    text = " ".join(" ".join(c[1].body[c[2] : c[3]].split()) for c in chosen)
    evidence = [{"article": c[1].id, "start": c[2], "end": c[3]} for c in chosen]
    return text, evidence
