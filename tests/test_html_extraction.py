"""HTML article extraction: golden pages, body shape, metadata, and inputs that must not crash."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import socket
from pathlib import Path
from typing import Any

import pytest

from storyline.article import Extraction, Skip
from storyline.clean.html import HtmlOptions, extract_html, parse
from storyline.clean.html_body import FILTERS, clean_paragraphs
from storyline.clean.html_chunks import sibling_chunks
from storyline.clean.html_meta import split_authors

DATA = Path(__file__).resolve().parent / "data" / "html"
GOLDEN = sorted(p.stem for p in DATA.glob("*.html"))
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
FIELDS = ("body", "title", "authors", "published", "publisher", "language")

PARAGRAPHS = [
    "The regional water company said on Friday that it would invest in new pipes across the valley over the next five years.",
    "Engineers estimate that almost a fifth of the treated water is lost through leaks before it reaches homes and businesses.",
    "The company's chief executive said customers would not see higher bills because of the work, which is paid for by a government loan.",
    "Environmental groups welcomed the plan but said the company should also report its leaks every month so that progress can be checked.",
]


def page(body: str, head: str = "", lang: str = "en") -> str:
    return f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'


def article(paragraphs: list[str] = PARAGRAPHS, extra: str = "", head: str = "") -> str:
    inner = "".join(f"<p>{p}</p>" for p in paragraphs)
    return page(f"<article><h1>Water company to fix leaking pipes</h1>{inner}{extra}</article>", head)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


# --- golden pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_page(name: str, no_network: None) -> None:
    html = (DATA / f"{name}.html").read_text("utf-8")
    expected = json.loads((DATA / f"{name}.expected.json").read_text("utf-8"))
    found = extract_html(html, f"https://news.example.org/{name}")
    for field in FIELDS:
        assert getattr(found, field) == expected[field], field


def test_golden_files_come_in_pairs() -> None:
    assert len(GOLDEN) >= 3
    for name in GOLDEN:
        assert (DATA / f"{name}.expected.json").exists(), name


def test_extracted_by_names_the_tool_behind_each_field() -> None:
    found = extract_html((DATA / "harbour_bridge.html").read_text("utf-8"))
    assert found.extracted_by == {
        "body": "trafilatura",
        "title": "trafilatura",
        "authors": "trafilatura",
        "published": "htmldate",
        "publisher": "trafilatura",
        "language": "html-lang",
    }
    assert any(r.startswith("title: ") for r in found.removed)


def test_url_given_is_kept_when_the_page_has_none() -> None:
    found = extract_html(article(), "https://news.example.org/pipes")
    assert found.url == "https://news.example.org/pipes"
    assert found.extracted_by["url"] == "given"


# --- body shape -------------------------------------------------------------------------------


def _assert_clean_body(found: Extraction) -> None:
    body = found.body
    assert body == body.strip()
    assert not TAG.search(body)
    assert "\n\n\n" not in body
    paragraphs = body.split("\n\n")
    assert all(p and p == " ".join(p.split()) for p in paragraphs)
    assert len(paragraphs) == len(set(paragraphs))


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_bodies_are_clean(name: str) -> None:
    _assert_clean_body(extract_html((DATA / f"{name}.html").read_text("utf-8")))


def test_paragraphs_are_separated_by_one_blank_line() -> None:
    found = extract_html(article())
    assert found.body.split("\n\n") == PARAGRAPHS


def test_markup_and_entities_inside_paragraphs_become_text() -> None:
    text = [
        *PARAGRAPHS[:3],
        "Prices rose by 5&nbsp;% &amp; more, <b>the</b>   report\n said, <i>citing</i> the <a href='/x'>survey</a>.",
    ]
    found = extract_html(article(text))
    assert found.body.split("\n\n")[-1] == "Prices rose by 5 % & more, the report said, citing the survey."
    _assert_clean_body(found)


def test_duplicated_paragraphs_are_kept_once() -> None:
    found = extract_html(article(PARAGRAPHS + PARAGRAPHS[1:2]))
    assert found.body.split("\n\n") == PARAGRAPHS


def test_interface_text_is_removed() -> None:
    extra = (
        "<p>Sign up for our daily newsletter to get the top stories in your inbox.</p>"
        "<p>Read more</p><p>Copyright 2024 Valley News Ltd. All rights reserved.</p>"
        "<p>https://news.example.org/pipes</p>"
    )
    found = extract_html(article(extra=extra), "https://news.example.org/pipes")
    assert found.body.split("\n\n") == PARAGRAPHS
    assert any("newsletter" in r for r in found.removed)


def test_link_elsewhere_is_kept_as_content() -> None:
    extra = "<p>https://data.example.com/leaks-2024.csv</p>"
    found = extract_html(article(extra=extra), "https://news.example.org/pipes")
    assert found.body.endswith("https://data.example.com/leaks-2024.csv")


def test_menu_runs_are_removed_but_short_runs_stay() -> None:
    menu = [f"Section {name}" for name in "abcdefghij"]
    body = clean_paragraphs("\n".join(PARAGRAPHS[:2] + menu + PARAGRAPHS[2:]))
    assert body.paragraphs == PARAGRAPHS
    steps = ["Step one", "Step two", "Step three"]
    body = clean_paragraphs("\n".join(PARAGRAPHS[:2] + steps + PARAGRAPHS[2:]))
    assert body.paragraphs == PARAGRAPHS[:2] + steps + PARAGRAPHS[2:]


def test_filters_can_be_switched_off() -> None:
    text = "\n".join(PARAGRAPHS + PARAGRAPHS[:1])
    assert clean_paragraphs(text).paragraphs == PARAGRAPHS
    assert clean_paragraphs(text, disabled=frozenset(FILTERS)).paragraphs == PARAGRAPHS + PARAGRAPHS[:1]
    found = extract_html(article(), options=HtmlOptions(disabled_filters=frozenset({"title"})))
    assert found.body.split("\n\n")[-len(PARAGRAPHS) :] == PARAGRAPHS


# --- dates ------------------------------------------------------------------------------------


def test_page_without_a_date_has_no_date() -> None:
    footer = "<footer><p>© 2019 Valley News Ltd</p></footer>"
    found = extract_html(article(extra=footer), "https://news.example.org/pipes")
    assert found.published is None
    assert "published" not in found.extracted_by


def test_today_is_never_a_fallback() -> None:
    found = extract_html(article())
    assert found.published != dt.date.today().isoformat()
    assert found.published is None


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="article:published_time" content="2020-02-29T23:10:00Z">', "2020-02-29"),
        ('<meta name="date" content="2018-07-01">', "2018-07-01"),
        ('<meta property="article:published_time" content="2999-01-01T00:00:00Z">', None),
    ],
)
def test_date_from_markup(head: str, expected: str | None) -> None:
    assert extract_html(article(head=head)).published == expected


def test_date_from_url() -> None:
    found = extract_html(article(), "https://news.example.org/2017/05/09/pipes")
    assert found.published == "2017-05-09"


# --- authors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("By Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
        ("Jane Doe, John Smith & Ana Ruiz", ["Jane Doe", "John Smith", "Ana Ruiz"]),
        ("Jane Doe; John Smith", ["Jane Doe", "John Smith"]),
        ("BY JANE DOE | Staff Writer", ["JANE DOE"]),
        ("Jane Doe, Senior Political Correspondent", ["Jane Doe"]),
        ("Jane Doe (jane.doe@example.com) @janedoe", ["Jane Doe"]),
        ("Martin Luther King Jr.", ["Martin Luther King Jr."]),
        ("John Smith, Jr. and Jane Doe", ["John Smith Jr.", "Jane Doe"]),
        ("Jane Doe and Jane Doe", ["Jane Doe"]),
        ("Reuters", []),
        ("", []),
        (None, []),
    ],
)
def test_split_authors(raw: str | None, names: list[str]) -> None:
    assert split_authors(raw) == names


def test_authors_from_json_ld_list() -> None:
    found = extract_html((DATA / "wahl_de.html").read_text("utf-8"))
    assert found.authors == ["Anna Müller", "Peter Schulz"]


# --- inputs that are not articles -------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n\t ",
        "just some words without any markup at all",
        "<html></html>",
        "<html><head><title>Nothing</title></head><body></body></html>",
        "<<<>>></div></p><html<body",
        "<!DOCTYPE html><html><body><script>var x = 1;</script><style>p {}</style></body></html>",
        page('<nav><a href="/a">Home</a> <a href="/b">News</a> <a href="/c">Sport</a></nav>'),
        "https://news.example.org/some-article",
    ],
)
def test_pages_without_article_text_are_skipped(html: str, no_network: None) -> None:
    with pytest.raises(Skip) as info:
        extract_html(html)
    assert str(info.value)


def test_skip_reason_for_a_page_without_text() -> None:
    with pytest.raises(Skip, match="no article text found in HTML"):
        extract_html(page("<div><p>Hi.</p></div>"))


@pytest.mark.parametrize("seed", range(5))
def test_binary_garbage_does_not_crash(seed: int) -> None:
    rng = random.Random(seed)
    garbage = rng.randbytes(20_000).decode("latin-1")
    try:
        found = extract_html(garbage)
    except Skip:
        return
    _assert_clean_body(found)


def test_control_characters_and_lone_surrogates_do_not_crash() -> None:
    text = [p.replace(" ", " \x00\x07", 2) + "\ud800" for p in PARAGRAPHS]
    found = extract_html(article(text))
    assert "\x00" not in found.body and "\ud800" not in found.body
    assert found.body.split("\n\n")[0] == PARAGRAPHS[0]


def test_broken_html_still_gives_its_text() -> None:
    broken = "<html><body><div><p>" + "<p>".join(PARAGRAPHS) + "<div><span><b>unclosed"
    found = extract_html(broken)
    assert found.body.split("\n\n")[:4] == PARAGRAPHS


def test_fragment_without_document_tags() -> None:
    fragment = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    assert extract_html(fragment).body.split("\n\n") == PARAGRAPHS


def test_bytes_are_decoded() -> None:
    found = extract_html(article().encode("utf-8"))  # type: ignore[arg-type]
    assert found.body.split("\n\n") == PARAGRAPHS


def test_oversized_input_is_skipped() -> None:
    with pytest.raises(Skip, match="too large"):
        extract_html(article(), options=HtmlOptions(max_chars=100))


def test_extraction_never_opens_a_connection(no_network: None) -> None:
    html = article(
        extra='<img src="https://cdn.example.com/a.jpg"><iframe src="https://video.example.com/x"></iframe>'
    )
    found = extract_html(html, "https://news.example.org/pipes")
    assert found.body.split("\n\n") == PARAGRAPHS


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Sarah E Needleman", ["Sarah E Needleman"]),
        ("Bruce Y Lee", ["Bruce Y Lee"]),
        ("Ana Costa e João Silva", ["Ana Costa", "João Silva"]),
        ("María López y José Pérez", ["María López", "José Pérez"]),
        ("JANE DOE AND JOHN SMITH", ["JANE DOE", "JOHN SMITH"]),
    ],
)
def test_split_authors_conjunctions_and_initials(raw: str, names: list[str]) -> None:
    assert split_authors(raw) == names


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        ("Copyright 2014", None),
        ("https://www.valleynews.example/", "valleynews.example"),
        ("Valley News", "Valley News"),
    ],
)
def test_publisher_from_site_name(site: str, expected: str | None) -> None:
    head = f'<meta property="og:site_name" content="{site}">'
    assert extract_html(article(head=head)).publisher == expected


@pytest.mark.parametrize(
    "line",
    [
        "Read more: Water company fined over river pollution",
        "Related: How the valley's reservoirs were built",
        "Leak found under the high street [VIDEO]",
        "DON'T MISS",
        "Published 18 November 2019",
        "Updated at 1:23 p.m.",
        "CLICK HERE TO GET THE VALLEY NEWS APP",
        "If you buy something through this post, we may get a share of the sale.",
        "Subscribe to our YouTube channel for the latest videos.",
    ],
)
def test_teasers_stamps_and_prompts_are_removed(line: str) -> None:
    text = "\n".join([*PARAGRAPHS[:2], line, *PARAGRAPHS[2:]])
    assert clean_paragraphs(text).paragraphs == PARAGRAPHS


@pytest.mark.parametrize(
    "line",
    [
        "Related reading on the subject is scarce, the report's authors said.",
        "Published figures show that the company lost 19 billion litres last year, up from 17 billion.",
        "Click here to get more information or download the full report.",
    ],
)
def test_sentences_that_look_like_prompts_stay(line: str) -> None:
    text = "\n".join([*PARAGRAPHS[:2], line, *PARAGRAPHS[2:]])
    assert line in clean_paragraphs(text).paragraphs


def test_xhtml_with_an_encoding_declaration() -> None:
    xhtml = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr" lang="fr"><head><title>Eau</title></head>'
        "<body><article>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>"
    )
    found = extract_html(xhtml)
    assert found.body.split("\n\n") == PARAGRAPHS
    assert found.language == "fr"


def test_same_class_sibling_blocks_are_found() -> None:
    blocks = (
        '<div class="story-body">' + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:2]) + "</div>"
        '<div class="ad-slot"><p>Advertisement</p></div>'
        '<div class="teaser">' + "".join(f"<p>{p} Read on.</p>" for p in PARAGRAPHS) + "</div>"
        '<div class="story-body">' + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[2:]) + "</div>"
        '<div class="story-body"><p>Share</p><p>Print</p></div>'
    )
    tree = parse(page(f"<main>{blocks}</main>"))
    assert sibling_chunks(tree, PARAGRAPHS[:2]) == ([], PARAGRAPHS[2:])
    assert sibling_chunks(tree, PARAGRAPHS[2:]) == (PARAGRAPHS[:2], [])
    assert sibling_chunks(tree, ["Not in the page at all, so no block holds it."]) == ([], [])


def test_embedded_tweet_is_kept_as_a_quote() -> None:
    tweet = (
        '<div class="social-embed"><blockquote class="twitter-tweet"><p lang="en">'
        "The new pipes under Mill Lane are finally in, and the water pressure is back to normal."
        '</p>— Valley Water (@valleywater) <a href="https://twitter.com/valleywater/status/1">May 2, 2024</a>'
        '</blockquote><script async src="https://platform.twitter.com/widgets.js"></script></div>'
    )
    found = extract_html(article(extra=tweet))
    assert "The new pipes under Mill Lane are finally in" in found.body
    without = extract_html(article(extra=tweet), options=HtmlOptions(embedded_posts=False))
    assert "The new pipes under Mill Lane are finally in" not in without.body


def test_a_given_date_that_is_no_date_gives_way_to_the_pages_own() -> None:
    from storyline.article import RawDocument
    from storyline.clean import clean

    head = '<meta property="article:published_time" content="2026-03-03T09:00:00Z">'
    html = article(head=head)
    unreadable = clean(RawDocument("feed#1", "html", html=html, given={"published": "yesterday"}))
    assert unreadable.published == "2026-03-03"
    assert unreadable.extracted_by["published"] != "given"
    readable = clean(RawDocument("feed#2", "html", html=html, given={"published": "2026-03-01"}))
    assert (readable.published, readable.extracted_by["published"]) == ("2026-03-01", "given")
    nothing = clean(RawDocument("feed#3", "html", html=article(), given={"published": "soon"}))
    assert nothing.published is None and "published" not in nothing.extracted_by
