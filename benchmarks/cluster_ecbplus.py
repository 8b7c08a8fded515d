"""Story grouping on ECB+ dev through the product path, beside a TF-IDF baseline in the same run.

What a user runs (benchmarks/product_path.py): each part is written as JSONL ``{id, title,
text}`` (first line as title, the rest as text; ECB+ has no dates), ``storyline ingest``
(enrichment and grouping on) fills a fresh store, ``storyline export stories`` is read back.

Split, fixed once: odd topics tune, even topics test (product_path.ECB_*_TOPICS).  The
shipped model (benchmarks/train_story_model.py) saw the tuning part only.

Rows per part: full text, headline only (the title alone as text), and on the test part the
same input in a shuffled ingest order.  Baseline: TF-IDF (sublinear tf, English stop
words) + agglomerative clustering (cosine, average linkage), its distance threshold tuned
on the tuning part (separately for full text and headline only) and applied to both.

Metric: B-cubed P/R/F1 over documents at the story level (gold ``event``); the storyline
column scores storylines against ``event`` as well (two events of one kind, e.g. two
celebrities entering rehab, are two threads).  Spread: 5th-95th percentile of F1 over
bootstrap resamples of topics.

    .venv/bin/python benchmarks/cluster_ecbplus.py [--recluster]

``--recluster`` regroups stores ingested by an earlier run with ``storyline cluster
--rebuild`` (a product command) instead of ingesting again; the shuffled store was filled by
an ingest of the shuffled file, so its arrival order (duplicates, entity registry) is kept.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import product_path as pp


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recluster", action="store_true", help="regroup earlier stores with cluster --rebuild")
    parser.add_argument("--lexical", action="store_true",
                        help="also rows without the embeddings extra (regroups the same stores)")
    args = parser.parse_args(argv)
    started = time.time()
    tune, test = pp.ecbplus("tune"), pp.ecbplus("test")
    rows: list[pp.Row] = []
    for part, records in (("tune", tune), ("test", test)):
        rows.append(pp.ours(records, part, f"ecb_{part}", "topic", recluster=args.recluster))
        rows.append(pp.ours(records, part, f"ecb_{part}_head", "topic", headline_only=True,
                            recluster=args.recluster))
        print(rows[-2], rows[-1], sep="\n", flush=True)
        if args.lexical:  # the same stores regrouped as without the extra (needs --recluster)
            for headline_only in (False, True):
                rows.append(pp.ours(records, part, f"ecb_{part}" + ("_head" if headline_only else ""), "topic",
                                    headline_only=headline_only, recluster=True, lexical=True))
    rows.append(pp.ours(test, "test", "ecb_test_shuffled", "topic", shuffle=1, recluster=args.recluster))
    rows.extend(pp.baseline(tune, test, "story", "topic"))
    rows.extend(pp.baseline(tune, test, "story", "topic", headline_only=True))
    rows.sort(key=lambda row: (row.part != "tune", row.system))
    pp.print_table(
        f"ECB+ dev through the product path: tune {len(tune)} documents / {len(set(r.gold['story'] for r in tune))} "
        f"events, test {len(test)} / {len(set(r.gold['story'] for r in test))}",
        rows, pp.commit_id(), " ".join(["python", "benchmarks/cluster_ecbplus.py", *(argv if argv is not None else sys.argv[1:])]),
        started,
    )


if __name__ == "__main__":
    main()
