"""What the article and story pages show beside the text: entity groups under one heading each, images."""

from __future__ import annotations

from typing import Any

GROUP_LABELS = {"PERSON": "People", "ORG": "Organisations", "GPE": "Places", "LOC": "Places", "NORP": "Groups"}
GROUP_ORDER = ("People", "Organisations", "Places", "Groups")


def entity_groups(entities: dict[str, list[dict[str, Any]]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Entities by heading (places from GPE and LOC under one "Places"), each name once, most mentioned first."""
    grouped: dict[str, dict[str, dict[str, Any]]] = {}
    for kind, items in entities.items():
        label = GROUP_LABELS.get(kind)
        if label is None:
            continue
        bucket = grouped.setdefault(label, {})
        for item in items:
            key = str(item.get("id") or item.get("name"))
            if key in bucket:
                bucket[key] = {**bucket[key], "mentions": bucket[key].get("mentions", 0) + item.get("mentions", 0)}
            else:
                bucket[key] = dict(item)
    return [(label, sorted(grouped[label].values(), key=lambda e: -int(e.get("mentions") or 0)))
            for label in GROUP_ORDER if grouped.get(label)]


def with_images(cards: list[dict[str, Any]], images: dict[str, str]) -> list[dict[str, Any]]:
    """Copies of story cards with their lead image (cards are shared by a cache: never changed in place)."""
    return [{**card, "image": images.get(str(card.get("id")))} if images.get(str(card.get("id"))) else card
            for card in cards]
