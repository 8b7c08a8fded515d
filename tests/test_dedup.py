from __future__ import annotations

from storyline.dedup import band_buckets, content_hash, find_duplicate, shingles, similarity
from storyline.store import Store

BODY = (
    "The mayor announced on Tuesday that the city would open three new libraries next spring, "
    "funded by a bond approved by voters last year. Construction is expected to begin in March. "
    "Residents of the northern districts, who have waited a decade for a branch, welcomed the news. "
    "The council will vote on the final designs at its meeting next month, officials said."
)


def test_content_hash_ignores_case_spacing_and_punctuation() -> None:
    assert content_hash(BODY) == content_hash(BODY.upper().replace(" ", "  ").replace(",", ""))
    assert content_hash(BODY) != content_hash(BODY + " A new sentence.")


def test_similar_bodies_share_buckets_and_different_ones_do_not() -> None:
    edited = BODY.replace("three new libraries", "three libraries").replace("officials said", "a spokesman said")
    a, b = shingles(BODY), shingles(edited)
    jaccard, _ = similarity(a, b)
    assert jaccard > 0.6
    assert set(enumerate(band_buckets(a))) & set(enumerate(band_buckets(b)))
    other = shingles("Heavy rain flooded the river valley overnight, forcing hundreds of families to leave "
                     "their homes as emergency crews worked through the night to reinforce the banks.")
    assert not set(enumerate(band_buckets(a))) & set(enumerate(band_buckets(other)))


def _save(store: Store, article_id: str, body: str) -> None:
    from storyline.article import Article

    article = Article(id=article_id, source=f"test:{article_id}", body=body, content_hash=content_hash(body))
    with store.transaction("save") as conn:
        store.save_article(conn, article)
        store.save_bands(conn, article_id, band_buckets(shingles(body)))


def test_find_duplicate_exact_near_truncated_and_distinct(store: Store) -> None:
    _save(store, "a1", BODY)
    cases = {
        "exact": (BODY.replace(".", " ."), "exact"),
        "near": (BODY.replace("next spring", "in the spring"), "near"),
        "truncated": (BODY.split(" Residents")[0], "near"),
    }
    for name, (body, method) in cases.items():
        items = shingles(body)
        with store.transaction("check") as conn:
            match = find_duplicate(store, conn, f"new-{name}", body, content_hash(body), items, band_buckets(items))
        assert match is not None, name
        assert match.canonical_id == "a1"
        assert match.method == method
    unrelated = "A completely different report about a football match that ended in a draw after extra time."
    items = shingles(unrelated)
    with store.transaction("check") as conn:
        assert find_duplicate(store, conn, "x", unrelated, content_hash(unrelated), items, band_buckets(items)) is None
