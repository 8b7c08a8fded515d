"""Rules for expressions read from the publication date: weekdays, "yesterday", "last
week", "three days ago", parts of the day and clock times."""

from __future__ import annotations

import datetime as dt
import re

from storyline.enrich.time import values as tv
from storyline.enrich.time.context import Context, Result, Rule, rule
from storyline.enrich.time.lexicon import (
    APPROX,
    DAY_OF_MONTH,
    MONTH,
    NUMBER,
    PARTS_OF_DAY,
    PERIOD_POSITION,
    TIMEZONE,
    UNIT,
    WEEKDAY,
    WEEKDAYS,
    number_value,
)
from storyline.enrich.time.rules_dates import day_number, month_number

_WD = rf"(?-i:{WEEKDAY})"
_M = rf"(?-i:{MONTH})"
_POD = r"(?P<pod>morning|afternoon|evening|night)"
_PAST = ("last", "past", "previous", "this past")
_NEXT = ("next", "coming", "following", "this coming")


def _weekday_number(word: str) -> int:
    return WEEKDAYS[word.lower().rstrip("s")]


def _with_pod(m: re.Match[str], when: dt.date) -> Result:
    pod = m.groupdict().get("pod")
    if pod:
        return "TIME", f"{when.isoformat()}T{PARTS_OF_DAY[pod.lower()]}"
    return "DATE", when.isoformat()


def _weekday(m: re.Match[str], ctx: Context) -> Result | None:
    word = m.group("wd")
    weekday = _weekday_number(word)
    if word.lower().endswith("s") and not m.group("mod"):
        pod = m.group("pod")
        suffix = f"T{PARTS_OF_DAY[pod.lower()]}" if pod else ""
        return "SET", f"XXXX-WXX-{weekday + 1}{suffix}"
    mod = " ".join((m.group("mod") or "").lower().split())
    kind = "TIME" if m.group("pod") else "DATE"
    if ctx.dct is None:
        return kind, None
    anchor = ctx.dct
    if mod in ("the previous", "the following") and ctx.last_day is not None:
        anchor = ctx.last_day
    if mod in _PAST or mod == "the previous":
        back = (anchor.weekday() - weekday) % 7 or 7
        when = anchor - dt.timedelta(days=back)
    elif mod in _NEXT or mod == "the following":
        ahead = (weekday - anchor.weekday()) % 7 or 7
        when = anchor + dt.timedelta(days=ahead)
    else:
        direction = ctx.direction(m.start("wd"), m.end("wd"))
        when = tv.weekday_date(anchor, weekday, direction)
    ctx.last_day = when
    return _with_pod(m, when)


_DEICTIC = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1, "the day before yesterday": -2,
            "the day after tomorrow": 2, "last night": -1, "this": 0}  # fmt: skip


def _deictic(m: re.Match[str], ctx: Context) -> Result | None:
    word = " ".join(m.group("w").lower().split())
    pod = m.groupdict().get("pod")
    if word == "tonight":
        pod = "night"
    if word == "last night":
        pod = "night"
    kind = "TIME" if pod else "DATE"
    if ctx.dct is None:
        return kind, None
    when = ctx.dct + dt.timedelta(days=_DEICTIC[word])
    if pod:
        return "TIME", f"{when.isoformat()}T{PARTS_OF_DAY[pod.lower()]}"
    return "DATE", when.isoformat()


def _relative_unit(m: re.Match[str], ctx: Context) -> Result | None:
    mod = " ".join(m.group("mod").lower().split()).removeprefix("the ")
    unit = m.group("unit").lower()
    if unit == "fortnight":
        unit = "week"
    if ctx.dct is None:
        return "DATE", None
    offset = -1 if mod.endswith(_PAST) else 1 if mod.endswith(_NEXT) else 0
    if unit == "weekend":
        return "DATE", _weekend(
            ctx.dct, offset if offset else (1 if ctx.dct.weekday() < 5 else 0), this=offset == 0
        )
    value = tv.shift(ctx.dct, unit, offset)
    if unit == "quarter" and value is not None:
        year, number = value.split("-Q")
        ctx.last_quarter = (int(year), int(number))
    return "DATE", value


