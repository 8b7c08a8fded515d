"""Inputs for ``benchmarks/fuzz_ingest.py``: valid seeds written here, odd values, and mutations.

Every input is made by this module from text written for the purpose (no corpus is read):
articles from a small vocabulary, pages, text dumps, feeds, OPML lists and web archives
built around them, then odd values put in their fields and their bytes mutated (flips,
truncation, splicing, duplication, repetition).  All randomness comes from the
``random.Random`` handed in, so a seed gives the same inputs again.

The local HTTP server of the driver serves files ending in ``.http``: the whole raw
response (status line, headers, body) as this module wrote it, so broken framing
(wrong ``Content-Length``, bad chunks, bad compression) reaches the fetcher as it is.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any
from xml.sax.saxutils import escape as xml_escape

# -- vocabulary: articles written for the fuzzer --------------------------------------------

PEOPLE = ["Morag Brodie", "Tomasz Kowal", "A\u00efcha Benali", "Jonas Eriksen", "Priya Raman", "Kenji Sato",
          "Siobh\u00e1n O'Neill", "Jos\u00e9 Mar\u00eda Aldana", "Fatou Diop", "Ilse van der Berg"]
PLACES = ["Leith", "Gda\u0144sk", "Troms\u00f8", "Marseille", "Dundee", "Osaka", "Valpara\u00edso", "Aberdeen"]
ORGS = ["the port authority", "the Harbour Workers Union", "the city council", "Northern Ferries",
        "the Coastguard Agency", "the Fisheries Board"]
THINGS = ["crane", "ferry terminal", "sea wall", "fish market", "lighthouse", "dry dock", "cable car"]
WHEN = ["on Monday", "on Tuesday", "last week", "on 2 October 2025", "in March 2024", "yesterday",
        "on the 14th", "early on Sunday", "this morning", "in 1998"]
# time expressions that name no day, or an odd one: for the time annotator and the timelines
ODD_WHEN = ["on 30 February 2025", "on 31 April", "on the 31st", "on 29 February 2023", "at 25:99", "on 00/00/0000",
            "in week 53", "on Monday 32 March", "between 2025 and 1999", "in 99999", "from the 1st to the 31st of June",
            "on 2025-02-30", "on 31/11/2024", "in the year 0", "on February 29", "in the 1800s", "on 1 January 1",
            "on 12/31/9999", "in Q5 2025", "on the 0th", "at midnight on 31 September", "in 10,000 BC",
            "on Sunday, 2 October 2025", "two weeks after 31 February", "on 2 Oct. 2025", "by 2099", "on 3/4/5"]


def sentence(rng: random.Random, token: str) -> str:
    person, place, org, thing = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(ORGS), rng.choice(THINGS)
    when = rng.choice(ODD_WHEN if rng.random() < 0.25 else WHEN)
    shapes = [
        f"{person} opened the new {thing} in {place} {when}, {org} said.",
        f"\u201cWe waited {rng.randint(2, 40)} years for this {thing},\u201d {person} told reporters in {place}.",
        f"{org.capitalize()} said {when} that the {thing} would cost {rng.randint(1, 900)} million euros.",
        f"\"It is a fine day for {place},\" said {person}, who chairs {org}.",
        f"According to {person}, the {thing} in {place} will close {when} for repairs.",
        f"The {thing} drew {rng.randint(10, 9000)} visitors {when}, and {org} expects more (ref {token}).",
    ]
    return rng.choice(shapes)


def paragraphs(rng: random.Random, token: str, count: int | None = None) -> list[str]:
    """A short news article: paragraphs of two to four sentences; ``token`` makes it unique."""
    count = count or rng.randint(3, 9)
    paras = [" ".join(sentence(rng, token) for _ in range(rng.randint(2, 4))) for _ in range(count)]
    paras[0] += f" Report {token}."
    return paras


def headline(rng: random.Random) -> str:
    return f"{rng.choice(THINGS).capitalize()} opens in {rng.choice(PLACES)}"


# -- odd values -----------------------------------------------------------------------------

ODD_CHARS = [
    "\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9b", "\u00a0", "\u00ad",
    "\u200b", "\u200d", "\u200e", "\u202e", "\u2028", "\u2029", "\u2066", "\ufeff", "\ufffd", "\ufffe", "\uffff",
    "\ud800", "\udfff", "\U0010ffff", "\U000e0001", "\U0001f600", "e\u0301\u0301\u0301", "\ufdfa", "\u4e00",
    "\u0627", "\u05d0", "\U0001d573", "\u01c5", "\u00df", "\u0130", "\ufb03", "\u3000", "\u1680", "\u180e",
    "\u0663", "\u00b2", "\uff11", "\u216b", "\r", "\r\n", "\n\n\n", "\t", "&", "<", ">", "\"", "'", "\\",
    "]]>", "<!--", "-->", "&amp;", "&#0;", "&#xD800;", "&#1114112;", "&nbsp;", "&bogus;", "%s", "{}", "${x}",
]
ODD_STRINGS = [
    "", " ", "\n", "\x00", "null", "None", "NaN", "[]", "{}", "0", "-1", "1e309", "\ufeff", "\u202e\u202d",
    "\U0001f1ec\U0001f1e7" * 3, "A" * 5000, "\u0627\u0644\u0645\u062c\u0644\u0633", "\u4e1c\u4eac",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "../../etc/passwd",
    "Robert'); DROP TABLE articles;--", "%00%0d%0a", "\u0000\u0001\u0002", "\ud800\udc00", "\udc00\ud800",
    "Z\u0351\u0352\u0353\u0354\u0355" * 30, "\u2060" * 200, "\u00e9" * 3,
]
ODD_DATES = [
    "2025-10-02", "2025-10-02T10:00:00Z", "2025-02-30", "2025-13-45", "0000-00-00", "9999-12-31T23:59:59Z",
    "10000-01-01", "-0001-01-01", "2025-10-02T25:61:61Z", "2025-10-02T10:00:00+99:00", "Thu, 02 Oct 2025 10:00:00 GMT",
    "Thu, 32 Oct 2025 99:00:00 +9999", "Thu, 02 Oct 99999 10:00:00 GMT", "02/10/2025", "10/02/25", "1759399200",
    "1759399200000", "1e308", "NaN", "yesterday", "", " ", "\uff12\uff10\uff12\uff15-\uff11\uff10-\uff10\uff12",
    "\u0662\u0660\u0662\u0665-\u0661\u0660-\u0660\u0662", "2025-W40-4", "2025-275", "20251002",
    "2025-10-02T10:00:00.123456789123Z", "2025-10", "2025", "0", "-1", "Oct 2, 2025", "2 Oktober 2025",
    "2025\u5e7410\u67082\u65e5", "1900-02-29", "2000-02-29", "1582-10-10", "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59.999999-01:00", "0001-01-01T00:00:00+14:00",
    "2025-10-02T10:00:00 +0100", "Mon, 02 Oct 2025", "Sun, 31 Dec 9999 23:59:59 -1200", "Sat, 01 Jan 0001 00:00:00 +1200",
    "2025-10-02T10:00:00+24:00", "T", "2025-10-02\x00", "\u00b2\u00b2\u00b2\u00b2-\u00b2\u00b2-\u00b2\u00b2",
    "1969-12-31T23:59:59Z", "1800-01-01", "1799-12-31", "2038-01-19T03:14:08Z", "292277026596-12-04",
    "Tue, 29 Feb 2025 10:00:00 GMT", "Wed, 02 Oct 2025 10:00:00 XYZ", "2025-10-02T10:00:00-00:00",
]
ODD_URLS = [
    "https://news.example/a", "http://[::1", "http://[fe80::1%25eth0]/", "https://exa mple.com/", "https://%zz/",
    "http://x:99999/", "http://x:-1/", "//cdn.example/i.jpg", "/relative/img.jpg", "data:image/png;base64,AAAA",
    "javascript:alert(1)", "https://example.com/" + "a" * 20000, "https://xn--/", "https://ex\x00ample.com",
    "https://\u4f8b\u3048.\u30c6\u30b9\u30c8/\u30d1\u30b9", "http://user:pass@host/", "HTTPS://EXAMPLE.COM/%",
    "https://example.com/\ud800", "http://256.256.256.256/", "http://0x7f.1/", "file:///etc/passwd",
    "https://example.com:0/", "https://[::ffff:127.0.0.1]/", "http://a..b/", "http://.", "http:", "https://",
    "   ", "https://example.com/a b", "https://example.com/#frag", "mailto:x@y", "http://127.0.0.1:9/closed",
    "https://example.com/\u202eevil", "https://example.com/%E0%A4%A", "ftp://example.com/x", "\\\\server\\share",
    "http://[::]:80/", "https://example.com:65536/", "https://-.example/", "https://example..com",
    "http://[1:2:3:4:5:6:7:8:9]/", "http://[v1.fe]/", "https://example.com?q=\u00e9#\u00e9",
]


def attr(value: str) -> str:
    """``value`` escaped for a double-quoted XML attribute."""
    return xml_escape(value, {'"': "&quot;"})


def odd_text(rng: random.Random, base: str) -> str:
    """``base`` with odd characters put in a few places."""
    chars = list(base)
    for _ in range(rng.randint(1, 6)):
        chars.insert(rng.randint(0, len(chars)), rng.choice(ODD_CHARS))
    return "".join(chars)


def deep(rng: random.Random, depth: int) -> Any:
    value: Any = rng.choice(["x", 1, None])
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return value


def odd_value(rng: random.Random, good: Any) -> Any:
    """A value of the wrong type, size or content where ``good`` belongs."""
    pick = rng.randrange(14)
    if pick == 0:
        return rng.choice([0, -1, 2**63, 10**30, 1.5, -0.0, float("inf"), float("nan"), True, False])
    if pick == 1:
        return None
    if pick == 2:
        return rng.choice([[], [good], [good, 3, None], [[good]], ["a", "b"]])
    if pick == 3:
        return rng.choice([{}, {"value": good}, {"@type": "Person", "name": good}])
    if pick == 4:
        return deep(rng, rng.choice([5, 50, 500, 5000]))
    if pick == 5:
        return rng.choice(ODD_STRINGS)
    if pick == 6 and isinstance(good, str):
        return odd_text(rng, good)
    if pick == 7 and isinstance(good, str):
        return good * min(rng.choice([2, 50, 2000]), 500_000 // max(1, len(good)))
    if pick == 8:
        return rng.choice(ODD_DATES)
    if pick == 9:
        return rng.choice(ODD_URLS)
    if pick == 10:
        return "".join(rng.choice(ODD_CHARS) for _ in range(rng.randint(1, 40)))
    if pick == 11:
        return rng.choice(["(" * 3000 + "x" + ")" * 3000, "\u201c" * 2000, "x" * 60000, ". " * 20000,
                           "A" * 2000 + " " + "B" * 2000, "\n" * 5000, "<" * 5000, "&amp;" * 5000])
    return good


def odd_str(rng: random.Random, good: str) -> str:
    """:func:`odd_value` as text (what a value of another type reads as in markup)."""
    value = odd_value(rng, good)
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value)[:5000]
    except (ValueError, RecursionError):
        return "[" * 5000


# -- byte mutations ---------------------------------------------------------------------------

ODD_BYTES = [b"\x00", b"\xff", b"\xfe", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\xf4\x90\x80\x80",
             b"\xe2\x80\xa8", b"\xc2\x85", b"\r", b"\n", b"\x1a", b"\x80", b"\xc0\xaf", b"\xe0\x80\xaf"]
REPEATS = [b"<div>", b"</p>", b"&amp;", b"(", b"\"", b"<", b"]]>", b"\n", b" ", b"<b><i>", b"&#", b"\xe2\x80\x9c",
           b"<![CDATA[", b"<!--", b"{\"a\":", b"[", b"\\", b"x", b"<p>", b"<item>", b"\r\n\r\n"]


def flip(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        if buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def insert_odd(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    at = rng.randint(0, len(data))
    return data[:at] + rng.choice(ODD_BYTES) * rng.choice([1, 1, 3, 100]) + data[at:]


def truncate(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    return data[: rng.randint(0, len(data))]


def splice(rng: random.Random, data: bytes, other: bytes) -> bytes:
    if not other:
        return data
    a, b = sorted(rng.randint(0, len(other)) for _ in range(2))
    at = rng.randint(0, len(data))
    end = at + rng.choice([0, 0, rng.randint(0, max(0, len(data) - at))])
    return data[:at] + other[a:b] + data[end:]


def duplicate(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    if not data:
        return data
    a, b = sorted(rng.randint(0, len(data)) for _ in range(2))
    return data[:b] + data[a:b] * rng.choice([1, 2, 10, 100]) + data[b:]


def repeat(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    at = rng.randint(0, len(data))
    return data[:at] + rng.choice(REPEATS) * rng.choice([10, 300, 3000, 30000]) + data[at:]


def delete(rng: random.Random, data: bytes, _other: bytes) -> bytes:
    a, b = sorted(rng.randint(0, len(data)) for _ in range(2))
    return data[:a] + data[b:]


MUTATORS: list[Callable[[random.Random, bytes, bytes], bytes]] = [
    flip, insert_odd, truncate, splice, duplicate, repeat, delete]
MAX_SIZE = 3_000_000


def mutate(rng: random.Random, data: bytes, other: bytes = b"", rounds: int | None = None) -> bytes:
    """``data`` after one to four random mutations (``other``: bytes to splice from)."""
    for _ in range(rounds if rounds is not None else rng.randint(1, 4)):
        data = rng.choice(MUTATORS)(rng, data, other)
    return data[:MAX_SIZE]


# -- inputs -----------------------------------------------------------------------------------

@dataclass(slots=True)
class Input:
    """One generated input: a file (``name`` and ``data``), or a URL when ``served`` holds its response."""

    name: str
    data: bytes
    kind: str
    lines: int | None = None  # JSONL: the non-blank lines, each of which must have an outcome
    url: bool = False  # given to ingest as the URL of its served copy, not as a file
    served: dict[str, bytes] = field(default_factory=dict)  # path under the batch's served/ -> raw HTTP response
    controls: list[str] = field(default_factory=list)  # ids of good JSONL lines inside this file
    note: str = ""


class Maker:
    """Makes the inputs of one batch; ``base`` is the batch's URL on the local server."""

    def __init__(self, rng: random.Random, base: str, token: str) -> None:
        self.rng = rng
        self.base = base
        self.token = token
        self.count = 0
        self.served: dict[str, bytes] = {}

    def unique(self) -> str:
        self.count += 1
        return f"{self.token}x{self.count}"

    # -- JSONL -----------------------------------------------------------------------------

    def record(self) -> dict[str, Any]:
        rng = self.rng
        token = self.unique()
        rec: dict[str, Any] = {"id": f"rec-{token}", "title": headline(rng), "published": "2025-10-02",
                               "url": f"https://news.example/{token}", "authors": [rng.choice(PEOPLE)],
                               "publisher": "Leith Gazette", "text": "\n\n".join(paragraphs(rng, token))}
        if rng.random() < 0.2:
            rec["html"] = self.page_html(token)
            if rng.random() < 0.6:
                del rec["text"]
        if rng.random() < 0.3:
            rec["image"] = rng.choice(ODD_URLS)
        if rng.random() < 0.2:
            rec["via"] = rng.choice(["Wire", "", None, 7])
        for name in list(rec):
            if rng.random() < 0.25:
                rec[name] = odd_value(rng, rec[name])
        if rng.random() < 0.05:
            rec["extra"] = deep(rng, rng.choice([100, 1000]))
        return rec

    def jsonl_line(self, rec: dict[str, Any]) -> bytes:
        rng = self.rng
        try:
            text = json.dumps(rec, ensure_ascii=rng.random() < 0.5)
        except (ValueError, RecursionError):
            text = json.dumps({"id": "deep", "text": "x"})
        if rng.random() < 0.05:
            text = text.replace("\"text\"", "\"text\": 1, \"text\"", 1)  # a duplicate key
        if rng.random() < 0.05:
            text = text[:-1] + ", \"big\": " + "9" * rng.choice([4000, 5000, 20000]) + "}"
        if rng.random() < 0.05 and "\\u" not in text:
            text = text.replace("Report", "Report\x01\x1f", 1)  # raw control characters in a string
        return text.encode("utf-8", "surrogatepass" if rng.random() < 0.3 else "backslashreplace")

    def jsonl(self) -> Input:
        rng = self.rng
        lines = [self.jsonl_line(self.record()) for _ in range(rng.randint(1, 8))]
        for index in range(len(lines)):
            if rng.random() < 0.3:
                lines[index] = mutate(rng, lines[index], rng.choice(lines), rounds=rng.randint(1, 2))
        if rng.random() < 0.1:
            lines.append(b"[" * rng.choice([1000, 100000]))
        if rng.random() < 0.1:
            lines.insert(rng.randint(0, len(lines)), b"  ")
        controls = []
        if rng.random() < 0.7:
            ident = f"control-{self.unique()}"
            control = {"id": ident, "title": "Control line", "published": "2025-10-01",
                       "text": "\n\n".join(paragraphs(rng, ident))}
            controls.append(control["id"])
            lines.insert(rng.randint(0, len(lines)), json.dumps(control).encode())
        while sum(map(len, lines)) > MAX_SIZE:  # the largest lines go
            lines.remove(max(lines, key=len))
        ending = rng.choice([b"\n", b"\n", b"\r\n", b"\n\n"])
        data = ending.join(lines) + (ending if rng.random() < 0.8 else b"")
        wide = rng.random() < 0.08
        if wide:
            data = data.decode("utf-8", "replace").encode(rng.choice(["utf-16", "utf-16-le", "utf-32"]))
            controls = []
        elif rng.random() < 0.1:
            data = b"\xef\xbb\xbf" + data
        if rng.random() < 0.1:
            data = mutate(rng, data, b"".join(lines))
            controls = []
        counted = None if wide or b"\x00" in data[:1024] else sum(
            1 for line in data.split(b"\n") if line.decode("utf-8", "replace").strip())
        return Input(f"{self.unique()}.{rng.choice(['jsonl', 'ndjson'])}", data, "jsonl", lines=counted,
                     controls=controls)

    # -- one event told many times: stories, storylines and timelines -------------------------

    def story(self) -> Input:
        """A JSONL file of 4 to 14 articles on one event: odd dates, copies and near copies."""
        rng = self.rng
        person, place, thing = rng.choice(PEOPLE), rng.choice(PLACES), rng.choice(THINGS)
        lines = []
        for _ in range(rng.randint(4, 14)):
            token = self.unique()
            when = rng.choice(ODD_WHEN + WHEN)
            paras = [f"{person} opened the {thing} in {place} {when}, {rng.choice(ORGS)} said (ref {token}).",
                     f"\u201cThis {thing} changes {place},\u201d {person} said {rng.choice(ODD_WHEN + WHEN)}.",
                     *paragraphs(rng, token, rng.randint(1, 4))]
            rec: dict[str, Any] = {"id": f"story-{token}", "title": odd_text(rng, f"{thing.capitalize()} opens in {place}")
                                   if rng.random() < 0.2 else f"{thing.capitalize()} opens in {place}",
                                   "published": rng.choice(ODD_DATES + ["2025-10-02"] * 10),
                                   "publisher": rng.choice(["Leith Gazette", "Harbour Weekly", "The Quay", "", None]),
                                   "text": "\n\n".join(paras)}
            if lines and rng.random() < 0.2:  # a copy, or a near copy, of an earlier article
                earlier = json.loads(rng.choice(lines))
                earlier["id"] = f"copy-{token}"
                if rng.random() < 0.5:
                    earlier["text"] = earlier["text"].replace(place, place + ",", 1)
                rec = earlier
            lines.append(json.dumps(rec, ensure_ascii=rng.random() < 0.5))
        data = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n"
        return Input(f"{self.unique()}.jsonl", data, "story", lines=len(lines))

    # -- HTML ------------------------------------------------------------------------------

    def meta_tags(self, token: str) -> list[str]:
        rng = self.rng
        date, url, image = rng.choice(ODD_DATES), rng.choice(ODD_URLS), rng.choice(ODD_URLS)
        tags = [
            f'<meta property="og:title" content="{escape(odd_str(rng, headline(rng)) if rng.random() < 0.3 else headline(rng), True)}">',
            f'<meta property="article:published_time" content="{escape(date)}">',
            f'<meta name="date" content="{escape(rng.choice(ODD_DATES))}">',
            f'<meta property="og:image" content="{escape(image)}">',
            f'<meta name="twitter:image" content="{escape(rng.choice(ODD_URLS))}">',
            f'<link rel="canonical" href="{escape(url)}">',
            f'<meta property="og:url" content="{escape(rng.choice(ODD_URLS))}">',
            f'<meta name="author" content="{escape(rng.choice(PEOPLE + ODD_STRINGS))}">',
            f'<meta property="og:locale" content="{escape(rng.choice(["en_GB", "xx", "", "123", "e" * 300]))}">',
            f'<meta http-equiv="content-language" content="{rng.choice(["en", "zz-ZZ", ","])}">',
            f'<base href="{escape(rng.choice(ODD_URLS))}">',
            f'<meta http-equiv="refresh" content="0; url={escape(rng.choice(ODD_URLS))}">',
            f'<meta property="og:site_name" content="{escape(rng.choice(["Leith Gazette", *ODD_STRINGS]))}">',
            f'<time datetime="{escape(rng.choice(ODD_DATES))}" pubdate>{escape(rng.choice(ODD_DATES))}</time>',
        ]
        if rng.random() < 0.5:
            tags.append(f'<script type="application/ld+json">{self.json_ld(token)}</script>')
        rng.shuffle(tags)
        return tags[: rng.randint(0, len(tags))]

    def json_ld(self, token: str) -> str:
        rng = self.rng
        data: dict[str, Any] = {"@context": "https://schema.org", "@type": rng.choice(["NewsArticle", "Article", ["A"], 5]),
                                "headline": headline(rng), "datePublished": rng.choice(ODD_DATES),
                                "dateModified": rng.choice(ODD_DATES), "author": {"@type": "Person",
                                                                                  "name": rng.choice(PEOPLE)},
                                "image": rng.choice(ODD_URLS), "publisher": {"name": "Leith Gazette"},
                                "articleBody": " ".join(paragraphs(rng, token, 2))}
        for name in list(data):
            if rng.random() < 0.3:
                data[name] = odd_value(rng, data[name])
        if rng.random() < 0.2:
            data = {"@graph": [data, deep(rng, rng.choice([10, 300]))]}
        try:
            text = json.dumps(data)
        except (ValueError, RecursionError):
            text = "{"
        if rng.random() < 0.15:
            text = text[: rng.randint(0, len(text))]  # broken JSON
        return text.replace("</", "<\\/") if rng.random() < 0.8 else text

    def body_html(self, token: str) -> str:
        rng = self.rng
        paras = paragraphs(rng, token)
        parts = [f"<h1>{escape(headline(rng))}</h1>", f'<p class="byline">By {escape(rng.choice(PEOPLE))}</p>']
        parts += [f"<p>{escape(p) if rng.random() < 0.9 else odd_text(rng, p)}</p>" for p in paras]
        extras = [
            "<script>var x = '</p><p>' + 1; document.write('<div>');</script>",
            "<style>p { color: red } </style>",
            "<!-- a comment <p>not text</p> -->",
            "<!-- unclosed comment",
            "<![CDATA[ cdata <p>text</p> ]]>",
            "<iframe src='javascript:alert(1)'></iframe>",
            "<svg><script>alert(1)</script><text>svg text</text></svg>",
            "<math><mi>x</mi><annotation-xml><p>inside math</p></annotation-xml></math>",
            "<template><p>template text</p></template>",
            "<noscript><p>Please enable scripts to read this.</p></noscript>",
            "<form><input value='x'><textarea><p>typed</p></textarea></form>",
            "<table><tr><td><table><tr><td>cell</td></tr></table></td></tr></table>",
            "<nav><a href='/'>Home</a> | <a href='/news'>News</a></nav>",
            "<footer>Copyright 2025 Leith Gazette. All rights reserved.</footer>",
            "<aside><ul><li><a href='x'>Related: ferry</a></li></ul></aside>",
            "<figure><img src='x.jpg' srcset='a.jpg 1x, :: 2x,,,'><figcaption>Brodie at the quay (Jeff Moore/PA)</figcaption></figure>",
            "<p>&#0; &#x110000; &#xD800; &#99999999999; &bogus; &amp &lt;p&gt; &nbsp&nbsp; &#x;</p>",
            "<p>unclosed <b>bold <i>italic <u>under</p><p>next</b></i>",
            "</html><p>after the end</p>",
            "<body><p>a second body</p></body>",
            "<frameset><frame src='x'></frameset>",
            "<plaintext><p>all that follows is text",
            "<xmp><p>raw</p></xmp>",
            "<?php echo 'x'; ?>",
            "<!DOCTYPE html><p>doctype in the middle</p>",
            "<o:p></o:p><a:b:c>ns</a:b:c><\u00e9l\u00e9ment>unicode tag</\u00e9l\u00e9ment>",
            f"<div class=\"{'x' * rng.choice([1000, 100000])}\">giant attribute</div>",
            "<div " + " ".join(f"a{i}='{i}'" for i in range(rng.choice([100, 5000]))) + ">many attributes</div>",
            "<p>" + "<b>" * rng.choice([100, 300, 3000]) + "deep bold" + "</b>" * rng.choice([0, 100]) + "</p>",
            "<div>" * rng.choice([50, 300, 2000]) + "<p>deep text in a nest of divisions</p>",
            "<a href='" + "https://x/" * 2000 + "'>long link</a>",
            "<img src=\"data:image/png;base64," + "A" * 50000 + "\">",
            "<p>\u202eReversed text \u2066isolated\u2069</p>",
            "<p>" + "word " * rng.choice([10, 30000]) + "</p>",
            "<pre>" + "    code\n" * 200 + "</pre>",
            "<blockquote><p>\u201cA quote that ends nowhere</blockquote>",
            "<p>x</p>" * rng.choice([10, 5000]),
            "<li>" * 2000,
        ]
        for _ in range(rng.randint(0, 5)):
            parts.insert(rng.randint(0, len(parts)), rng.choice(extras))
        body = "".join(parts)
        return f"<article>{body}</article>" if rng.random() < 0.7 else f"<div id='content'>{body}</div>"

    def page_html(self, token: str) -> str:
        rng = self.rng
        head = "".join(self.meta_tags(token))
        title = escape(headline(rng)) if rng.random() < 0.8 else odd_text(rng, headline(rng))
        doctype = rng.choice(["<!DOCTYPE html>", "", "<?xml version=\"1.0\" encoding=\"utf-16\"?>",
                              "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"x.dtd\">",
                              "<!DOCTYPE html [<!ENTITY a \"aaaa\">]>"])
        html_attrs = rng.choice(["", " lang='en'", " lang='zz'", " xml:lang='en-GB'",
                                 " xmlns='http://www.w3.org/1999/xhtml'", " lang=''"])
        return (f"{doctype}<html{html_attrs}><head><title>{title}</title>{head}</head>"
                f"<body>{self.body_html(token)}</body></html>")

    def encoded_page(self, token: str) -> tuple[bytes, str]:
        """A page and the charset label its transport would carry."""
        rng = self.rng
        page = self.page_html(token)
        declared = rng.choice(["utf-8", "utf-8", "windows-1252", "iso-8859-1", "shift_jis", "gb18030", "koi8-r",
                               "utf-16", "utf-7", "x-user-defined", "bogus-charset", "", "UTF8", "latin1"])
        actual = rng.choice(["utf-8", "utf-8", "utf-8", declared or "utf-8", "utf-16-le", "utf-16-be",
                             "windows-1252", "shift_jis", "utf-32"])
        if declared and rng.random() < 0.8:
            meta = rng.choice([f"<meta charset=\"{declared}\">",
                               f"<meta http-equiv=\"Content-Type\" content=\"text/html; charset={declared}\">"])
            page = page.replace("<head>", "<head>" + meta, 1)
        try:
            data = page.encode(actual, "surrogatepass" if actual == "utf-8" else "xmlcharrefreplace")
        except (LookupError, UnicodeError):
            data = page.encode("utf-8", "surrogatepass")
        bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-8": b"\xef\xbb\xbf"}.get(actual, b"")
        if bom and rng.random() < 0.5:
            data = bom + data
        return data, declared

    def html(self) -> Input:
        rng = self.rng
        data, _ = self.encoded_page(self.unique())
        if rng.random() < 0.5:
            data = mutate(rng, data, self.encoded_page(self.unique())[0])
        return Input(f"{self.unique()}.{rng.choice(['html', 'htm', 'xhtml', 'shtml', 'page'])}", data, "html")

    # -- plain-text dumps ------------------------------------------------------------------

    def text_dump(self, token: str) -> str:
        rng = self.rng
        paras = paragraphs(rng, token)
        publisher = rng.choice(["Leith Gazette", "The Northern Quay", "Harbour Weekly"])
        shape = rng.randrange(3)
        if shape == 0:
            first = f" date {rng.choice(ODD_DATES)} {publisher} needs your support to keep reporting the news."
            return first + "\n\n" + "\n\n".join(paras)
        if shape == 1:
            chrome = ["Read every paper in one app. Try it free", publisher, publisher,
                      f"{rng.choice(PEOPLE)}", headline(rng)]
            body = []
            for p in paras:
                body.append(p)
                if rng.random() < 0.3:
                    body.append(f"{rng.choice(PEOPLE)} at the quay in {rng.choice(PLACES)}. (Photo: Ann Lee/Agency)")
            footer = ["Create an account to keep reading", "More stories", "Share this story"]
            return "\n\n".join(chrome + body + footer)
        appeal = [f"{publisher} is free to read.", "Help us keep it that way.", "Give once or monthly."]
        body = []
        for p in paras:
            if rng.random() < 0.3:
                body.append("view image in gallery")
                body.append(f"{rng.choice(PEOPLE)} with harbour staff ({rng.choice(PEOPLE)}/PA)")
            body.append(p)
        return "\n".join(appeal + body)

    def text(self) -> Input:
        rng = self.rng
        text = self.text_dump(self.unique())
        if rng.random() < 0.3:
            text = odd_text(rng, text)
        encoding = rng.choice(["utf-8", "utf-8", "utf-8", "utf-16", "windows-1252", "utf-8-sig", "latin-1"])
        data = text.encode(encoding, "surrogatepass" if encoding.startswith("utf-8") else "replace")
        if rng.random() < 0.5:
            data = mutate(rng, data, self.text_dump(self.unique()).encode())
        return Input(f"{self.unique()}.{rng.choice(['txt', 'text', 'md', ''])}".rstrip("."), data, "text")

    # -- served responses (pages that feeds and OPML lists point at, URL inputs) -----------

    def http(self, body: bytes, content_type: str | None) -> bytes:
        """A raw HTTP response around ``body``, sometimes with broken framing or odd headers."""
        rng = self.rng
        status = rng.choice(["200 OK"] * 8 + ["404 Not Found", "500 Oops", "204 No Content", "206 Partial",
                                               "304 Not Modified", "999 What", "2xx OK", "200"])
        headers: list[tuple[str, str]] = []
        if content_type is not None:
            headers.append(("Content-Type", content_type))
        pick = rng.random()
        if pick < 0.1:
            body = gzip.compress(body)
            headers.append(("Content-Encoding", "gzip"))
            if rng.random() < 0.5:
                body = body[: rng.randint(0, len(body))]
        elif pick < 0.15:
            headers.append(("Content-Encoding", rng.choice(["gzip", "br", "deflate", "zstd", "gzip, gzip", "x-bogus"])))
        elif pick < 0.2:
            body = zlib.compress(body)
            headers.append(("Content-Encoding", "deflate"))
        framing = rng.random()
        if framing < 0.15:
            size = rng.randint(1, 4096)
            chunks = b"".join(f"{len(body[i:i + size]):x}\r\n".encode() + body[i:i + size] + b"\r\n"
                              for i in range(0, len(body), size))
            chunks += rng.choice([b"0\r\n\r\n", b"0\r\n\r\n", b"", b"zz\r\n", b"0\r\nX-Trailer: 1\r\n\r\n"])
            headers.append(("Transfer-Encoding", "chunked"))
            body = chunks
        elif framing < 0.25:
            headers.append(("Content-Length", rng.choice([str(len(body) + 100), str(max(0, len(body) - 10)), "-1",
                                                          "abc", f"{len(body)}, {len(body)}", "99999999999999",
                                                          "\u00b2", "\u0661\u0660"])))
        else:
            headers.append(("Content-Length", str(len(body))))
        if rng.random() < 0.1:
            headers.append(rng.choice([("X-Long", "a" * rng.choice([1000, 70000])), ("Set-Cookie", "\u00e9=\u00e9"),
                                       ("ETag", "\"\x01\""), ("Last-Modified", rng.choice(ODD_DATES)),
                                       ("Content-Type", "text/html; charset=utf-16"), ("Location", "/")]))
        head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "Connection: close\r\n\r\n"
        return head.encode("utf-8", "replace") + body

    def serve(self, path: str, body: bytes, content_type: str | None) -> str:
        """Put ``body`` on the local server at ``path``; its URL."""
        rng = self.rng
        if rng.random() < 0.07:  # a redirect: to another served page, to itself, or somewhere odd
            target = rng.choice([f"{path}.next", path, "javascript:alert(1)", "http://127.0.0.1:9/closed",
                                 "//", "/nowhere", "http://[::1"])
            location = target if ":" in target or target.startswith("/") else f"{self.base}/{target}"
            self.served[f"{path}.http"] = (f"HTTP/1.1 {rng.choice([301, 302, 307, 308])} Moved\r\nLocation: {location}\r\n"
                                           "Content-Length: 0\r\nConnection: close\r\n\r\n").encode("utf-8", "replace")
            path = f"{path}.next"
        self.served[f"{path}.http"] = self.http(body, content_type)
        return f"{self.base}/{path}"

    def served_page(self) -> str:
        rng = self.rng
        data, declared = self.encoded_page(self.unique())
        if rng.random() < 0.3:
            data = mutate(rng, data)
        kind = rng.choice(["text/html", "text/html", "application/xhtml+xml", "text/plain", "application/octet-stream",
                           "image/png", "application/rss+xml", None])
        content_type = kind if not kind or not declared or rng.random() < 0.3 else f"{kind}; charset={declared}"
        return self.serve(f"page-{self.unique()}.html", data, content_type)

    def entry_link(self) -> str | None:
        rng = self.rng
        pick = rng.random()
        if pick < 0.5:
            return self.served_page()
        if pick < 0.7:
            return rng.choice(ODD_URLS)
        if pick < 0.8:
            return f"{self.base}/missing-{self.unique()}"
        return None

    # -- feeds -----------------------------------------------------------------------------

    def xml_text(self, value: str) -> str:
        """A value in XML: escaped, in CDATA (sometimes broken), or raw (malformed)."""
        rng = self.rng
        pick = rng.random()
        if pick < 0.6:
            return xml_escape(value)
        if pick < 0.85:
            return f"<![CDATA[{value}]]>"
        return value

    def entry_fields(self) -> dict[str, Any]:
        rng = self.rng
        token = self.unique()
        full = rng.random() < 0.5
        content = "".join(f"<p>{escape(p)}</p>" for p in paragraphs(rng, token, 8 if full else 1))
        fields: dict[str, Any] = {
            "title": headline(rng), "link": self.entry_link(), "id": f"urn:{token}", "date": rng.choice(ODD_DATES),
            "author": rng.choice(PEOPLE), "summary": content[:300] + ("\u2026" if rng.random() < 0.5 else ""),
            "content": content if rng.random() < 0.7 else None, "image": rng.choice(ODD_URLS),
        }
        for name in list(fields):
            if rng.random() < 0.2:
                fields[name] = None if rng.random() < 0.2 else odd_str(rng, fields[name] or "")
        return fields

    def rss(self, entries: list[dict[str, Any]]) -> str:
        rng = self.rng
        items = []
        for e in entries:
            parts = [f"<title>{self.xml_text(e['title'])}</title>" if e["title"] is not None else "",
                     f"<link>{xml_escape(e['link'])}</link>" if e["link"] is not None else "",
                     f"<guid isPermaLink='false'>{xml_escape(e['id'] or '')}</guid>",
                     f"<pubDate>{xml_escape(e['date'] or '')}</pubDate>",
                     f"<dc:creator>{self.xml_text(e['author'] or '')}</dc:creator>",
                     f"<description>{self.xml_text(e['summary'] or '')}</description>",
                     f"<content:encoded>{self.xml_text(e['content'])}</content:encoded>" if e["content"] else "",
                     f"<media:content url=\"{attr(e['image'] or '')}\" "
                     f"medium=\"{rng.choice(['image', 'video', ''])}\"/>",
                     f"<enclosure url=\"{attr(e['image'] or '')}\" type=\"image/jpeg\" "
                     f"length=\"{rng.choice(['1', '-1', 'x', ''])}\"/>"]
            rng.shuffle(parts)
            items.append("<item>" + "".join(parts[: rng.randint(0, len(parts))] if rng.random() < 0.2 else parts)
                         + "</item>")
        ttl = rng.choice(["60", "", "\u00b2", "\u0663\u0660", "-5", "1e3", "9" * 30, " 60 ", "\uff16\uff10"])
        encoding = rng.choice(["utf-8", "UTF-8", "iso-8859-1", "utf-16", "bogus", "windows-1252"])
        return (f'<?xml version="1.0" encoding="{encoding}"?>\n'
                '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">'
                f"<channel><title>{self.xml_text(rng.choice(['Leith Gazette', *ODD_STRINGS]))}</title>"
                f"<link>{xml_escape(rng.choice(ODD_URLS))}</link><description>News</description><ttl>{ttl}</ttl>"
                + "".join(items) + "</channel></rss>")

    def atom(self, entries: list[dict[str, Any]]) -> str:
        rng = self.rng
        items = []
        for e in entries:
            kind = rng.choice(["html", "text", "xhtml"])
            content = e["content"] or ""
            body = (f"<div xmlns='http://www.w3.org/1999/xhtml'>{content}</div>" if kind == "xhtml"
                    else self.xml_text(content))
            items.append(
                "<entry>"
                + (f"<title type='{rng.choice(['html', 'text'])}'>{self.xml_text(e['title'])}</title>" if e["title"] else "")
                + (f"<link rel='alternate' href=\"{attr(e['link'])}\"/>" if e["link"] else "")
                + f"<id>{xml_escape(e['id'] or '')}</id><published>{xml_escape(e['date'] or '')}</published>"
                + f"<updated>{xml_escape(rng.choice(ODD_DATES))}</updated>"
                + f"<author><name>{self.xml_text(e['author'] or '')}</name></author>"
                + f"<summary type='html'>{self.xml_text(e['summary'] or '')}</summary>"
                + (f"<content type='{kind}'>{body}</content>" if e["content"] else "")
                + "</entry>")
        return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>{self.xml_text(rng.choice(['Harbour Weekly', *ODD_STRINGS]))}</title>"
                f"<link href=\"{attr(rng.choice(ODD_URLS))}\"/><id>urn:feed</id>"
                + "".join(items) + "</feed>")

    def rdf(self, entries: list[dict[str, Any]]) -> str:
        items = "".join(
            f"<item rdf:about=\"{attr(e['link'] or '')}\"><title>{self.xml_text(e['title'] or '')}</title>"
            f"<link>{xml_escape(e['link'] or '')}</link><dc:date>{xml_escape(e['date'] or '')}</dc:date>"
            f"<description>{self.xml_text(e['summary'] or '')}</description></item>" for e in entries)
        return ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                "<channel rdf:about=\"x\"><title>Quay</title><link>https://news.example/</link></channel>"
                + items + "</rdf:RDF>")

    def json_feed(self, entries: list[dict[str, Any]]) -> str:
        rng = self.rng
        items: list[Any] = []
        for e in entries:
            item: dict[str, Any] = {"id": e["id"], "url": e["link"], "title": e["title"],
                                    "content_html": e["content"], "summary": e["summary"],
                                    "date_published": e["date"], "authors": [{"name": e["author"]}],
                                    "image": e["image"]}
            if rng.random() < 0.3:
                item["content_text"] = "\n\n".join(paragraphs(rng, self.unique()))
            for name in list(item):
                if rng.random() < 0.15:
                    item[name] = odd_value(rng, item[name])
            items.append(item)
        if rng.random() < 0.1:
            items.append(rng.choice([1, "x", None, [], deep(rng, 50)]))
        feed: dict[str, Any] = {"version": "https://jsonfeed.org/version/1.1", "title": "Quay", "items": items}
        if rng.random() < 0.15:
            feed[rng.choice(["title", "items", "home_page_url", "author", "authors"])] = odd_value(rng, "x")
        try:
            return json.dumps(feed, ensure_ascii=rng.random() < 0.5)
        except (ValueError, RecursionError):
            return json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": []})

    def feed_text(self) -> tuple[str, str, str]:
        """A feed: (its text, a file suffix, its media type)."""
        rng = self.rng
        entries = [self.entry_fields() for _ in range(rng.randint(0, 6))]
        pick = rng.randrange(4)
        if pick == 0:
            return self.rss(entries), rng.choice(["rss", "xml"]), "application/rss+xml"
        if pick == 1:
            return self.atom(entries), rng.choice(["atom", "xml"]), "application/atom+xml"
        if pick == 2:
            return self.rdf(entries), "rdf", "application/rdf+xml"
        return self.json_feed(entries), "json", "application/feed+json"

    def feed_bytes(self) -> tuple[bytes, str, str]:
        rng = self.rng
        text, suffix, media = self.feed_text()
        if rng.random() < 0.1:
            text = text.replace("<channel>", "<channel>\u00a0&nbsp;&copy;&bogus;", 1)
        encoding = rng.choice(["utf-8", "utf-8", "utf-8", "utf-16", "utf-8-sig", "windows-1252"])
        data = text.encode(encoding, "surrogatepass" if encoding == "utf-8" else "xmlcharrefreplace")[:MAX_SIZE]
        if rng.random() < 0.4:
            data = mutate(rng, data, self.feed_text()[0].encode("utf-8", "replace"))
        return data, suffix, media

    def feed(self) -> Input:
        data, suffix, _ = self.feed_bytes()
        return Input(f"{self.unique()}.{suffix}", data, "feed")

    def served_feed(self) -> str:
        data, _, media = self.feed_bytes()
        return self.serve(f"feed-{self.unique()}.xml", data, self.rng.choice([media, "text/xml", "text/html", None]))

    # -- OPML ------------------------------------------------------------------------------

    def opml(self) -> Input:
        rng = self.rng
        outlines = []
        for _ in range(rng.randint(0, 3)):
            url = self.served_feed() if rng.random() < 0.7 else rng.choice(ODD_URLS)
            outlines.append(f"<outline text=\"{attr(rng.choice(['Quay', *ODD_STRINGS]))}\" "
                            f"type=\"rss\" xmlUrl=\"{attr(url)}\"/>")
        if rng.random() < 0.2:
            outlines.append("<outline text='folder'>" * rng.choice([10, 300]) + "<outline xmlUrl='http://127.0.0.1:9/f'/>"
                            + "</outline>" * rng.choice([0, 10]))
        if rng.random() < 0.1:
            outlines.append("<outline xmlUrl=''/><outline/><outline xmlURL='http://127.0.0.1:9/x' title='case'/>")
        text = ('<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>Subs</title></head>'
                f"<body><outline text='News'>{''.join(outlines)}</outline></body></opml>")
        data = text.encode("utf-8", "surrogatepass")
        if rng.random() < 0.3:
            data = mutate(rng, data)
        return Input(f"{self.unique()}.opml", data, "opml")

    # -- URL inputs --------------------------------------------------------------------------

    def url(self) -> Input:
        rng = self.rng
        pick = rng.random()
        if pick < 0.5:
            address = self.served_page()
        elif pick < 0.8:
            address = self.served_feed()
        else:
            text = self.text_dump(self.unique()).encode("utf-8", "surrogatepass")
            address = self.serve(f"text-{self.unique()}.txt", mutate(rng, text) if rng.random() < 0.3 else text,
                                 rng.choice(["text/plain", "text/plain; charset=utf-16", None]))
        return Input(address, b"", "url", url=True)

    # -- web archives ------------------------------------------------------------------------

    def warc(self) -> Input:
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        rng = self.rng
        compressed = rng.random() < 0.5
        out = io.BytesIO()
        writer = WARCWriter(out, gzip=compressed)
        writer.write_record(writer.create_warcinfo_record("fuzz.warc", {"software": "fuzz_ingest"}))
        for _ in range(rng.randint(0, 5)):
            token = self.unique()
            uri = rng.choice([f"https://news.example/{token}", *ODD_URLS])
            pick = rng.random()
            if pick < 0.6:
                body, declared = self.encoded_page(token)
                content_type = rng.choice(["text/html", f"text/html; charset={declared}", "application/xhtml+xml",
                                           "text/plain", "image/jpeg", "TEXT/HTML;charset=\"utf-8\""])
                status = rng.choice(["200 OK"] * 6 + ["404 Not Found", "301 Moved", "200"])
                http_headers = [("Content-Type", content_type)]
                if rng.random() < 0.15:
                    body = gzip.compress(body)
                    http_headers.append(("Content-Encoding", "gzip"))
                    if rng.random() < 0.5:
                        body = body[: rng.randint(0, len(body))]
                if rng.random() < 0.15:
                    http_headers.append(("Transfer-Encoding", "chunked"))
                    body = f"{len(body):x}\r\n".encode() + body + rng.choice([b"\r\n0\r\n\r\n", b"\r\n", b""])
                if rng.random() < 0.15:
                    http_headers.append(("Content-Length", rng.choice([str(len(body) + 50), "x", "-3", "\u00b2",
                                                                       "\uff11\uff10", "1e3", " 7 "])))
                record = writer.create_warc_record(
                    uri, "response", payload=io.BytesIO(body),
                    http_headers=StatusAndHeaders(status, http_headers, protocol="HTTP/1.1"),
                    warc_headers_dict={"WARC-Date": rng.choice(ODD_DATES)} if rng.random() < 0.2 else None)
            elif pick < 0.85:
                text = self.text_dump(token).encode("utf-8", "surrogatepass")
                record = writer.create_warc_record(uri, "resource", payload=io.BytesIO(text),
                                                   warc_content_type=rng.choice(["text/plain", "text/html", ""]))
            else:
                try:
                    record = writer.create_warc_record(uri, rng.choice(["request", "metadata"]),
                                                       payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
                except Exception:  # warcio reads a request's payload by the URI's scheme
                    continue
            mark = out.tell()
            try:
                writer.write_record(record)
            except UnicodeError:  # a URI warcio cannot write (a lone surrogate)
                out.seek(mark)
                out.truncate()
        data = out.getvalue()
        pick = rng.random()
        if pick < 0.25:
            data = truncate(rng, data, b"")
        elif pick < 0.5:
            data = mutate(rng, data, data)
        elif pick < 0.55:
            data = gzip.compress(data)
        elif pick < 0.6:
            data = data + rng.choice([b"garbage after the records", b"\x1f\x8b\x08\x00", b"WARC/1.0\r\n"])
        return Input(f"{self.unique()}.{'warc.gz' if compressed else 'warc'}", data, "warc")

    def control_html(self) -> tuple[Input, str]:
        token = f"control{self.unique()}"
        paras = paragraphs(self.rng, token, 5)
        page = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Control page</title></head>"
                "<body><article><h1>Control page</h1>" + "".join(f"<p>{escape(p)}</p>" for p in paras)
                + "</article></body></html>")
        return Input(f"{self.unique()}-control.html", page.encode(), "control"), f"Report {token}."

    def control_jsonl(self) -> tuple[Input, str]:
        ident = f"control-{self.unique()}"
        rec = {"id": ident, "title": "Control record", "published": "2025-10-01",
               "text": "\n\n".join(paragraphs(self.rng, ident, 4))}
        return Input(f"{self.unique()}-control.jsonl", (json.dumps(rec) + "\n").encode(), "control", lines=1,
                     controls=[ident]), ident


KINDS: dict[str, Callable[[Maker], Input]] = {
    "jsonl": Maker.jsonl, "html": Maker.html, "text": Maker.text, "feed": Maker.feed, "opml": Maker.opml,
    "warc": Maker.warc, "url": Maker.url, "story": Maker.story,
}


def new_id() -> str:
    return uuid.uuid4().hex[:8]
