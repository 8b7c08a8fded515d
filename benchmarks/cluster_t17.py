"""Storylines on Timeline17 dev through the product path, beside a TF-IDF baseline in the same run.

What a user runs (benchmarks/product_path.py): each part is written as JSONL ``{id, title,
text, published}`` (Timeline17 has no titles: the first sentence is the title; bodies are
cut at product_path.T17_MAX_CHARS), ``storyline ingest`` fills a fresh store, ``storyline
export stories`` is read back; each article's storyline is its story's storyline.

Split, fixed once by storyline (product_path.T17_TUNE / T17_TEST): BP oil spill (BBC and
Reuters collections) and Michael Jackson tune; H1N1, the Haiti earthquake and the Egyptian
protests test.  The shipped model saw the tuning part only.

Rows per part: full text and headline only (first sentence alone as text); the test part
again in a shuffled ingest order.  Baseline: TF-IDF + agglomerative (cosine, average
linkage, no time), its threshold tuned on the tuning part at the storyline level.

Metric: B-cubed P/R/F1 over articles against the ``storyline`` label; spread over bootstrap
resamples of storylines (only three in the test part: a coarse band).

    .venv/bin/python benchmarks/cluster_t17.py [--recluster]
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
    parser.add_argument("--no-shuffled", action="store_true", help="leave out the shuffled-order row")
    args = parser.parse_args(argv)
    started = time.time()
    tune, test = pp.t17("tune"), pp.t17("test")
    rows: list[pp.Row] = []
    for part, records in (("tune", tune), ("test", test)):
        for headline_only in (False, True):
            name = f"t17_{part}" + ("_head" if headline_only else "")
            rows.append(pp.ours(records, part, name, "storyline", headline_only=headline_only,
                                recluster=args.recluster, story_level=False))
            print(rows[-1], flush=True)
            if args.lexical:  # the same store regrouped as without the extra (needs --recluster)
                rows.append(pp.ours(records, part, name, "storyline", headline_only=headline_only,
                                    recluster=True, story_level=False, lexical=True))
    if not args.no_shuffled:
        rows.append(pp.ours(test, "test", "t17_test_shuffled", "storyline", shuffle=1, story_level=False,
                            recluster=args.recluster))
    rows.extend(pp.baseline(tune, test, "storyline", "storyline"))
    rows.extend(pp.baseline(tune, test, "storyline", "storyline", headline_only=True))
    rows.sort(key=lambda row: (row.part != "tune", row.system))
    pp.print_table(
        f"Timeline17 dev through the product path: tune {len(tune)} articles / {sorted(pp.T17_TUNE)}, "
        f"test {len(test)} / {sorted(pp.T17_TEST)}",
        rows, pp.commit_id(), " ".join(["python", "benchmarks/cluster_t17.py", *(argv if argv is not None else sys.argv[1:])]),
        started,
    )


if __name__ == "__main__":
    main()
