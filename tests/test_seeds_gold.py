"""The five seed dumps against gold (two documents) and a reading of the other three.

Each seed is cleaned twice: on its own (shape and patterns only) and with a
:class:`BoilerplateModel` that has observed all five.  Besides the gold fields, the body
must be exactly the article: every line between the first and the last sentence of the
article is kept verbatim, in order, except photo captions and gallery markers, and no
line outside it survives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support import shared_path

from storyline.clean.boilerplate import BoilerplateModel
from storyline.clean.text import clean_text, source_key
from storyline.clean.text_lines import caption_at_end

# Read by hand for the seeds the gold file leaves out (and the fields it does not give).
READ: dict[str, dict[str, Any]] = {
    "000_1c24f8d3673ac04f.txt": {"via": None, "captions": 0},
    "001_357940a6be19e5bb.txt": {
        "publisher": "The Independent",
        "title": None,
        "authors": [],
        "published": "2025-12-12",
        "via": None,
        "body_first": "Sir Keir Starmer will discuss using frozen Russian assets",
        "body_last": "whether we believe real peace can be achieved”.",
        "captions": 0,
    },
    "002_225c89ca27db0062.txt": {
        "publisher": "The Independent",
        "title": "Starmer hails ‘real progress’ on Ukraine after European leaders gather at White House",
        "authors": ["Tom Watling", "Archie Mitchell"],
        "published": None,
        "via": "inkl",
        "body_first": "Sir Keir Starmer has hailed",
        "body_last": 'those leaders who are with us in our hearts."',
        "captions": 4,
    },
    "003_325b66f23103642b.txt": {"via": None, "captions": 4},  # two markers, two captions
    "004_7a7d81bd043e34d3.txt": {
        "publisher": "The Independent",
        "title": "Starmer and European allies to head to US to support Zelensky in Oval Office showdown with Trump",
        "authors": ["Millie Cooke"],
        "published": None,
        "via": "inkl",
        "body_first": "Sir Keir Starmer hailed Volodymyr Zelensky’s desire",
        "body_last": "should be commended,” the prime minister added.",
        "captions": 2,
    },
}
GALLERY_MARKER = "open image in gallery"
CLOSING_QUOTES = '”"’'


def _ends_with(text: str, last: str) -> bool:
    """Gold's ``body_last`` may leave out the closing quotation mark that ends the article."""
    return text.endswith(last) or text.rstrip(CLOSING_QUOTES).endswith(last)


def _gold() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(shared_path("gold", "seeds.dev.json").read_text(encoding="utf-8"))
    return data


def _seeds() -> dict[str, str]:
    folder = shared_path("seeds")
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}


def _expected(name: str) -> dict[str, Any]:
    expected = dict(READ[name])
    expected.update(_gold()["docs"].get(name, {}))
    return expected


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    found = _seeds()
    assert sorted(found) == sorted(READ)
    return found


@pytest.fixture(scope="module")
def model(seeds: dict[str, str]) -> BoilerplateModel:
    trained = BoilerplateModel()
    for text in seeds.values():
        trained.observe(source_key(text, "seeds"), text)
    return trained


def _clean(text: str, model: BoilerplateModel | None) -> Any:
    return clean_text(text, model, source_key(text, "seeds") if model else None)


@pytest.fixture(params=["alone", "learned"])
def use_model(request: pytest.FixtureRequest, model: BoilerplateModel) -> BoilerplateModel | None:
    return model if request.param == "learned" else None


def test_all_seeds_pool_under_their_publisher(seeds: dict[str, str], model: BoilerplateModel) -> None:
    assert {source_key(text, "seeds") for text in seeds.values()} == {"publisher:The Independent"}
    assert model.documents("publisher:The Independent") == 5


@pytest.mark.parametrize("name", sorted(READ))
def test_no_boilerplate_in_body(name: str, seeds: dict[str, str], use_model: BoilerplateModel | None) -> None:
    body = _clean(seeds[name], use_model).body
    for phrase in _gold()["boilerplate_must_not_appear"]:
        assert phrase not in body, phrase


@pytest.mark.parametrize("name", sorted(READ))
def test_metadata(name: str, seeds: dict[str, str], use_model: BoilerplateModel | None) -> None:
    expected = _expected(name)
    found = _clean(seeds[name], use_model)
    assert found.body.startswith(expected["body_first"])
    assert _ends_with(found.body, expected["body_last"])
    for field in ("publisher", "title", "authors", "published", "via"):
        assert getattr(found, field) == expected[field], field
    assert found.extracted_by["body"] == "text-dump"
    if expected["published"]:
        assert found.extracted_by["published"] == "text-header"


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("name", sorted(READ))
def test_body_is_the_whole_article_and_nothing_else(
    name: str, seeds: dict[str, str], use_model: BoilerplateModel | None
) -> None:
    """Every raw line from the article's first to its last sentence is in the body, verbatim and
    in order, unless it is a caption or a gallery marker that ``removed`` accounts for."""
    expected = _expected(name)
    found = _clean(seeds[name], use_model)
    raw = _lines(seeds[name])
    first = next(i for i, line in enumerate(raw) if line.startswith(expected["body_first"]))
    last = next(i for i, line in enumerate(raw) if _ends_with(line, expected["body_last"]))
    article = raw[first : last + 1]
    dropped = [line for line in article if line not in found.body.split("\n\n")]
    for line in dropped:
        assert line in found.removed
        assert line == GALLERY_MARKER or caption_at_end(line) is not None, line
    assert len(dropped) == expected["captions"]
    assert found.body.split("\n\n") == [line for line in article if line not in dropped]


@pytest.mark.parametrize("name", sorted(READ))
def test_nothing_is_lost_without_trace(
    name: str, seeds: dict[str, str], use_model: BoilerplateModel | None
) -> None:
    """Each word of the raw text ends up in the body, in ``removed`` or in the metadata."""
    found = _clean(seeds[name], use_model)
    accounted = " ".join([found.body, *found.removed, found.title or "", " ".join(found.authors)])
    accounted_words = set(accounted.split())
    raw_words = set(" ".join(_lines(seeds[name])).split())
    publisher_lines = {line for line in _lines(seeds[name]) if line.startswith(found.publisher or "\0")}
    missing = (
        raw_words
        - accounted_words
        - {"date", found.published or ""}
        - {w for line in publisher_lines for w in line.split()}
    )
    assert not missing


def test_seed_folder_is_beside_the_repo() -> None:
    assert shared_path("seeds") == Path(__file__).resolve().parents[2] / "shared" / "seeds"
