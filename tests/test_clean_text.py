"""Cleaning plain-text dumps: golden files in tests/data/text and the parts behind them.

Each ``<name>.txt`` has its expected body beside it as ``<name>.expected.txt``.  The
``harbour-*`` articles are three articles of one made-up publisher that wraps every
article in the same appeal and footer, in different layouts; no pattern matches that
appeal, so only the learned model can remove it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from storyline.article import Skip
from storyline.clean.boilerplate import BoilerplateModel
from storyline.clean.publishers import normalise_publisher
from storyline.clean.text import clean_text, source_key
from storyline.clean.text_header import authors_in
from storyline.clean.text_lines import caption_at_end, prepare

DATA = Path(__file__).resolve().parent / "data" / "text"
CASES = sorted(p.stem for p in DATA.glob("*.txt") if not p.name.endswith(".expected.txt"))
HARBOUR = [name for name in CASES if name.startswith("harbour-")]
APPEAL_START = "The Harbour Courier has covered Saltmouth"
FOOTER = "The Harbour Courier is printed on the quay"


def _read(name: str) -> str:
    return (DATA / f"{name}.txt").read_text(encoding="utf-8")


def _expected(name: str) -> str:
    return (DATA / f"{name}.expected.txt").read_text(encoding="utf-8").strip()


def _trained(names: list[str], collection: str = "harbour") -> BoilerplateModel:
    model = BoilerplateModel()
    for name in names:
        text = _read(name)
        model.observe(source_key(text, collection), text)
    return model


@pytest.fixture(scope="module")
def harbour_model() -> BoilerplateModel:
    return _trained(HARBOUR)


def test_fixtures_are_present() -> None:
    assert len(HARBOUR) == 3
    assert {"newsdeck", "captions", "appeal-dated", "plain-article"} <= set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_golden_body_with_model(name: str, harbour_model: BoilerplateModel) -> None:
    text = _read(name)
    found = clean_text(text, harbour_model, source_key(text, "harbour"))
    assert found.body == _expected(name)


@pytest.mark.parametrize("name", [name for name in CASES if name not in HARBOUR])
def test_golden_body_without_model(name: str) -> None:
    """Appeals, chrome and captions recognisable by shape go on a first sighting."""
    text = _read(name)
    assert clean_text(text).body == _expected(name)


@pytest.mark.parametrize("name", HARBOUR)
def test_unlisted_appeal_stays_without_evidence_and_goes_once_learned(
    name: str, harbour_model: BoilerplateModel
) -> None:
    text = _read(name)
    alone = clean_text(text)
    assert APPEAL_START in alone.body and FOOTER in alone.body
    learned = clean_text(text, harbour_model, source_key(text, "harbour"))
    assert APPEAL_START not in learned.body and FOOTER not in learned.body
    assert any(APPEAL_START in piece for piece in learned.removed)
    assert learned.publisher == "The Harbour Courier"
    assert learned.extracted_by["publisher"] == "appeal"


def test_one_article_is_not_evidence(harbour_model: BoilerplateModel) -> None:
    model = _trained(HARBOUR[:1])
    assert model.documents("collection:harbour") == 1
    text = _read(HARBOUR[0])
    assert APPEAL_START in clean_text(text, model, "collection:harbour").body


def test_quote_and_sentence_repeated_mid_body_stay(harbour_model: BoilerplateModel) -> None:
    quote = "“We will not let the harbour silt up again,” said harbourmaster Ines Dorrow."
    background = "The harbour was last dredged in 2019, when the work took eleven weeks."
    for name in HARBOUR[:2]:
        text = _read(name)
        assert text.count(quote) == 1 and text.count(background) == 1
        body = clean_text(text, harbour_model, source_key(text, "harbour")).body
        assert quote in body.split("\n\n")
        assert background in body.split("\n\n")


def test_aggregator_header_metadata() -> None:
    found = clean_text(_read("newsdeck"))
    assert found.publisher == "The Daily Lantern"
    assert found.authors == ["Priya Raman", "Oskar Lind", "Jean-Luc de Souza"]
    assert found.title == "Tram line to the airport opens two years late"
    assert found.via == "Newsdeck"
    assert found.published is None
    assert found.extracted_by == {
        "body": "text-dump",
        "publisher": "chrome",
        "title": "chrome",
        "authors": "chrome",
        "via": "chrome",
    }
    assert "Workers check the overhead wires at Northgate depot (Lantern/Photo: Kai Moss)" in found.removed
    assert "Start your free trial" in found.removed


def test_dated_appeal_metadata() -> None:
    found = clean_text(_read("appeal-dated"))
    assert found.published == "2023-11-14"
    assert found.extracted_by["published"] == "text-header"
    assert found.publisher == "The Valley Ledger"
    assert found.title is None
    assert any(piece.startswith("Support our newsroom.") for piece in found.removed)


def test_no_date_in_text_means_none() -> None:
    assert clean_text(_read("captions")).published is None


def test_captions_removed_and_parentheses_in_prose_kept() -> None:
    found = clean_text(_read("captions"))
    assert "A rescue boat on the high street(Reuters)" in found.removed
    assert "Volunteers fill sandbags at the fire station(Tom Hale/PA)" in found.removed
    assert "open photo in gallery" in found.removed
    assert "(pictured)" in found.body and "(its highest level)" in found.body
    assert found.body.endswith("the agency said (PA).")


@pytest.mark.parametrize(
    ("line", "is_caption"),
    [
        ("Starmer with Ukrainian President Volodymyr Zelensky at 10 Downing Street(Jeff Moore/PA)", True),
        ("Seven European leaders joined Zelensky (AFP/Getty)", True),
        ("Sir Keir Starmer said ‘we’ve made real progress today’ (Reuters)", True),
        ("Trump is set to meet Putin on Friday(AP)", True),
        ("Mr Zelensky said on X (formerly Twitter) that he was grateful.", False),
        ("The minister said the talks went well (PA).", False),
        ("progress on (a) trilateral meeting of some sort", False),
        ("He thanked the Democratic party (and its donors)", False),
    ],
)
def test_caption_shape(line: str, is_caption: bool) -> None:
    assert (caption_at_end(line) is not None) is is_caption


def test_whitespace_and_paragraphs_normalised() -> None:
    text = "Headline about the river\r\n\r\n\r\nThe  river\u00a0rose   by two metres overnight, the agency said.  \r\n\r\n\r\n\r\nIt will peak on Friday, forecasters said.\t\n"
    found = clean_text(text)
    assert found.body == (
        "The river rose by two metres overnight, the agency said.\n\nIt will peak on Friday, forecasters said."
    )
    assert found.title == "Headline about the river"
    assert found.extracted_by["title"] == "headline"


def test_hard_wrapped_paragraphs_are_joined() -> None:
    paragraph = (
        "The council agreed on Monday to close the swimming pool for repairs over the winter, "
        "after engineers found cracks in the roof beams and warned that the building could "
        "not safely stay open while the work was done."
    )
    wrapped = []
    for _ in range(3):
        line, lines = "", []
        for word in paragraph.split():
            if len(line) + len(word) + 1 > 60:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
        wrapped.append("\n".join(lines))
    prepared = prepare("\n\n".join(wrapped))
    assert prepared.lines == [paragraph] * 3


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n  ",
        "Get all your news in one place.\nStart reading\nSign up to read this article\nAlready a member? Sign in here\nDownload the app",
        "open image in gallery\nA boat in the harbour (Reuters)",
    ],
)
def test_text_without_an_article_is_skipped(text: str) -> None:
    with pytest.raises(Skip):
        clean_text(text)


# --- the model ---------------------------------------------------------------------------------


_VOCABULARY = [
    "harbour",
    "council",
    "ferry",
    "market",
    "tide",
    "quay",
    "lifeboat",
    "storm",
    "pier",
    "fisher",
    "boat",
    "road",
    "school",
    "bridge",
    "mayor",
    "budget",
    "river",
    "field",
    "church",
    "station",
    "bus",
    "train",
    "tram",
    "farm",
    "mill",
    "library",
    "hall",
    "court",
    "police",
    "crew",
    "coast",
]


def _article(topic: str, sentences: int) -> str:
    """A made-up article whose sentences differ from any other topic's."""
    rng = random.Random(topic)
    return "\n\n".join(
        " ".join(rng.choice(_VOCABULARY) for _ in range(12)).capitalize() + f" said {topic}."
        for _ in range(sentences)
    )


