"""Quotes an editor would correct at a glance: a report inside the writer's own sentence, a
participle's doer, and one report running on into another's.  Every sentence here is written
for the test; each failed on the rules before them (2026-12-06)."""

from __future__ import annotations

from typing import Any

from storyline.article import Quote
from storyline.enrich.quotes import find_quotes
from storyline.nlp import load_nlp


def _quotes(text: str) -> list[Quote]:
    doc: Any = load_nlp()(text)
    return find_quotes(doc, [])


def test_quoted_words_in_a_clause_of_the_writers_sentence_report_that_clause_only() -> None:
    """Before: the whole sentence, "the governor signed the bill" included, was shown as the
    words of Ms Ortega (the name before the participle)."""
    text = ("Despite Ms Ortega\u2019s Green Party criticising the council for its "
            "\u201creckless gamble\u201d with the budget, the governor signed the bill on Friday.")
    quotes = _quotes(text)
    assert quotes, "the quoted words are the chamber's"
    assert all("governor" not in q.text for q in quotes)
    (quote,) = quotes
    assert "\u201creckless gamble\u201d" in quote.text
    assert quote.speaker_mention is not None and quote.speaker_mention.endswith("Green Party")


def test_a_participle_that_shares_the_sentences_subject_keeps_the_sentence() -> None:
    text = ("Describing the new bridge as vital for \u201cthe whole valley\u201d, the mayor said the work "
            "would start in May.")
    texts = [q.text for q in _quotes(text)]
    assert any("the work would start in May" in t for t in texts)
    assert any("\u201cthe whole valley\u201d" in t for t in texts)


def test_a_report_ends_where_someone_elses_report_begins() -> None:
    text = ("The minister has repeatedly said that taxes must fall, while one of her deputies said on "
            "Monday that the budget must not be \u201creckless\u201d in a downturn.")
    by_cue = {(q.speaker_mention, q.text) for q in _quotes(text)}
    assert ("The minister", "taxes must fall") in by_cue
    assert ("one of her deputies", "the budget must not be \u201creckless\u201d in a downturn") in by_cue
    text = "The mayor said the bridge would open in May and the governor said it would not."
    by_cue = {(q.speaker_mention, q.text) for q in _quotes(text)}
    assert by_cue == {("The mayor", "the bridge would open in May"), ("the governor", "it would not")}


def test_a_report_of_a_report_stays_whole() -> None:
    by_cue = {(q.speaker_mention, q.text) for q in _quotes("Ana said that Tom said the vote was close.")}
    assert ("Ana", "Tom said the vote was close") in by_cue
    assert ("Tom", "the vote was close") in by_cue


def test_a_fragments_reported_sentence_stops_before_a_quotation_of_its_own() -> None:
    """Before: "described the talks as 'very good' ..., adding: 'We agreed ...'" was listed twice,
    the second quotation inside the reported sentence as well as on its own."""
    text = ("The mayor also described the talks as \u201cvery good\u201d on her radio show, adding: "
            "\u201cWe agreed on the bridge, and the ferry will run again in May.\u201d")
    texts = sorted(q.text for q in _quotes(text))
    assert texts == ["The mayor also described the talks as \u201cvery good\u201d on her radio show",
                     "We agreed on the bridge, and the ferry will run again in May."]
    # quoted words that are the sentence's own go on being part of it
    text = ("Calling the vote vital for \u201cthe whole valley\u201d, the mayor said the council had taken a "
            "\u201chistoric step\u201d towards the new bridge.")
    assert any(q.text.endswith("\u201chistoric step\u201d towards the new bridge.") for q in _quotes(text))


def test_an_outlet_is_named_once_among_the_sources_of_an_entry() -> None:
    from storyline.web.site import make_templates

    macro = make_templates().env.from_string(
        '{% from "_macros.html" import evidence %}{{ evidence(items) }}')
    items = [{"article": a, "href": f"/articles/{a}", "publisher": p, "headline": f"Headline {a}"}
             for a, p in (("a", "The Ledger"), ("a", "The Ledger"), ("b", "The Ledger"), ("c", "Harbour News"))]
    html = macro.render(items=items)
    assert html.count(">The Ledger</a>") == 1 and ">2</a>" in html and html.count(">Harbour News</a>") == 1
    assert html.count('class="evidence"') == 3  # one link per article
