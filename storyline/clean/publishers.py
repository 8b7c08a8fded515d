"""A small gazetteer of news outlets and aggregators, and publisher-name normalisation.

The gazetteer only helps to *recognise* a publisher's name inside chrome or an appeal
("The Independent is on the ground ..."); publishers that are not listed are still found
by shape (a name line repeated in an aggregator header, a name that an appeal repeats).
"""

from __future__ import annotations

import re

# Canonical name -> other spellings seen in bylines, chrome and appeals.
OUTLETS: dict[str, tuple[str, ...]] = {
    "The Independent": ("Independent", "independent.co.uk"),
    "The Guardian": ("Guardian", "theguardian.com"),
    "The Observer": (),
    "The Times": ("thetimes.co.uk",),
    "The Telegraph": ("Daily Telegraph", "telegraph.co.uk"),
    "Financial Times": ("FT", "ft.com"),
    "The Economist": (),
    "BBC News": ("BBC", "bbc.co.uk", "bbc.com"),
    "Sky News": (),
    "Daily Mail": ("Mail Online", "MailOnline", "dailymail.co.uk"),
    "The Mirror": ("Daily Mirror", "mirror.co.uk"),
    "Evening Standard": ("The Standard", "standard.co.uk"),
    "Reuters": ("Thomson Reuters",),
    "Associated Press": ("AP", "AP News", "apnews.com"),
    "Agence France-Presse": ("AFP",),
    "Bloomberg": ("Bloomberg News",),
    "The New York Times": ("New York Times", "NYT", "nytimes.com"),
    "The Washington Post": ("Washington Post", "washingtonpost.com"),
    "The Wall Street Journal": ("Wall Street Journal", "WSJ", "wsj.com"),
    "Los Angeles Times": ("LA Times", "latimes.com"),
    "USA Today": (),
    "CNN": ("cnn.com",),
    "NPR": (),
    "Politico": ("POLITICO", "Politico Europe"),
    "Al Jazeera": ("aljazeera.com",),
    "Deutsche Welle": ("DW",),
    "Euronews": (),
    "The Irish Times": ("Irish Times",),
    "ABC News": (),
    "CBS News": (),
    "NBC News": (),
    "Fox News": (),
    "The Atlantic": (),
    "Axios": (),
    "The Hill": (),
    "Newsweek": (),
    "Time": ("TIME",),
    "Le Monde": (),
    "Kyiv Independent": ("The Kyiv Independent",),
}

# Aggregators: apps and sites that carry other publishers' articles in their own chrome.
AGGREGATORS: tuple[str, ...] = (
    "inkl",
    "Apple News",
    "Google News",
    "MSN",
    "Yahoo News",
    "Flipboard",
    "PressReader",
    "SmartNews",
    "NewsBreak",
    "Ground News",
    "Feedly",
    "Newsnow",
)

# Edition and platform suffixes that do not change who published an article.
_EDITION = re.compile(
    r"(?:\s+|\s*[-–|:]\s*)(?:UK|US|USA|Australia|AU|India|Ireland|Asia|Europe|International|Online|Digital|"
    r"Edition|(?:UK|US) Edition|News Online|\.com|\.co\.uk)$",
    re.IGNORECASE,
)

_ALIASES: dict[str, str] = {}
for _canonical, _others in OUTLETS.items():
    for _name in (_canonical, *_others):
        _ALIASES[_name.casefold()] = _canonical


def canonical_outlet(name: str) -> str | None:
    """The gazetteer's name for ``name`` (after edition suffixes are dropped), or None."""
    stripped = name.strip().strip(".,;:")
    for candidate in (stripped, strip_edition(stripped)):
        found = _ALIASES.get(candidate.casefold())
        if found:
            return found
    return None


def strip_edition(name: str) -> str:
    """Drop edition suffixes: "The Independent UK" -> "The Independent"."""
    previous = None
    while previous != name:
        previous = name
        shorter = _EDITION.sub("", name).strip()
        if shorter:  # never strip a name down to nothing ("UK" alone stays)
            name = shorter
    return name


def normalise_publisher(name: str) -> str:
    """A publisher name as the gazetteer spells it, else without edition suffixes."""
    name = " ".join(name.split())
    return canonical_outlet(name) or strip_edition(name)


_OUTLET_IN_TEXT = re.compile(
    r"\b("
    + "|".join(sorted((re.escape(n) for n in _ALIASES if len(n) > 3 and "." not in n), key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
_AGGREGATOR_IN_TEXT = re.compile(r"\b(" + "|".join(re.escape(n) for n in AGGREGATORS) + r")\b", re.IGNORECASE)


def outlets_in(text: str) -> list[str]:
    """Canonical names of listed outlets mentioned in ``text``, most mentioned first."""
    counts: dict[str, int] = {}
    for match in _OUTLET_IN_TEXT.finditer(text):
        word = match.group(1)
        if word[0].islower():  # "independent journalism" is not The Independent
            continue
        canonical = _ALIASES[word.casefold()]
        counts[canonical] = counts.get(canonical, 0) + 1
    return sorted(counts, key=lambda name: -counts[name])


def aggregator_in(text: str) -> str | None:
    """The first listed aggregator named in ``text``, spelled as listed."""
    match = _AGGREGATOR_IN_TEXT.search(text)
    if not match:
        return None
    word = match.group(1).casefold()
    return next(name for name in AGGREGATORS if name.casefold() == word)
