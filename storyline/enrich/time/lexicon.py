"""Words and regular-expression fragments for the time-expression tagger.

Everything here is data: month, weekday, season and unit names, number words and the
regular-expression fragments built from them.  The fragments carry no capture groups so
that rules can combine them freely and name their own groups.
"""

from __future__ import annotations

import re

MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

WEEKDAYS: dict[str, int] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}  # fmt: skip

SEASONS: dict[str, str] = {
    "spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI",
}  # fmt: skip

PARTS_OF_DAY: dict[str, str] = {
    "morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "tonight": "NI",
    "overnight": "NI", "midday": "MI", "noon": "MI", "lunchtime": "MI", "dawn": "MO",
}  # fmt: skip

# Unit words and their TIMEX3 duration letters; hours and smaller are written after "T".
# A fortnight counts double in weeks.
UNITS: dict[str, str] = {
    "second": "S", "minute": "M", "hour": "H", "day": "D", "night": "D", "week": "W",
    "weekend": "WE", "fortnight": "W", "month": "M", "quarter": "Q", "year": "Y",
    "decade": "DE", "century": "CE", "millennium": "ML",
}  # fmt: skip
CLOCK_UNITS = frozenset({"second", "minute", "hour"})

SMALL_NUMBERS = [  # zero to nineteen, spelled
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NUMBER_WORDS: dict[str, int] = {w: i for i, w in enumerate(SMALL_NUMBERS)}
NUMBER_WORDS.update({w: 20 + 10 * i for i, w in enumerate(_TENS)})
NUMBER_WORDS.update({"a": 1, "an": 1, "one": 1, "a couple of": 2, "couple of": 2, "a dozen": 12, "dozen": 12})

ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "twenty-first": 21, "thirtieth": 30, "thirty-first": 31,
}  # fmt: skip

# Words that stand for an unknown amount: "a few days" -> PXD.
VAGUE_AMOUNTS = frozenset({"a few", "few", "several", "some", "many", "a number of", "the few"})


def _alt(words: list[str] | tuple[str, ...] | set[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_NUM_WORD = rf"(?:(?:{_alt(_TENS)})(?:[- ](?:{_alt(SMALL_NUMBERS[1:10])}))?|{_alt(SMALL_NUMBERS)})"

# A cardinal amount: digits, number words, "a", "a couple of", vague amounts.
NUMBER = (
    rf"(?:\d+(?:[.,]\d+)?(?:\s+\d/\d)?|(?:(?:{_NUM_WORD}|an?)\s+)?(?:hundred|thousand)(?:\s+and\s+{_NUM_WORD})?"
    rf"|{_NUM_WORD}(?:\s+and\s+a\s+half)?|(?:a\s+)?couple\s+of|a\s+dozen|a\s+number\s+of|a\s+few|an?"
    rf"|few|several|some|many|dozens\s+of|hundreds\s+of)"
)
_MONTH_FULL = "January|February|March|April|May|June|July|August|September|October|November|December"
_MONTH_ABBR = r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)(?:\.|\b)"
MONTH = rf"(?:(?:{_MONTH_FULL}|JANUARY|FEBRUARY|MARCH|APRIL|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER)\b|{_MONTH_ABBR})"
WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|MONDAY|TUESDAY|WEDNESDAY|THURSDAY|FRIDAY|SATURDAY|SUNDAY)s?\b"
DAY_OF_MONTH = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\b"
ORDINAL_DAY = rf"(?:{_alt(list(ORDINALS))})"
YEAR4 = r"(?<![\d$#£€.,:/])(?<!\d-)(?:1[0-9]\d\d|20\d\d)(?![\d%:/]|,\d|\.\d)"
SPELLED_YEAR = (
    r"(?i:(?:nineteen|eighteen|twenty)[- ](?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|hundred)|(?:the\s+year\s+)?two\s+thousand(?:\s+and)?"
    r"(?:\s+(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty(?:[- ](?:one|two|three|four|five|six|seven"
    r"|eight|nine))?))?)"
)
SEASON = r"(?i:spring|summer|autumn|winter)"
UNIT = rf"(?:{_alt(list(UNITS))})"
PART_OF_DAY = r"(?i:morning|afternoon|evening|night)"
TIMEZONE = r"(?:GMT|BST|UTC|CET|CEST|EST|EDT|CST|CDT|MST|MDT|PST|PDT|ET|PT)\b"
# Modifiers TimeML keeps inside a span ("nearly four years", "more than two hours").
APPROX = (
    r"(?i:(?:about|around|approximately|roughly|nearly|almost|more\s+than|less\s+than|fewer\s+than"
    r"|at\s+least|at\s+most|up\s+to|no\s+more\s+than|no\s+less\s+than|well\s+over|close\s+to"
    r"|the\s+better\s+part\s+of)\s+)"
)
# Position inside a period ("early next year", "the end of 1990", "mid-November").
PERIOD_POSITION = (
    r"(?i:(?:(?:early|late|mid|earlier|later)(?:\s+in|\s+on)?(?:\s+|-)"
    r"|(?:the\s+)?(?:end|start|beginning|middle|turn|close|rest|remainder|first\s+half|second\s+half)\s+of\s+(?:the\s+)?))"
)


def number_value(words: str) -> float | None:
    """The amount a number phrase stands for, or None when it is vague ("several")."""
    text = " ".join(words.lower().replace("-", " ").split())
    if not text:
        return None
    if text in VAGUE_AMOUNTS or text in {"dozens of", "hundreds of", "a number of"}:
        return None
    if text in NUMBER_WORDS:
        return float(NUMBER_WORDS[text])
    half = 0.0
    if text.endswith(" and a half"):
        half, text = 0.5, text[: -len(" and a half")]
    fraction = re.fullmatch(r"(\d+) (\d)/(\d)", text)
    if fraction:
        return int(fraction.group(1)) + int(fraction.group(2)) / int(fraction.group(3))
    try:
        return float(text.replace(",", "")) + half
    except ValueError:
        pass
    total, current = 0, 0
    for word in text.split():
        if word == "and":
            continue
        if word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
        elif word in NUMBER_WORDS:
            current += NUMBER_WORDS[word]
        else:
            return None
    return float(total + current) + half


def spelled_year(words: str) -> int | None:
    """The year of "nineteen ninety-six" or "the year two thousand"."""
    text = " ".join(words.lower().replace("-", " ").split())
    text = text.removeprefix("the year ")
    if text.startswith("two thousand"):
        rest = text[len("two thousand") :].removeprefix(" and").strip()
        value = number_value(rest) if rest else 0.0
        return None if value is None else 2000 + int(value)
    head, _, tail = text.partition(" ")
    century = NUMBER_WORDS.get(head)
    if century is None:
        return None
    if tail == "hundred":
        return century * 100
    within = number_value(tail)
    return None if within is None else century * 100 + int(within)