def test_near_duplicates_are_not_independent_evidence() -> None:
    """The same article direct and via an aggregator must not make its body 'boilerplate'."""
    body = clean_text(_read("harbour-2"), _trained(HARBOUR), "collection:harbour").body
    direct = body
    via = (
        "Newsdeck\nStart your free trial\nThe Harbour Courier\nThe Harbour Courier\nMara Quint\n\n"
        "Two rescues in fog off Gull Point\n\n" + body + "\n\nContinue reading with Newsdeck\nGet the app\n"
    )
    model = BoilerplateModel()
    for text in (direct, via):
        model.observe("collection:harbour", text)
    assert model.documents("collection:harbour") == 1
    assert model.covered("collection:harbour", prepare(direct).text) == []
    assert clean_text(direct, model, "collection:harbour").body == body
    assert clean_text(via, model, "collection:harbour").body == body


def test_distinct_articles_sharing_only_boilerplate_all_count() -> None:
    appeal = "Every week our crew of eleven walks the docks so that nothing happens here unseen."
    model = BoilerplateModel()
    for topic in ("ferry", "market", "lifeboat", "regatta"):
        model.observe("k", appeal + "\n\n" + _article(topic, 12))
    assert model.documents("k") == 4


def test_only_edge_regions_are_learned() -> None:
    middle = "A long sentence that two articles repeat word for word in the middle of their text."
    model = BoilerplateModel(edge_words=40)
    texts = [
        f"{_article(topic, 8)}\n\n{middle}\n\n{_article(topic + 's', 8)}" for topic in ("ferry", "market")
    ]
    for text in texts:
        model.observe("k", text)
    prepared = prepare(texts[0]).text
    assert middle in prepared
    start = prepared.index(middle)
    assert all(end <= start or s >= start + len(middle) for s, end in model.covered("k", prepared))


