"""Quotes (issue 12, precision at the same recall): nested quotations in the other kind of marks,
block quotations of another text, quotes nobody is found to have said, and the speaker of a
participle of saying.  Every sentence here is written for the test."""

from __future__ import annotations

from typing import Any

from storyline.article import Quote
from storyline.enrich.quotes import find_quotes
from storyline.enrich.quotes.marks import find_quoted
from storyline.nlp import load_nlp


def _quotes(text: str) -> list[Quote]:
    doc: Any = load_nlp()(text)
    return find_quotes(doc, [])


def _quoted(text: str) -> list[str]:
    return [text[p.start : p.end] for p in find_quoted(text)]


def test_a_quotation_nested_in_the_other_kind_of_marks_keeps_the_outer_one() -> None:
    text = ('"It is a fair question, and I will read it to you: \u201cDo you think he is fit to serve?\u201d '
            'Most of them said no."')
    assert _quoted(text) == [text[1:-1]]
    text = '\u201cHe told me "go home" and walked off,\u201d she said.'
    assert _quoted(text) == ['He told me "go home" and walked off,']


def test_marks_of_one_kind_do_not_nest() -> None:
    # a new opening mark of the same kind: the first one was never closed
    text = "\u201cThe first one. \u201cThe second one,\u201d she said."
    assert _quoted(text) == ["The second one,"]
    # an inner quotation with no outer closing mark after it is a quotation of its own
    text = '"Ana walked onto the stage, chanting \u201cOne more year!\u201d'
    assert _quoted(text) == ["One more year!"]


def test_a_block_quotation_marked_at_its_start_only_is_no_quote() -> None:
    text = ("The paper wrote about her at length.\n"
            '"Ana thought the whole thing was unfair. She was tired, sure. But not angry.\n'
            "\u201cIt never crossed my mind,\u201d she said later. \u201cNot once.\u201d\n"
            "\u201cWe will see,\u201d said Tom Reyes.")
    assert _quoted(text) == ["It never crossed my mind,", "Not once.", "We will see,"]
    # in the article's own kind of marks an unclosed paragraph is a quote running on
    text = text.replace('"Ana', "\u201cAna")
    assert _quoted(text)[0].startswith("Ana thought")


def test_the_person_a_participle_of_saying_shows_is_the_speaker() -> None:
    quotes = _quotes("The new video shows footage of Maria Lopez asking, \u201cWhy am I not ahead by ten points?\u201d")
    assert [(q.text, q.speaker_mention) for q in quotes] == [("Why am I not ahead by ten points?", "Maria Lopez")]
    # a speaker as the subject keeps the participle, with or without the comma
    for text in ("Senator Tom Reyes thanked Maria Lopez, saying, \u201cShe did the work.\u201d",
                 "Senator Tom Reyes thanked Maria Lopez saying \u201cShe did the work.\u201d"):
        assert all(q.speaker_mention == "Senator Tom Reyes" for q in _quotes(text))


def test_a_quote_running_on_from_the_writer_s_words_and_a_comma_is_reported_speech() -> None:
    quotes = _quotes("He spoke at length. With hundreds of polling stations, \u201cthere is no way to check "
                     "them all,\u201d he said.")
    assert [(q.indirect, q.speaker_mention) for q in quotes] == [(True, "he")]
    assert quotes[0].text.startswith("With hundreds of polling stations")
    quotes = _quotes('The mayor agreed that there are still "some voters" who feel that way, "but not the '
                     'great majority."')
    assert quotes and all(q.indirect for q in quotes)


def test_a_quote_after_a_verb_of_saying_and_a_comma_stays_a_quote() -> None:
    quotes = _quotes("\u201cI think,\u201d he said, \u201cthere is no way to check them all.\u201d")
    assert [(q.text, q.indirect) for q in quotes] == [("I think,", False),
                                                      ("there is no way to check them all.", False)]
    quotes = _quotes("He said, \u201cthere is no way to check them all.\u201d")
    assert [(q.text, q.indirect) for q in quotes] == [("there is no way to check them all.", False)]
    quotes = _quotes('He praised the plan, explaining, "because it is cheap and it works."')
    assert [q.indirect for q in quotes if "cheap" in q.text] == [False]


def test_a_quote_in_apposition_to_a_work_is_its_title() -> None:
    text = "Ana Ruiz's commentary, \"Let the river run free,\" is very thoughtful. I agree with her."
    assert _quotes(text) == []
    # after a preposition the work frames a quote
    quotes = _quotes('In her column, "We must act now," Ana Ruiz wrote.')
    assert [(q.text, q.speaker_mention) for q in quotes if not q.indirect] == [("We must act now,", "Ana Ruiz")]


