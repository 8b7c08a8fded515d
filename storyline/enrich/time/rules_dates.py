"""Rules for calendar expressions: dates, months, years, decades, centuries, quarters,
seasons and holidays, with or without the year spelled out."""

from __future__ import annotations

import datetime as dt
import re

from storyline.enrich.time import values as tv
from storyline.enrich.time.context import Context, Result, Rule, rule
from storyline.enrich.time.lexicon import (
    DAY_OF_MONTH,
    MONTH,
    MONTHS,
    ORDINAL_DAY,
    ORDINALS,
    PERIOD_POSITION,
    SEASONS,
    SPELLED_YEAR,
    WEEKDAY,
    YEAR4,
    spelled_year,
)

_M = rf"(?-i:{MONTH})"
_WD = rf"(?-i:{WEEKDAY})"
_YEAR = rf"(?:{YEAR4}|{SPELLED_YEAR})"
_POS = rf"(?:{PERIOD_POSITION})?"
_MONTH_TRIGGER = r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"


def month_number(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


def year_number(word: str) -> int | None:
    word = word.strip()
    if word.isdigit():
        return int(word)
    return spelled_year(word)


def day_number(word: str) -> int:
    word = word.lower().strip()
    if word in ORDINALS:
        return ORDINALS[word]
    return int(re.sub(r"\D", "", word))


# -- full and partial dates ---------------------------------------------------------------


def _date(m: re.Match[str], ctx: Context) -> Result | None:
    month = month_number(m.group("mon"))
    day = day_number(m.group("d"))
    if m.group("y"):
        year = year_number(m.group("y"))
        if year is None:
            return None
        value = tv.safe_date(year, month, day)
        if value is None:
            return None
        ctx.last_day, ctx.last_year = value, year
        return "DATE", tv.day(value)
    if ctx.dct is None:
        return ("DATE", f"XXXX-{month:02d}-{day:02d}") if tv.safe_date(2000, month, day) else None
    year = tv.month_year(ctx.dct, month, ctx.direction(m.start(), m.end()), day)
    value = tv.safe_date(year, month, day)
    if value is None:
        return None
    ctx.last_day = value
    return "DATE", tv.day(value)


def _iso(m: re.Match[str], ctx: Context) -> Result | None:
    value = tv.safe_date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    if value is None:
        return None
    ctx.last_day = value
    if m.group("hh"):
        return "TIME", f"{value.isoformat()}T{m.group('hh')}:{m.group('mm')}"
    return "DATE", tv.day(value)


def _month_year(m: re.Match[str], ctx: Context) -> Result | None:
    year = year_number(m.group("y"))
    if year is None:
        return None
    ctx.last_year = year
    return "DATE", tv.month(year, month_number(m.group("mon")))


_ABBREVIATIONS = frozenset(
    ["Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"]
)
_MAY_CUES = re.compile(
    r"(?:\b(?:in|since|until|till|by|from|of|during|through|before|after|early|late|mid|last|next"
    r"|this|to|and|or|between|for|on)[\s-]*)$"
)


def _month(m: re.Match[str], ctx: Context) -> Result | None:
    word = m.group("mon")
    month = month_number(word)
    bare = not (m.group("mod") or m.group("rel") or m.group(0) != word)
    if bare and word.rstrip(".") in _ABBREVIATIONS:
        return None  # a bare abbreviation ("Jan", "Dec") is more often a name
    if bare and word in ("May", "March", "August") and not _MAY_CUES.search(ctx.before(m.start(), 12)):
        return None
    if ctx.dct is None:
        return None
    mod = (m.group("mod") or "").lower().split()
    rel = (m.group("rel") or "").lower()
    if rel:
        year = ctx.dct.year + {"this": 0, "last": -1, "next": 1}[rel]
    elif mod and mod[-1] in ("last", "past", "previous"):
        year = ctx.dct.year if month < ctx.dct.month else ctx.dct.year - 1
    elif mod and mod[-1] in ("next", "coming"):
        year = ctx.dct.year if month > ctx.dct.month else ctx.dct.year + 1
    elif mod and mod[-1] == "this":
        year = ctx.dct.year
    else:
        year = tv.month_year(ctx.dct, month, ctx.direction(m.start(), m.end()))
    return "DATE", tv.month(year, month)


_COUNT_NOUNS = re.compile(
    r"\s*(?:people|persons|troops|soldiers|votes|workers|employees|shares|jobs|men|women|children"
    r"|homes|houses|cars|members|km|kilometres|kilometers|miles|metres|meters|feet|ft|tonnes|tons"
    r"|barrels|units|points|yards|words|pages|calories|cases|deaths|dead|delegates|seats|cases"
    r"|residents|students|pounds|dollars|euros|acres|hectares|rooms|beds|patients|hours|gmt|utc)\b"
)


def _year(m: re.Match[str], ctx: Context) -> Result | None:
    year = int(m.group("y"))
    before = ctx.before(m.start(), 12)
    if _COUNT_NOUNS.match(ctx.after(m.end(), 20)) or re.search(
        r"(?:no\.|number|about|some|nearly)\s*$", before
    ):
        return None
    if ctx.dct is not None and year > ctx.dct.year + 60:
        return None
    ctx.last_year = year
    return "DATE", f"{year:04d}"


def _spelled_year(m: re.Match[str], ctx: Context) -> Result | None:
    year = spelled_year(m.group(0))
    if year is None or year < 1000:
        return None
    return "DATE", f"{year:04d}"


_DECADE_WORDS = {
    "twenties": 2, "thirties": 3, "forties": 4, "fifties": 5, "sixties": 6, "seventies": 7,
    "eighties": 8, "nineties": 9,
}  # fmt: skip


def _decade(m: re.Match[str], ctx: Context) -> Result | None:
    if m.group("full"):
        return "DATE", m.group("full")[:3]
    digit = int(m.group("short")) if m.group("short") else _DECADE_WORDS[m.group("word").lower()]
    if ctx.dct is not None:
        century = ctx.dct.year // 100 if digit * 10 <= ctx.dct.year % 100 else ctx.dct.year // 100 - 1
    else:
        century = 20 if digit <= 1 else 19
    return "DATE", f"{century:02d}{digit}"


def _century(m: re.Match[str], ctx: Context) -> Result | None:
    number = int(m.group("n")) if m.group("n") else ORDINALS.get(m.group("w").lower(), 0)
    if not 1 <= number <= 30:
        return None
    return "DATE", f"{number - 1:02d}"


# -- quarters and halves ------------------------------------------------------------------

_QUARTER_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "final": 4, "last": 4,
                "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}  # fmt: skip


def _year_phrase(phrase: str, ctx: Context) -> int | None:
    phrase = phrase.lower().strip().removeprefix("the ")
    for key, offset in (("this", 0), ("current", 0), ("last", -1), ("next", 1), ("year-ago", -1),
                        ("year-earlier", -1), ("the year", 0)):  # fmt: skip
        if phrase.startswith(key):
            return None if ctx.dct is None else ctx.dct.year + offset
    digits = re.search(r"\d{4}", phrase)
    return int(digits.group(0)) if digits else None


def _quarter(m: re.Match[str], ctx: Context) -> Result | None:
    number = _QUARTER_ORD[m.group("ord").lower()]
    unit = m.group("unit").lower()
    year_text = m.group("y") or m.group("pre") or ""
    year = _year_phrase(year_text, ctx) if year_text else None
    if year is None:
        if year_text and re.search(r"this|last|next|year", year_text, re.I):
            return "DATE", None
        if unit == "half" and not year_text and "fiscal" not in m.group(0).lower():
            return None  # "the first half" of a match, a film, a speech
        if ctx.dct is None:
            return "DATE", None
        year = ctx.dct.year
        if unit == "quarter" and number > tv.quarter_of(ctx.dct) and ctx.direction(m.start(), m.end()) < 0:
            year -= 1
    if unit == "half":
        return "DATE", f"{year:04d}-H{min(number, 2)}"
    ctx.last_quarter = (year, number)
    if (m.group("pre") or "").lower() == "the" and m.group(0)[m.end("ord") - m.start()] == "-":
        # "the third-quarter loss": the modifier is the expression.
        return "DATE", tv.quarter(year, number), m.start("ord"), m.end()
    return "DATE", tv.quarter(year, number)


def _short_quarter(m: re.Match[str], ctx: Context) -> Result | None:
    number = int(m.group("q") or m.group("q2"))
    year_text = m.group("y1") or m.group("y2")
    if year_text:
        year = int(year_text)
    elif ctx.dct is not None:
        year = ctx.dct.year
    else:
        return "DATE", None
    ctx.last_quarter = (year, number)
    return "DATE", tv.quarter(year, number)


_ENDED = re.compile(rf"\s+(?:that\s+)?end(?:ed|ing|s)\s+(?:on\s+)?(?P<mon>{_M})")


def _period(m: re.Match[str], ctx: Context) -> Result | None:
    """ "The quarter", "the latest period", "the year-ago quarter": anaphoric quarters."""
    words = m.group(0).lower()
    if ctx.dct is None:
        return "DATE", None
    if not re.search(r"quarter|period", words) and ctx.last_quarter is None:
        return "DATE", f"{ctx.dct.year - 1:04d}"  # "year-ago results": the year before
    current = (ctx.dct.year, tv.quarter_of(ctx.dct))
    base = ctx.last_quarter or tv.shift_quarter(*current, -1)
    if re.search(r"\b(?:this|current)\b", words):
        base = current
    elif re.search(r"\bnext\b", words):
        base = tv.shift_quarter(*current, 1)
    elif re.match(r"last\s", words):
        base = tv.shift_quarter(*current, -1)
    if re.search(r"previous|prior|preceding", words):
        base = tv.shift_quarter(*base, -1)
    ended = _ENDED.match(ctx.text, m.end())
    if ended and "quarter" in words and not m.group("py"):
        month = month_number(ended.group("mon"))
        year = ctx.dct.year if month <= ctx.dct.month else ctx.dct.year - 1
        base = (year, (month - 1) // 3 + 1)
    year_text = m.group("py")
    if year_text:
        year = int(year_text)
        if year != base[0] and "quarter" not in words and ctx.last_quarter is None:
            return "DATE", f"{year:04d}"
        base = (year, base[1])
    elif re.search(
        r"year-ago|year-earlier|year-before|last year|comparable|corresponding|year ago|year earlier", words
    ):
        base = (base[0] - 1, base[1])
    return "DATE", tv.quarter(*base)


# -- seasons and holidays -----------------------------------------------------------------


def _season(m: re.Match[str], ctx: Context) -> Result | None:
    word = m.group("s").lower()
    code = SEASONS[word]
    mod = " ".join((m.group("mod") or "").lower().split())
    before = ctx.before(m.start(), 10)
    has_cue = bool(mod or m.group("y") or m.group(0).lower() != word)
    if word == "fall" and not (m.group("y") or mod in ("this", "last", "next", "this past", "this coming")):
        return None
    if not has_cue and not re.search(r"\b(?:in|during|over|until|till|by|since|through|this)\s+$", before):
        return None
    if m.group("y"):
        year = year_number(m.group("y"))
        return ("DATE", f"{year:04d}-{code}") if year else None
    if ctx.dct is None:
        return "DATE", None
    if mod.endswith(("last", "past", "previous")):
        year = tv.season_year(ctx.dct, code, -1)
        if year == ctx.dct.year and tv.season_year(ctx.dct, code, 0) == year and _in_season(ctx.dct, code):
            year -= 1
    elif mod.endswith(("next", "coming")):
        year = tv.season_year(ctx.dct, code, 1)
    elif mod == "this":
        year = ctx.dct.year
    else:
        year = tv.season_year(ctx.dct, code, ctx.direction(m.start(), m.end()))
    return "DATE", f"{year:04d}-{code}"


def _in_season(day: dt.date, code: str) -> bool:
    start = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}[code]
    return (day.month - start) % 12 < 3


_HOLIDAYS = {
    "christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25),
    "boxing day": (12, 26), "new year's eve": (12, 31), "new year's day": (1, 1),
    "new year’s eve": (12, 31), "new year’s day": (1, 1), "halloween": (10, 31),
    "valentine's day": (2, 14), "valentine’s day": (2, 14), "independence day": (7, 4),
    "bastille day": (7, 14), "armistice day": (11, 11), "st patrick's day": (3, 17),
}  # fmt: skip


def _holiday(m: re.Match[str], ctx: Context) -> Result | None:
    month, day = _HOLIDAYS[" ".join(m.group("h").lower().split())]
    mod = (m.group("mod") or "").lower()
    if m.group("y"):
        year = int(m.group("y"))
    elif ctx.dct is None:
        return "DATE", None if mod else f"XXXX-{month:02d}-{day:02d}"
    elif mod:
        this_year = tv.safe_date(ctx.dct.year, month, day) or ctx.dct
        year = (
            ctx.dct.year
            + {
                "this": 0,
                "last": -1 if this_year >= ctx.dct else 0,
                "next": 1 if this_year <= ctx.dct else 0,
            }[mod]
        )
    else:
        year = tv.month_year(ctx.dct, month, ctx.direction(m.start(), m.end()), day)
    return "DATE", f"{year:04d}-{month:02d}-{day:02d}"


_HOLIDAY_ALT = "|".join(
    sorted((re.escape(k).replace(r"\ ", r"\s+") for k in _HOLIDAYS), key=len, reverse=True)
)
_QORD = r"(?P<ord>first|second|third|fourth|final|last|1st|2nd|3rd|4th)"
_YEAR_PRE = rf"(?:this|last|next|current)\s+year's|(?:the\s+)?year-ago|(?:the\s+)?year-earlier|{YEAR4}'s|the\s+{YEAR4}"

RULES: list[Rule] = [
    rule("iso", r"\b(?P<y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)(?:T(?P<hh>\d\d):(?P<mm>\d\d)(?::\d\d)?)?\b", _iso),
    rule(
        "date-mdy",
        rf"(?:(?:(?:this\s+coming|this\s+past|this|next|last|coming)\s+)?{_WD},?\s+)?(?P<mon>{_M})\s*"
        rf"(?P<d>{DAY_OF_MONTH}|(?-i:{ORDINAL_DAY})\b)"
        rf"(?:,?\s*(?P<y>{_YEAR}))?",
        _date,
        trigger=_MONTH_TRIGGER,
    ),
    rule(
        "date-dmy",
        rf"(?:{_WD},?\s+)?(?:the\s+)?(?P<d>{DAY_OF_MONTH}|{ORDINAL_DAY})\s+(?:of\s+)?(?P<mon>{_M})"
        rf"(?:,?\s*(?P<y>{YEAR4}))?",
        _date,
        trigger=_MONTH_TRIGGER,
    ),
    rule(
        "month-year",
        rf"{_POS}(?P<mon>{_M}),?\s+(?:of\s+)?(?P<y>{_YEAR})",
        _month_year,
        trigger=_MONTH_TRIGGER,
    ),
    rule(
        "month",
        rf"{_POS}(?:(?P<mod>last|next|this|this\s+past|this\s+coming|coming|past|previous)\s+)?(?P<mon>{_M})"
        r"(?:\s+(?P<rel>this|last|next)\s+year)?",
        _month,
        trigger=_MONTH_TRIGGER,
    ),
    rule(
        "quarter",
        rf"(?:(?P<pre>the|this|last|next|{_YEAR_PRE})\s+)?(?:(?:fiscal|calendar)[\s-]+)?{_QORD}"
        rf"[\s-]+(?:fiscal[\s-]+)?(?P<unit>quarter|half)(?:\s+of\s+(?:(?:fiscal|calendar)\s+)?"
        rf"(?P<y>{YEAR4}|this\s+year|last\s+year|next\s+year|the\s+year))?",
        _quarter,
        trigger=r"quarter|half",
    ),
    rule(
        "quarter-short",
        rf"\b(?-i:Q(?P<q>[1-4]))(?:\s+(?P<y1>{YEAR4}))?\b|\b(?P<y2>{YEAR4})\s+(?-i:Q(?P<q2>[1-4]))\b",
        _short_quarter,
    ),
    rule(
        "period",
        rf"(?:the\s+(?:(?P<py>{YEAR4})\s+)?(?:(?:latest|current|same|previous|prior|preceding|most\s+recent"
        r"|year-ago|year-earlier|year-before|comparable|corresponding|just-ended|fiscal|recent)\s+)?"
        r"(?:quarter|period)(?:\s+(?:a\s+year\s+(?:ago|earlier)|last\s+year|of\s+last\s+year))?"
        r"|(?:this|last|next|last\s+year's|the\s+latest)\s+(?:quarter|period)"
        r"|year-(?:ago|earlier)(?![\s-]+(?:first|second|third|fourth|quarter|period)))\b",
        _period,
        trigger="quarter|period|year-",
    ),
    rule(
        "year",
        rf"{_POS}(?:(?:the\s+)?(?:fiscal|calendar|FY)(?:\s+year)?[\s-]*)?(?P<y>{YEAR4})",
        _year,
        trigger=r"\d{4}",
    ),
    rule("spelled-year", rf"{_POS}(?:{SPELLED_YEAR})", _spelled_year, trigger="nineteen|eighteen|thousand"),
    rule(
        "decade",
        r"(?:the\s+)?(?:(?:early|late|mid)[\s-]+)?(?:(?P<full>(?:1\d|20)\d0)'?s|'(?P<short>\d)0s"
        r"|(?<=the\s)(?P<word>twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties))\b",
        _decade,
        trigger=r"0'?s\b|ties\b",
    ),
    rule(
        "century",
        r"(?:the\s+)?(?:(?:early|late|mid)[\s-]+)?(?:(?P<n>\d{1,2})(?:st|nd|rd|th)|(?P<w>[a-z]+(?:-[a-z]+)?))"
        r"[\s-]+century\b",
        _century,
        trigger="century",
    ),
    rule(
        "season",
        rf"{_POS}(?:(?P<mod>this|last|next|this\s+past|this\s+coming|past|coming|the)\s+)?"
        rf"(?P<s>spring|summer|autumn|winter|fall)(?:\s+(?:of\s+)?(?P<y>{_YEAR}))?\b",
        _season,
        trigger="spring|summer|autumn|winter|fall",
    ),
    rule(
        "holiday",
        rf"(?:(?P<mod>last|next|this)\s+)?(?P<h>{_HOLIDAY_ALT})(?:\s+(?P<y>{YEAR4}))?\b",
        _holiday,
        trigger=r"\b(?:christmas|new year|boxing|halloween|valentine|independence|bastille|armistice|st patrick)",
    ),
]


def _the_year(m: re.Match[str], ctx: Context) -> Result | None:
    """ "The year", "the full year", "year-end", "the following year", "that year"."""
    words = " ".join(m.group(0).lower().split())
    if re.search(r"\b(?:following|next)\b", words) or words.startswith("the year after"):
        offset = 1
    elif re.search(r"\b(?:previous|prior|preceding)\b", words) or words.startswith("the year before"):
        offset = -1
    else:
        offset = 0
    if words.startswith("that") or offset:
        if ctx.last_year is None:
            return "DATE", None
        return "DATE", f"{ctx.last_year + offset:04d}"
    if re.match(r"\s*end(?:ed|ing)\b", ctx.after(m.end(), 10)):
        return "DURATION", "P1Y"
    if ctx.dct is None:
        return "DATE", None
    return "DATE", f"{ctx.dct.year:04d}"


def _the_month(m: re.Match[str], ctx: Context) -> Result | None:
    if ctx.dct is None:
        return "DATE", None
    return "DATE", tv.month(ctx.dct.year, ctx.dct.month)


RULES += [
    rule(
        "the-year",
        r"(?:(?:early|late|earlier|later)\s+in\s+|(?:the\s+)?(?:end|start|beginning|middle|rest|remainder)\s+of\s+)?"
        r"(?:the\s+(?:(?:full|fiscal|calendar|current|latest|entire|whole|following|previous|prior|preceding)\s+)*year"
        r"(?:\s+(?:after|before))?|that\s+year|year[-\s]end|year's\s+end)\b",
        _the_year,
        trigger=r"\byear",
    ),
    rule(
        "the-month",
        r"(?:(?:early|late|earlier|later)\s+in\s+|(?:the\s+)?(?:end|start|beginning|middle|rest|remainder)\s+of\s+)"
        r"the\s+(?:current\s+)?month\b",
        _the_month,
        trigger=r"\bmonth",
    ),
]
