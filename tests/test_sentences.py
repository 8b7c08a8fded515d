"""One sentence splitter: storyline.nlp (spaCy's Sentencizer on plain text, the parse on a Doc)."""

from __future__ import annotations

import re
from pathlib import Path

from storyline.enrich.time.tense import direction_from_text
from storyline.nlp import sentence_spans

PACKAGE = Path(__file__).resolve().parents[1] / "storyline"


def split(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


def test_abbreviations_do_not_end_sentences() -> None:
    text = "Mr. Smith flew to the U.S. on Monday. Dr. Jones stayed in St. Louis. She left at 3 p.m. yesterday."
    assert split(text) == [
        "Mr. Smith flew to the U.S. on Monday.",
        "Dr. Jones stayed in St. Louis.",
        "She left at 3 p.m. yesterday.",
    ]


def test_quotes_stay_with_their_sentence() -> None:
    text = 'He said: “It was fine.” Then he left. “Why?” she asked. "Never," he replied.'
    assert split(text) == [
        "He said: “It was fine.”",
        "Then he left.",
        "“Why?” she asked.",
        '"Never," he replied.',
    ]


def test_paragraph_breaks_end_sentences_and_spans_are_offsets() -> None:
    text = "  A headline without a stop\n\nThe body starts here (see below). It goes on\nacross a line… The end.  "
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "A headline without a stop",
        "The body starts here (see below).",
        "It goes on\nacross a line…",
        "The end.",
    ]
    assert spans[0][0] == 2  # character offsets into the text, white space trimmed
    assert sentence_spans("") == [] and sentence_spans(" \n ") == []


def test_tense_reads_the_whole_sentence_across_abbreviations() -> None:
    text = "Ms. Jones will succeed Anne P. Smith on March 1. The board met in May."
    start = text.index("March 1")
    assert direction_from_text(text, start, start + len("March 1")) == 1
    start = text.index("May")
    assert direction_from_text(text, start, start + 3) == -1


# Sentence splitting by regular expression: a compiled pattern named for sentences.
_SPLITTER = re.compile(r"^\s*_?\w*SENT\w*\s*=\s*re\.compile", re.IGNORECASE | re.MULTILINE)


def test_no_other_sentence_splitter_in_the_package() -> None:
    """Only storyline/nlp.py splits sentences.  storyline/clean/ is apart: it judges the lines of
    a scraped page (does this line end like prose?) before there is an article body.  Its cut of a
    line at ". " before a capital is a grain for boilerplate, and the kept pieces are joined back
    with a space: cut by sentence_spans() instead (tried 2026-12-05, issue 12), 69 of 305 cleaned
    dumps changed (a space put into "Republicans.The", a headline with "Roe v. Wade" dropped as
    boilerplate) and cleaning took 7 times as long (0.54 s -> 3.9 s for the 305)."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "nlp.py" and "clean" not in path.relative_to(PACKAGE).parts
        and (_SPLITTER.search(path.read_text(encoding="utf-8")) or ".sents" in path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_runs_without_spaces_keep_their_offsets_and_split_no_sentence() -> None:
    """Thousands of brackets or one 2 MB word (as hostile inputs hold) are read as one word:
    the spans around them stay offsets into the text as given."""
    text = "The port reopened. " + "(" * 30000 + ")" * 30000 + " Ships came back. " + "w" * 2_100_000 + " Done."
    spans = sentence_spans(text)
    assert text[spans[0][0]:spans[0][1]] == "The port reopened."
    assert text[spans[-1][0]:spans[-1][1]].endswith("Done.")
    assert all(0 <= start < end <= len(text) for start, end in spans)


def test_the_starts_are_those_of_spacys_sentencizer_before_the_rules() -> None:
    """The splitter reads the tokens as arrays and applies the Sentencizer's rule itself: it must
    give the starts spaCy's own component gives, on text written to try its edges."""
    import spacy
    from spacy.attrs import IS_PUNCT, ORTH

    from storyline.nlp import SENTENCE_END_CHARS, _punct_starts, _sentence_ends

    nlp = spacy.blank("en")
    sentencizer = nlp.add_pipe("sentencizer")
    sentencizer.punct_chars = set(sentencizer.punct_chars) | set(SENTENCE_END_CHARS)
    texts = [
        "The mayor left. Then?! The council met… and voted. “Done.” (It was.) e.g. this one",
        "Wait... what?!? No!! 3.5 per cent. U.S. officials said so. ¿Qué? ¡Sí!",
        "!!! ... . ? a",
        "",
        "One sentence without an end",
        "Lines\n\nwith breaks. “Quoted!” she said.\n\n(Aside.) Done.",
    ]
    for text in texts:
        doc = nlp.make_doc(text)
        rows = doc.to_array([ORTH, IS_PUNCT])
        ours = _punct_starts(rows[:, 0].tolist(), (rows[:, 1] != 0).tolist(), _sentence_ends(doc.vocab.strings))
        assert ours == (sentencizer.predict([doc])[0] if len(doc) else []), text
