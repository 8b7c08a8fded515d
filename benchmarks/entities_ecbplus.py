"""Cross-document entity canonicalisation on ECB+ (dev topics 1-35).

Usage::

    .venv/bin/python benchmarks/entities_ecbplus.py [--limit N] [--topics odd|even|1,2,..] [--folds]
        [--cache PATH] [--data PATH]

Each document is run through spaCy, :func:`storyline.enrich.entities.find_entities`
and one shared :class:`storyline.stories.entity_registry.EntityRegistry` (context:
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, DocBin

from storyline.article import Entity
from storyline.enrich.entities import find_entities
from storyline.enrich.entity_lexicon import fold, load_lexicon
from storyline.nlp import load_nlp
from storyline.stories.entity_registry import EntityRegistry, looks_like_name

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


@dataclass(slots=True)
class Run:
    """Gold and predicted clusters of every gold mention of one run."""

    gold: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    ours: list[str] = field(default_factory=list)
    covered: int = 0
    created: int = 0
    entity_s: float = 0.0
    canonical: int = 0

    def systems(self) -> dict[str, list[str]]:
        heads = [head_key(t, ty) for t, ty in zip(self.texts, self.types, strict=True)]
        return {"exact text (a)": list(self.texts), "head word (b)": heads, "storyline": self.ours}

    def proper(self) -> list[bool]:
        return [is_proper(t) for t in self.texts]

    def score(self, system: str = "storyline", proper_only: bool = False) -> tuple[float, float, float]:
        return b_cubed(self.systems()[system], self.gold, self.proper() if proper_only else None)


def select_topics(rows: list[dict[str, Any]], topics: str) -> list[dict[str, Any]]:
    """ "all", "odd", "even" or a comma-separated list of topic numbers."""
    if topics == "all":
        return rows
    if topics in {"odd", "even"}:
        wanted = 1 if topics == "odd" else 0
        return [row for row in rows if int(row["topic"]) % 2 == wanted]
    numbers = {int(t) for t in topics.split(",") if t.strip()}
    return [row for row in rows if int(row["topic"]) in numbers]


def evaluate(rows: list[dict[str, Any]], docs: list[Doc]) -> Run:
    """Entities, one shared registry and the gold mention mapping described above."""
    registry = EntityRegistry()
    run = Run()
    for row, doc in zip(rows, docs, strict=True):
        t0 = time.perf_counter()
        entities = find_entities(doc)
        names = {e.name for e in entities}
        ids = {e.id: registry.resolve(e, names - {e.name}) for e in entities}
        run.entity_s += time.perf_counter() - t0
        spans = [(s, e, ent.id) for ent in entities for s, e in ent.mentions]
        made: dict[str, str] = {}
        for mention in row["entities"]:
            gs, ge = mention["start"], mention["end"]
            best = max(
                ((min(ge, e) - max(gs, s), eid) for s, e, eid in spans if s < ge and gs < e),
                default=None,
            )
            if best is not None:
                run.covered += 1
                cid = ids[best[1]]
            else:
                key = fold(mention["text"])
                if key not in made:
                    run.created += 1
                    entity = Entity(
                        id="g", name=mention["text"], type=GOLD_TYPES.get(mention["type"], "MISC")
                    )
                    made[key] = registry.resolve(entity, names)
                cid = made[key]
            run.gold.append(mention["instance"])
            run.types.append(mention["type"])
            run.texts.append(mention["text"])
            run.ours.append(cid)
    run.canonical = len(registry)
    return run


def parse(rows: list[dict[str, Any]], cache: Path | None = None) -> tuple[list[Doc], float]:
    """spaCy docs of ``rows`` (read from, or written to, a DocBin cache of all dev documents)."""
    nlp = load_nlp()
    if cache is not None and cache.exists():
        by_id = dict(
            zip(
                json.loads(cache.with_suffix(".ids.json").read_text()),
                DocBin().from_disk(cache).get_docs(nlp.vocab),
                strict=True,
            )
        )
        if all(row["id"] in by_id for row in rows):
            return [by_id[row["id"]] for row in rows], 0.0
    t0 = time.perf_counter()
    docs = list(nlp.pipe(row["text"] for row in rows))
    seconds = time.perf_counter() - t0
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        DocBin(docs=docs).to_disk(cache)
        cache.with_suffix(".ids.json").write_text(json.dumps([row["id"] for row in rows]))
    return docs, seconds


def print_table(run: Run) -> None:
    systems = run.systems()
    proper = run.proper()
    print(f"{'subset':<22}{'n':>6}  " + "  ".join(f"{name:>22}" for name in systems))
    subsets: list[tuple[str, list[bool] | None]] = [("all mentions", None), ("proper names", proper)]
    for gold_type in sorted(set(run.types), key=lambda t: -run.types.count(t)):
        subsets.append((gold_type, [t == gold_type for t in run.types]))
        subsets.append(
            (
                f"  {gold_type[:12]} names",
                [t == gold_type and p for t, p in zip(run.types, proper, strict=True)],
            )
        )
    for label, keep in subsets:
        n = len(run.gold) if keep is None else sum(keep)
        if n == 0:
            continue
        cells = []
        for pred in systems.values():
            p, r, f = b_cubed(pred, run.gold, keep)
            cells.append(f"P{p:.3f} R{r:.3f} F{f:.3f}")
        print(f"{label:<22}{n:>6}  " + "  ".join(f"{c:>22}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents")
    parser.add_argument("--topics", default="all", help='"all", "odd", "even" or a list such as "1,2,3"')
    parser.add_argument("--folds", action="store_true", help="also score odd and even topics on their own")
    parser.add_argument("--cache", type=Path, help="spaCy DocBin of the parsed documents (made when missing)")
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"ECB+ data not found at {args.data} (it lives in ../shared beside the repo)")
    rows = select_topics([json.loads(line) for line in args.data.open(encoding="utf-8")], args.topics)
    if args.limit:
        rows = rows[: args.limit]
    docs, parse_s = parse(rows, args.cache)
    run = evaluate(rows, docs)

    print(
        f"ECB+ dev: {len(rows)} documents, {len(run.gold)} gold mentions ({sum(run.proper())} proper names)"
    )
    print(f"gold mentions covered by a found entity: {run.covered} ({run.covered / len(run.gold):.1%});")
    print(
        f"entities made from gold text where none was found: {run.created} (one per distinct text per document)"
    )
    parse_note = "read from cache" if not parse_s else f"{1000 * parse_s / len(rows):.1f} ms/doc"
    print(f"spaCy parse {parse_note}; entities + registry {1000 * run.entity_s / len(rows):.1f} ms/doc")
    print()
    print_table(run)
    if args.folds:
        print()
        print("topic folds (each with a registry of its own): storyline F1, head word (b) F1")
        by_id = {row["id"]: doc for row, doc in zip(rows, docs, strict=True)}
        for fold_name in ("odd", "even"):
            part = select_topics(rows, fold_name)
            fold_run = evaluate(part, [by_id[row["id"]] for row in part])
            cells = []
            for label, proper_only in (("all", False), ("proper", True)):
                ours = fold_run.score("storyline", proper_only)
                head = fold_run.score("head word (b)", proper_only)
                cells.append(f"{label} P{ours[0]:.3f} R{ours[1]:.3f} F{ours[2]:.3f} (head F{head[2]:.3f})")
            print(f"  {fold_name:<5} topics ({len(part)} docs): " + "; ".join(cells))
    print()
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"canonical entities: {run.canonical}")


if __name__ == "__main__":
    main()