def test_a_quote_signed_after_a_dash_on_its_line_is_the_signer_s() -> None:
    text = ("\u201cThe bus runs late every day. Nobody fixes the timetable.\u201d\u00a0\u2015 Ana Ruiz\n"
            "\u201cThe council ignored the river for years. Now the cellars flood. Who pays?\u201d "
            "\u2015 Lena Ortiz.")
    quotes = _quotes(text)
    assert [q.speaker_mention for q in quotes] == ["Ana Ruiz", "Lena Ortiz"]
    assert all(q.cue is None for q in quotes)


def test_a_quote_running_on_past_the_end_of_a_reported_clause_is_shown_in_it() -> None:
    text = ("She added that most of the young voters in Ohio seem more against the mayor than for his rival, "
            "which is a problem because, \u201cIn the end, people want a reason to turn out. Fear alone is "
            "not enough.\u201d")
    quotes = _quotes(text)
    assert [(q.indirect, q.speaker_mention) for q in quotes] == [(True, "She")]
    assert quotes[0].text.endswith("Fear alone is not enough.\u201d")
    # a quote that is most of the clause stays a quote
    quotes = _quotes("He said that, \u201cWe will fight. We will win.\u201d")
    assert [(q.text, q.indirect) for q in quotes] == [("We will fight. We will win.", False)]


def test_the_writer_s_words_before_a_quote_are_reported_with_it_when_they_weigh() -> None:
    quotes = _quotes('The bill is up for a vote. If the bill passes, "The night buses will run again and our '
                     'shift workers can get home at last," Ana Ruiz said.')
    assert [(q.indirect, q.speaker_mention) for q in quotes] == [(True, "Ana Ruiz")]
    assert quotes[0].text.startswith("If the bill passes")
    # a verb of saying or a word for what was said before the comma introduces the quote
    for text in ('A smiling Tom Reyes quipped, "It is like a ferry that sails without its captain."',
                 'In the mayor\'s words, "Nobody builds a harbour for one boat and then walks away."'):
        assert [q.indirect for q in _quotes(text) if "its captain" in q.text or "harbour" in q.text] == [False]
    # a short lead weighs little: the quote stays a quote
    quotes = _quotes('On Monday, "We will open the bridge again before the winter comes," the mayor said.')
    assert [(q.indirect, q.speaker_mention) for q in quotes if "bridge" in q.text] == [(False, "the mayor")]


def test_a_quote_that_opens_a_paragraph_is_no_run_on_of_the_line_before() -> None:
    for gap in (" ", ""):  # a signature after the dash, with or without a space before it
        text = ("The council posted two comments on its page.\n\n"
                f"\u201cThe bridge will open in May.\u201d{gap}\u2015 Ana Ruiz\n\n"
                "\u201cWe waited ten years for it,\u201d said Tom Hale, a ferry captain.")
        quotes = _quotes(text)
        assert [(q.text, q.indirect, q.speaker_mention) for q in quotes] == [
            ("The bridge will open in May.", False, "Ana Ruiz"),
            ("We waited ten years for it,", False, "Tom Hale")], gap


def test_a_quote_that_ends_a_that_clause_is_shown_in_the_clause() -> None:
    quotes = _quotes("The mayor told reporters on Monday that once the new budget is signed, \u201cthe night "
                     "buses will run again.\u201d")
    assert [(q.indirect, q.speaker_mention) for q in quotes] == [(True, "The mayor")]
    assert quotes[0].text.startswith("once the new budget is signed")
    # an upper-case quote after the writer's words of the clause is part of it too
    quotes = _quotes('Ana Ruiz said that in her own street, "Nobody has seen an inspector for a year."')
    assert [(q.indirect, q.speaker_mention) for q in quotes] == [(True, "Ana Ruiz")]
    assert quotes[0].text.startswith("in her own street")
    # a verb of saying right before the comma introduces the quote: it stays a quote
    quotes = _quotes('Ana Ruiz said that the street was quiet, but then she added, "Nobody has seen an '
                     'inspector for a year."')
    assert [(q.text, q.indirect) for q in quotes if "inspector" in q.text] == [
        ("Nobody has seen an inspector for a year.", False)]


def test_single_marks_in_an_article_that_quotes_in_double_marks_are_no_quote() -> None:
    text = ("Mayor Ruiz: \u2018We Will Rebuild the Bridge\u2019\n\n"
            "The mayor spoke on Monday. \u201cWe will rebuild it,\u201d she said. \u201cIt will take two "
            "years and every crew we have.\u201d")
    quotes = _quotes(text)
    assert [q.text for q in quotes] == ["We will rebuild it,", "It will take two years and every crew we have."]
    # an article that quotes in single marks (British style) keeps them
    text = ("The mayor spoke on Monday. \u2018We will rebuild it,\u2019 she said. \u2018It will take two "
            "years and every crew we have.\u2019")
    assert [q.text for q in _quotes(text)] == ["We will rebuild it,", "It will take two years and every crew we have."]
