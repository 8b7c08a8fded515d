"""Key-date timelines: the day most coverage points to is chosen, entries cite their sentences."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from storyline.article import Article, TimeExpression
from storyline.stories.keydates import describe_dates, key_timeline

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "timelines"
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

# 2024-05-06 is a Monday.
FAILURE = [
    "Water poured through the Millbrook dam on Monday evening after its spillway gave way.",
    "Engineers said the Millbrook dam failed on May 6 because the spillway had cracked.",
    "The dam collapse of May 6, 2024 forced two thousand people from their homes.",
]


def _flood() -> list[Article]:
    return [
        Article(id="a1", source="t", published="2024-05-06",
                body=f"{FAILURE[0]} Residents of three villages were told to leave at once."),
        Article(id="a2", source="t", published="2024-05-08",
                body=f"Repairs could take a year, the water board warned. {FAILURE[1]} Nobody was hurt."),
        Article(id="a3", source="t", published="2024-05-09",
                body=f"Insurers began counting the cost of the flood. {FAILURE[2]}"),
        Article(id="a4", source="t", published="2024-05-09",
                body="The regional government promised aid for farmers on Thursday. A fund will open in June."),
        Article(id="a5", source="t", published="2024-05-14",
                body="A week after the dam failed on May 6, the villages remain empty and the fields flooded."),
    ]


def _slice(articles: list[Article], evidence: dict[str, object]) -> str:
    body = next(a.body for a in articles if a.id == evidence["article"])
    start, end = evidence["start"], evidence["end"]
    assert isinstance(start, int) and isinstance(end, int)
    return body[start:end]


def test_key_date_is_the_day_most_articles_refer_to() -> None:
    articles = _flood()
    timeline = key_timeline(articles, dates=1)
    assert [entry["date"] for entry in timeline] == ["2024-05-06"]
    entry = timeline[0]
    assert len(entry["evidence"]) == 1
    cited = _slice(articles, entry["evidence"][0])
    assert cited in FAILURE or cited.startswith("A week after the dam failed on May 6")
    assert entry["text"] == cited
    assert entry["articles"] == [entry["evidence"][0]["article"]]
    assert entry["support"] == 4  # a1 to a3 and a5 refer to the day; a1 was also published then


def test_every_entry_cites_the_sentences_it_shows() -> None:
    articles = _flood()
    timeline = key_timeline(articles, dates=3, sentences_per_date=2)
    assert [e["date"] for e in timeline] == sorted(e["date"] for e in timeline)
    assert len(timeline) == 3
    for entry in timeline:
        texts = [_slice(articles, ev) for ev in entry["evidence"]]
        assert entry["text"] == " ".join(texts)
        assert all(t.endswith(".") and t[0].isupper() for t in texts)
        assert set(entry["articles"]) == {ev["article"] for ev in entry["evidence"]}


def test_undated_articles_with_only_relative_expressions_give_no_dates() -> None:
    body = "The talks resumed on Monday. Yesterday the ministers met again. A vote is due next week."
    undated = [Article(id=f"u{i}", source="t", body=body) for i in range(3)]
    assert key_timeline(undated) == []
    # Relative expressions resolved elsewhere do not count either when the article has no date.
    given = Article(id="g", source="t", body=body,
                    times=[TimeExpression("Monday", 21, 27, "DATE", "2024-05-06")])
    assert key_timeline([given, *undated]) == []


def test_undated_articles_count_with_full_dates() -> None:
    articles = [
        Article(id="u1", source="t", body="The treaty was signed in Vienna on March 3, 2021. It took effect later."),
        Article(id="u2", source="t", body="Since the signing on 3 March 2021 the border has stayed open."),
    ]
    timeline = key_timeline(articles)
    assert [e["date"] for e in timeline] == ["2021-03-03"]
    assert "March" in timeline[0]["text"]


def test_restricted_range_and_default_number() -> None:
    articles = _flood()
    timeline = key_timeline(articles, start="2024-05-07", end="2024-05-31")
    assert timeline
    assert all("2024-05-07" <= e["date"] <= "2024-05-31" for e in timeline)
    days = {a.published for a in articles} | {"2024-05-06"}
    assert len(key_timeline(articles)) <= len(days)


def test_deterministic() -> None:
    first = key_timeline(_flood(), dates=4, sentences_per_date=2)
    assert first == key_timeline(_flood(), dates=4, sentences_per_date=2)
    assert [e["date"] for e in first] == [e["date"] for e in key_timeline(_flood()[::-1], dates=4)]


def test_describe_given_dates() -> None:
    articles = _flood()
    entries = describe_dates(articles, ["2024-05-09", "2024-05-06", "2030-01-01"])
    assert [e["date"] for e in entries] == ["2024-05-06", "2024-05-09"]
    assert all(e["text"] == " ".join(_slice(articles, ev) for ev in e["evidence"]) for e in entries)


# Measured on these three collections: date F1 0.590 (see benchmarks/results/timelines.md).
FLOOR_COLLECTIONS = ["haiti_bbc", "H1N1_bbc", "H1N1_reuters"]
FLOOR_DATE_F1 = 0.50


def test_t17_dev_date_f1_floor() -> None:
    """Date F1 on three small T17 dev collections (~600 articles).

    Time tagging uses the benchmark's cache (benchmarks/out/t17_times.jsonl) when present and
    fills it otherwise, so the first run takes about a minute.
    """
    if not SHARED.exists():
        pytest.skip(f"Timeline17 data not found at {SHARED}")
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from timeline_t17 import load_articles, load_timelines, ours, score, sentences_per_date

        from storyline.stories.keydates import Weights
    finally:
        sys.path.remove(str(BENCHMARKS))
    articles = load_articles(FLOOR_COLLECTIONS)
    scores = []
    for timeline in load_timelines():
        if timeline["collection"] not in FLOOR_COLLECTIONS:
            continue
        entries = timeline["entries"]
        assert isinstance(entries, list)
        arts = [a for a in articles if a.collection == timeline["collection"]]
        days = sorted({e["date"] for e in entries})
        predicted = ours(Weights())(arts, len(days), sentences_per_date(entries), days[0], days[-1], days)
        scores.append(score(predicted, entries, stopwords=False)["date_f1"])
    assert len(scores) == len(FLOOR_COLLECTIONS)
    assert sum(scores) / len(scores) >= FLOOR_DATE_F1