def _weekend(dct: dt.date, direction: int, *, this: bool = False) -> str:
    if this or dct.weekday() >= 5:
        if this or direction == 0:
            return tv.weekend(dct)
        return tv.weekend(dct + dt.timedelta(weeks=direction))
    # Monday to Friday: the past weekend belongs to the previous ISO week.
    return tv.weekend(dct - dt.timedelta(weeks=1)) if direction < 0 else tv.weekend(dct)


def _the_weekend(m: re.Match[str], ctx: Context) -> Result | None:
    if ctx.dct is None:
        return "DATE", None
    direction = ctx.direction(m.start(), m.end())
    if direction == 0:
        direction = -1 if ctx.dct.weekday() < 3 else 1
    return "DATE", _weekend(ctx.dct, direction)


def _part_of_day(m: re.Match[str], ctx: Context) -> Result | None:
    pod = m.group("pod").lower()
    if ctx.dct is None:
        return "TIME", None
    when = ctx.dct + dt.timedelta(days=_DEICTIC[m.group("w").lower()] if m.group("w") else 0)
    return "TIME", f"{when.isoformat()}T{PARTS_OF_DAY[pod]}"


def _clock(m: re.Match[str], ctx: Context) -> Result | None:
    named = (m.group("named") or "").lower()
    if named:
        hour, minute = (24, 0) if named == "midnight" else (12, 0)
    elif m.group("ap"):
        hour, minute = int(m.group("h")), int(m.group("mi") or 0)
        if not 1 <= hour <= 12 or minute > 59:
            return None
        pm = m.group("ap").lower().startswith("p")
        hour = (hour % 12) + (12 if pm else 0)
    else:
        hour, minute = int(m.group("h24")), int(m.group("mi24"))
        if hour > 23 or minute > 59:
            return None
        cue = re.search(
            r"\b(?:at|from|until|till|by|before|after|around|about|since|to)\s+$", ctx.before(m.start(), 10)
        )
        if not (m.group("tz") or cue):
            return None
    when: dt.date | None = ctx.dct
    if m.group("wd"):
        if ctx.dct is None:
            return "TIME", None
        when = tv.weekday_date(ctx.dct, _weekday_number(m.group("wd")), ctx.direction(m.start(), m.end()))
    elif m.group("deic"):
        if ctx.dct is None:
            return "TIME", None
        when = ctx.dct + dt.timedelta(days=_DEICTIC[m.group("deic").lower()])
    elif m.group("mon"):
        month, day = month_number(m.group("mon")), day_number(m.group("d"))
        clock = f"T{hour:02d}:{minute:02d}"
        if ctx.dct is None:
            return "TIME", f"XXXX-{month:02d}-{day:02d}{clock}"
        found = tv.safe_date(
            tv.month_year(ctx.dct, month, ctx.direction(m.start(), m.end()), day), month, day
        )
        if found is None:
            return None
        when = found
    if when is None:
        return "TIME", None
    return "TIME", f"{when.isoformat()}T{hour:02d}:{minute:02d}"