SHARED_LEAD = "Rescuers pulled four fishermen from the water off Gull Point early on Sunday morning."
APPEAL = "Every week our crew of eleven walks the docks so that nothing happens here unseen."


def _story_folder(count: int, with_appeal: bool) -> list[str]:
    """``count`` articles of one source; the first two open with the same wire lead."""
    texts = []
    for i in range(count):
        lead = [SHARED_LEAD] if i < 2 else []
        head = [APPEAL] if with_appeal else []
        texts.append("\n\n".join([*head, *lead, _article(f"story{i}", 10)]))
    return texts


def test_lead_shared_by_a_few_articles_stays_after_the_learned_appeal() -> None:
    texts = _story_folder(6, with_appeal=True)
    model = BoilerplateModel()
    for text in texts:
        model.observe("k", text)
    assert model.documents("k") == 6
    found = clean_text(texts[0], model, "k")
    assert APPEAL in found.removed
    assert found.body.startswith(SHARED_LEAD)


def test_lead_shared_by_a_small_share_of_a_source_is_not_learned() -> None:
    texts = _story_folder(12, with_appeal=False)
    model = BoilerplateModel()
    for text in texts:
        model.observe("k", text)
    assert model.covered("k", prepare(texts[0]).text) == []
    assert clean_text(texts[0], model, "k").body.startswith(SHARED_LEAD)


def test_state_round_trips_through_json(harbour_model: BoilerplateModel) -> None:
    state = json.loads(json.dumps(harbour_model.to_state()))
    restored = BoilerplateModel.from_state(state)
    assert restored.documents("collection:harbour") == 3
    for name in HARBOUR:
        text = _read(name)
        key = source_key(text, "harbour")
        assert restored.covered(key, prepare(text).text) == harbour_model.covered(key, prepare(text).text)
        assert clean_text(text, restored, key) == clean_text(text, harbour_model, key)


def test_unknown_state_version_starts_afresh() -> None:
    assert BoilerplateModel.from_state({"version": -1, "sources": {"k": {}}}).keys() == []


def test_memory_is_bounded() -> None:
    model = BoilerplateModel(max_shingles=300, max_sketches=5)
    for i in range(30):
        model.observe("k", _article(f"topic{i}", 20))
    source = model.to_state()["sources"]["k"]
    assert model.documents("k") == 30
    assert len(source["shingles"]) <= 300
    assert len(source["sketches"]) == 5


# --- keys, names, publishers -------------------------------------------------------------------


def test_source_key() -> None:
    assert source_key(_read("newsdeck"), "inbox") == "publisher:The Daily Lantern"
    assert source_key(_read("harbour-1"), "harbour") == "collection:harbour"
    assert source_key(_read("harbour-1"), None) == "unknown"
    assert source_key("", "inbox") == "collection:inbox"


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Tom Watling and Archie Mitchell", ["Tom Watling", "Archie Mitchell"]),
        ("By Jane Doe", ["Jane Doe"]),
        ("Ana Ruiz, Li Wei & Ursula von der Leyen", ["Ana Ruiz", "Li Wei", "Ursula von der Leyen"]),
        ("The Independent UK", []),
        ("Start Reading", []),
        ("Starmer hails real progress on Ukraine", []),
    ],
)
def test_authors_in(line: str, names: list[str]) -> None:
    assert authors_in(line) == names


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("The Independent UK", "The Independent"),
        ("Guardian US", "The Guardian"),
        ("The Harbour Courier Online", "The Harbour Courier"),
        ("UK", "UK"),
    ],
)
def test_normalise_publisher(name: str, canonical: str) -> None:
    assert normalise_publisher(name) == canonical
