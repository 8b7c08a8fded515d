"""Cross-document entity canonicalisation on ECB+ (dev topics 1-35).

Usage::

    .venv/bin/python benchmarks/entities_ecbplus.py [--limit N] [--data PATH]

Each document is run through spaCy, :func:`storyline.enrich.entities.find_entities`
and one shared :class:`storyline.enrich.entity_registry.EntityRegistry` (context:
the names of the document's other entities).  Each gold mention (``entities``
with a cross-document ``instance``) takes the canonical id of the entity whose
mention overlaps it most.  A gold mention that no entity covers (pronouns,
common nouns such as "the actress", names the tagger missed) becomes an entity
made from the gold text and type, one per distinct text in the document, and is
resolved by the same registry; the count of those is printed.

Metric: B-cubed over gold mentions.  For each mention m, with P(m) its
predicted cluster and G(m) its gold cluster (same ``instance``),
precision(m) = |P(m) & G(m)| / |P(m)| and recall(m) = |P(m) & G(m)| / |G(m)|,
averaged over mentions; F1 = 2PR / (P + R).  Scores are given over all
mentions and over the proper-name mentions alone (clusters restricted to that
subset), by gold type, beside two baselines computed in the same run:
(a) exact mention text; (b) normalised head word (folded, possessive, article
and form of address removed, last word kept: a surname for people).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

from spacy.tokens import DocBin

from storyline.article import Entity
from storyline.enrich.entities import find_entities
from storyline.enrich.entity_lexicon import fold, load_lexicon
from storyline.enrich.entity_registry import EntityRegistry, looks_like_name
from storyline.nlp import load_nlp

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "clustering" / "ecbplus.dev.jsonl"
GOLD_TYPES = {
    "HUMAN_PART_PER": "PERSON",
    "HUMAN_PART_GENERIC": "PERSON",
    "HUMAN_PART_ORG": "ORG",
    "HUMAN_PART_GPE": "GPE",
    "HUMAN_PART_MET": "ORG",
    "HUMAN_PART_VEH": "PRODUCT",
    "LOC_GEO": "GPE",
    "LOC_FAC": "FAC",
    "LOC_OTHER": "LOC",
}


def b_cubed(pred: list[str], gold: list[str], keep: list[bool] | None = None) -> tuple[float, float, float]:
    idx = [i for i in range(len(pred)) if keep is None or keep[i]]
    if not idx:
        return 0.0, 0.0, 0.0
    by_pred: dict[str, set[int]] = defaultdict(set)
    by_gold: dict[str, set[int]] = defaultdict(set)
    for i in idx:
        by_pred[pred[i]].add(i)
        by_gold[gold[i]].add(i)
    p = r = 0.0
    for i in idx:
        both = len(by_pred[pred[i]] & by_gold[gold[i]])
        p += both / len(by_pred[pred[i]])
        r += both / len(by_gold[gold[i]])
    p, r = p / len(idx), r / len(idx)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def head_key(text: str, gold_type: str) -> str:
    lex = load_lexicon()
    words = fold(text).replace("'s", "").replace("'", "").split()
    while words and (words[0] in {"the", "a", "an"} or lex.is_honorific(words[0])):
        words = words[1:]
    return GOLD_TYPES.get(gold_type, "X") + ":" + (words[-1] if words else fold(text))


def is_proper(text: str) -> bool:
    """A capitalised mention that is not a pronoun ("Tara Reid", "Colts"; not "I'm", "He")."""
    return looks_like_name(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents")
    parser.add_argument("--cache", type=Path, help="spaCy DocBin of the parsed documents (made when missing)")
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"ECB+ data not found at {args.data} (it lives in ../shared beside the repo)")
    rows = [json.loads(line) for line in args.data.open(encoding="utf-8")]
    if args.limit:
        rows = rows[: args.limit]
    nlp = load_nlp()
    docs = None
    if args.cache and args.cache.exists():
        docs = list(DocBin().from_disk(args.cache).get_docs(nlp.vocab))[: len(rows)]
    registry = EntityRegistry()
    gold: list[str] = []
    types: list[str] = []
    texts: list[str] = []
    ours: list[str] = []
    created = covered = 0
    parse_s = ent_s = 0.0
    parsed = []
    for n, row in enumerate(rows):
        t0 = time.perf_counter()
        doc = docs[n] if docs is not None else nlp(row["text"])
        parsed.append(doc)
        t1 = time.perf_counter()
        entities = find_entities(doc)
        names = {e.name for e in entities}
        ids = {e.id: registry.resolve(e, names - {e.name}) for e in entities}
        ent_s += time.perf_counter() - t1
        parse_s += t1 - t0
        spans = [(s, e, ent.id) for ent in entities for s, e in ent.mentions]
        made: dict[str, str] = {}
        for mention in row["entities"]:
            gs, ge = mention["start"], mention["end"]
            best = max(
                ((min(ge, e) - max(gs, s), eid) for s, e, eid in spans if s < ge and gs < e),
                default=None,
            )
            if best is not None:
                covered += 1
                cid = ids[best[1]]
            else:
                key = fold(mention["text"])
                if key not in made:
                    created += 1
                    entity = Entity(
                        id="g", name=mention["text"], type=GOLD_TYPES.get(mention["type"], "MISC")
                    )
                    made[key] = registry.resolve(entity, names)
                cid = made[key]
            gold.append(mention["instance"])
            types.append(mention["type"])
            texts.append(mention["text"])
            ours.append(cid)
    if args.cache and docs is None:
        cache = DocBin()
        for doc in parsed:
            cache.add(doc)
        cache.to_disk(args.cache)
    exact = list(texts)
    heads = [head_key(t, ty) for t, ty in zip(texts, types, strict=True)]
    proper = [is_proper(t) for t in texts]
    systems = {"exact text (a)": exact, "head word (b)": heads, "storyline": ours}

    print(f"ECB+ dev: {len(rows)} documents, {len(gold)} gold mentions ({sum(proper)} proper names)")
    print(f"gold mentions covered by a found entity: {covered} ({covered / len(gold):.1%});")
    print(
        f"entities made from gold text where none was found: {created} (one per distinct text per document)"
    )
    parse = "read from cache" if docs is not None else f"{1000 * parse_s / len(rows):.1f} ms/doc"
    print(f"spaCy parse {parse}; entities + registry {1000 * ent_s / len(rows):.1f} ms/doc")
    print()
    print(f"{'subset':<22}{'n':>6}  " + "  ".join(f"{name:>22}" for name in systems))
    subsets: list[tuple[str, list[bool] | None]] = [("all mentions", None), ("proper names", proper)]
    for gold_type in sorted(set(types), key=lambda t: -types.count(t)):
        subsets.append((gold_type, [t == gold_type for t in types]))
        subsets.append(
            (f"  {gold_type[:12]} names", [t == gold_type and p for t, p in zip(types, proper, strict=True)])
        )
    for label, keep in subsets:
        n = len(gold) if keep is None else sum(keep)
        if n == 0:
            continue
        cells = []
        for pred in systems.values():
            p, r, f = b_cubed(pred, gold, keep)
            cells.append(f"P{p:.3f} R{r:.3f} F{f:.3f}")
        print(f"{label:<22}{n:>6}  " + "  ".join(f"{c:>22}" for c in cells))
    print()
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"canonical entities: {len(registry)}")


if __name__ == "__main__":
    main()