def _offset(m: re.Match[str], ctx: Context) -> Result | None:
    """ "Three days ago", "a year earlier", "two weeks from now"."""
    unit = m.group("unit").lower()
    relation = " ".join(m.group("rel").lower().split())
    sign = -1 if relation in ("ago", "earlier", "before", "back") else 1
    amount = number_value(m.group("n"))
    if amount is None:
        return "DATE", "PAST_REF" if sign < 0 else "FUTURE_REF"
    steps = round(amount) * sign
    if unit in ("second", "minute", "hour"):
        # "two hours ago": at the granularity of a date, the publication day.
        return "DATE", None if ctx.dct is None else ctx.dct.isoformat()
    if ctx.dct is None:
        return "DATE", None
    anchor = ctx.dct
    if (
        relation in ("earlier", "later", "before", "after")
        and ctx.last_day is not None
        and unit in ("day", "week")
    ):
        anchor = ctx.last_day
    if unit == "year" and ctx.last_quarter is not None:
        year, number = ctx.last_quarter
        return "DATE", tv.quarter(year + steps, number)
    if unit == "quarter":
        base = ctx.last_quarter or (anchor.year, tv.quarter_of(anchor))
        return "DATE", tv.quarter(*tv.shift_quarter(*base, steps))
    return "DATE", tv.shift(anchor, unit, steps)


_SET_CONTEXT = re.compile(r"(?:\b(?:once|twice|thrice|times)|[\d%$£€]|\bcents?|\bshare)\s*$")


def _duration(m: re.Match[str], ctx: Context) -> Result | None:
    unit = m.group("unit").lower()
    number = " ".join(m.group("n").lower().split())
    if number in ("a", "an", "one") and unit in ("second", "quarter") and not m.group("adj"):
        return None  # "a second term", "a quarter of the votes"
    if number in ("a", "an") and _SET_CONTEXT.search(ctx.before(m.start("n"), 12)):
        return "SET", tv.duration(1, unit)
    if number in ("some", "many") and not m.group("adj"):
        return None
    fraction = r"s?\s+of\s+(?:the|a|an|its|their|his|her|our|all|those|these|them|us)\b"
    if unit == "quarter" and ("-" in m.group("sep") or re.match(fraction, ctx.after(m.end("unit"), 16))):
        return None  # "three-quarters of the vote": a fraction
    amount = number_value(number)
    if amount is None and unit == "weekend":
        return None
    if amount is not None and amount > 10000:
        return None
    if "-" in m.group("sep") and m.start("n") > m.start():
        # "the eight-year war": the modifier is the expression, not the noun phrase.
        return "DURATION", tv.duration(amount, unit), m.start("n"), m.end()
    return "DURATION", tv.duration(amount, unit)


def _bare_plural(m: re.Match[str], ctx: Context) -> Result | None:
    unit = (m.group("unit") or m.group("unit2")).lower()
    return "DURATION", tv.duration(None, unit.rstrip("s").replace("centurie", "century"))


def _sentence_start(ctx: Context, start: int) -> bool:
    before = ctx.text[max(0, start - 10) : start].rstrip(" \t")
    return not before or before[-1] in "\n.!?:;\"“”'‘’(—–-"


def _vague(m: re.Match[str], ctx: Context) -> Result | None:
    if m.group(0)[0].isupper() and not _sentence_start(ctx, m.start()):
        return None  # "Support Now", "Right Now": part of a name or a button
    word = " ".join(m.group(0).lower().split())
    plural = re.fullmatch(r"recent (days|weeks|months|quarters)", word)
    if plural:  # "in recent weeks": an unspecified stretch up to now
        return "DURATION", tv.duration(None, plural.group(1).rstrip("s"))
    if re.search(r"future|soon|shortly|coming|upcoming|term|ahead", word):
        return "DATE", "FUTURE_REF"
    if re.search(r"recent|past|previous|formerly|lately|earlier|ago", word):
        return "DATE", "PAST_REF"
    return "DATE", "PRESENT_REF"


_SET_ADVERBS = {"daily": "P1D", "nightly": "P1D", "weekly": "P1W", "fortnightly": "P2W", "monthly": "P1M",
                "quarterly": "P3M", "annually": "P1Y", "yearly": "P1Y", "hourly": "PT1H"}  # fmt: skip


_ADVERBIAL = re.compile(
    r"\s*(?:$|[.,;:!?)\"'’”]|(?:and|or|but|since|from|in|at|for|until|to|by|over|through|during|on)\b)"
)


def _set(m: re.Match[str], ctx: Context) -> Result | None:
    if m.group("adv"):
        if not _ADVERBIAL.match(ctx.after(m.end(), 12)):
            return None  # "a daily tally", "quarterly dividends": a modifier, not a time
        return "SET", _SET_ADVERBS[m.group("adv")]
    target = m.group("target")
    if re.fullmatch(rf"{_WD}", target):
        return "SET", f"XXXX-WXX-{_weekday_number(target) + 1}"
    if re.fullmatch(_M, target):
        return "SET", f"XXXX-{month_number(target):02d}"
    lowered = target.lower().rstrip("s")
    if lowered in PARTS_OF_DAY:
        return "SET", f"XXXX-XX-XXT{PARTS_OF_DAY[lowered]}"
    amount = number_value(m.group("n")) if m.group("n") else 1.0
    if lowered in ("spring", "summer", "autumn", "winter"):
        return "SET", f"XXXX-{ {'spring': 'SP', 'summer': 'SU', 'autumn': 'FA', 'winter': 'WI'}[lowered] }"
    if lowered == "centurie":
        lowered = "century"
    if lowered == "quarter" and amount is not None:
        return "SET", f"P{round(amount)}Q"
    return "SET", tv.duration(amount, lowered)


_CLOCK = (
    r"(?:(?P<h>\d{1,2})(?:[:.](?P<mi>\d\d))?\s*(?P<ap>[ap]\.m\.|[ap]\.?\s?m\b)"
    r"|(?<![\d.:])(?P<h24>[01]?\d|2[0-3]):(?P<mi24>[0-5]\d)(?![\d:])(?:\s*(?:hrs|h)\b)?"
    r"|(?P<named>noon|midday|midnight))"
)
_ADJ = (
    r"(?P<adj>past|last|next|first|final|coming|previous|following|latest|other|remaining|initial|same|full"
    r"|entire|whole|recent|few|additional)"
)
_AMOUNT_MODS = r"(?:(?:more|other|full|long|straight|consecutive|successive|trading|business|working|calendar|school|additional|extra)[\s-]+)*"
_UNIT_S = rf"(?P<unit>{UNIT})(?:s|es)?"

RULES: list[Rule] = [
    rule(
        "weekday",
        r"(?:(?P<mod>last|next|this|this\s+coming|this\s+past|coming|past|previous|the\s+previous|the\s+following"
        rf"|early|late|earlier|later|early\s+on|late\s+on)\s+)?(?P<wd>{_WD})(?:(?:\s+|,\s*){_POD})?",
        _weekday,
        trigger=r"(?:mon|tues|wednes|thurs|fri|satur|sun)day",
    ),
    rule(
        "deictic",
        rf"(?:(?:early|late|earlier|later)\s+)?(?P<w>today|tonight|yesterday|tomorrow|the\s+day\s+before\s+yesterday"
        rf"|the\s+day\s+after\s+tomorrow|last\s+night)(?:(?:\s+|,\s*){_POD})?\b",
        _deictic,
        trigger="today|tonight|yesterday|tomorrow|night",
    ),
    rule(
        "this-pod",
        rf"(?:(?:early|late|earlier|later)\s+)?(?P<w>this)\s+{_POD}\b",
        _deictic,
        trigger="morning|afternoon|evening|night",
    ),
    rule(
        "pod",
        r"mid[\s-]?(?P<pod>morning|afternoon|evening)\b(?:\s+(?P<w>yesterday|today|tomorrow)\b)?",
        _part_of_day,
        trigger="mid",
    ),
    rule(
        "relative-unit",
        rf"(?:{PERIOD_POSITION})?(?P<mod>this|last|next|past|previous|coming|following|current|this\s+past"
        r"|this\s+coming|the\s+(?:past|last|next|coming|previous|following|current|same))\s+"
        r"(?P<unit>week|weekend|month|year|decade|century|fortnight|quarter)(?!s)\b(?:\s+or\s+so)?",
        _relative_unit,
        trigger="week|month|year|decade|century|fortnight|quarter",
    ),
    rule("the-weekend", r"the\s+weekend\b", _the_weekend),
    rule(
        "clock",
        rf"(?:{APPROX})?{_CLOCK}(?:\s*(?P<tz>(?-i:{TIMEZONE})))?(?:,?\s+(?:on\s+)?(?:(?P<wd>{_WD})"
        rf"|(?P<deic>today|tomorrow|yesterday)|(?P<mon>{_M})\s*(?P<d>{DAY_OF_MONTH})))?",
        _clock,
        trigger=r"\d\s*[ap]\.?\s?m|\d:\d\d|noon|midday|midnight",
    ),
    rule(
        "offset",
        rf"(?:{APPROX})?(?P<n>{NUMBER})\s+{_AMOUNT_MODS}{_UNIT_S}(?:\s+or\s+(?:so|two|more))?\s+"
        r"(?P<rel>ago|earlier|later|from\s+now|hence|back|before(?=\s*[,.;)]|$)|after(?=\s*[,.;)]|$))",
        _offset,
        trigger=r"\b(?:ago|earlier|later|from\s+now|hence|back|before|after)\b",
    ),
    rule(
        "duration",
        rf"(?:{APPROX})?(?:(?:the|these|those|its|their|his|her|our|my|each\s+of\s+the)\s+)?(?:{_ADJ}\s+)?"
        rf"(?P<n>{NUMBER})(?:\s+(?:to|or)\s+{NUMBER})?(?P<sep>[\s-]+){_AMOUNT_MODS}{_UNIT_S}(?:-old|-long)?\b(?:\s+or\s+so)?",
        _duration,
        trigger=r"\b(?:second|minute|hour|day|night|week|fortnight|month|quarter|year|decade|centur|millenni)",
    ),
    rule(
        "bare-plural",
        r"(?:(?<=\bfor\s)|(?<=\bin\s))(?P<unit>years|months|weeks|days|decades|centuries)\b(?!\s+(?:of|to|ago))|(?<=\bwithin\s)(?P<unit2>days|weeks|months|years|hours|minutes)\b",
        _bare_plural,
    ),
    rule(
        "vague",
        r"\b(?:right\s+now|just\s+now|now|currently|current(?!\s+account)|nowadays|these\s+days|at\s+present"
        r"|presently|at\s+the\s+moment|at\s+this\s+(?:time|moment|point)|more\s+recently|recently|lately"
        r"|previously|formerly|(?:recent|past)\s+(?:days|weeks|months|quarters|years|decades|times)|recent"
        r"|(?:the\s+)?(?:coming|upcoming)\s+(?:days|weeks|months|quarters|years|decades)"
        r"|the\s+(?:distant\s+|recent\s+)?past|the\s+(?:near\s+|distant\s+|foreseeable\s+|immediate\s+)?future"
        r"|(?:near\s+|distant\s+|foreseeable\s+|immediate\s+)future(?!\s+\w)|future\s+(?:days|weeks|months|quarters|years|decades)"
        r"|soon|shortly|the\s+(?:near|short|long|medium)\s+term)\b",
        _vague,
    ),
    rule(
        "set",
        rf"\b(?P<adv>daily|nightly|weekly|fortnightly|monthly|quarterly|annually|yearly|hourly)\b"
        rf"|(?:[Ee]very|[Ee]ach)\s+(?:other\s+|single\s+)?(?:(?P<n>{NUMBER})\s+)?(?P<target>{_WD}|{_M}"
        r"|morning|afternoon|evening|night|spring|summer|autumn|winter|second|minute|hour|day|week|weekend"
        r"|fortnight|month|quarter|year|decade|centur(?:y|ie))s?\b",
        _set,
        flags=0,
    ),
]
