"""Engines compared: articles per second and peak memory, local vs ray, on the same archives.

    .venv/bin/python benchmarks/engines.py [--copies 10] [--engines local,ray] [--cpus N]

Input: a WARC and a JSONL archive written to a temporary folder by :func:`write_archives`
from what the repository bundles: the five example articles (``storyline/data/examples``)
and the HTML test pages (``tests/data/html``), replicated ``--copies`` times, each copy
perturbed (a paragraph dropped, a sentence added, the date moved) so that no two are exact
repeats.  The WARC holds the text dumps as ``text/plain`` records and the pages as
``text/html`` records, plus records that are not articles, an empty page and a page of
links; the JSONL holds each example as an HTML page and as a trusted body, plus bad lines.
Synthetic, small and repetitive: most copies are linked as near duplicates of an earlier
one, but every copy is read, cleaned and annotated in full.  The figures compare the engines
with each other on this machine, not with real CC-NEWS archives.

Each engine runs in a fresh process on a fresh SQLite database through the same code as
``storyline ingest --engine ENGINE`` (enrichment on, stories clustered afterwards); the ray
engine starts a local Ray instance with ``--cpus`` CPUs (default: all) inside the run, so
its set-up time is included in the wall time.  Reported: articles stored, ingest wall
seconds (set-up included), the same with the story clustering after it, articles per second
(stored / ingest wall seconds), and peak memory: the largest sum, sampled every 0.2 s,
of the proportional set size (PSS, shared pages split between the processes sharing them)
of the run's process and all its descendants (for ray: the Ray daemons and workers).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from html import escape
from io import BytesIO
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "storyline" / "data" / "examples"
PAGES = REPO / "tests" / "data" / "html"


# --- the archives ------------------------------------------------------------------------------


def _perturb_text(text: str, copy: int, rng: random.Random) -> str:
    """Copy 0 as it is; later copies lose one paragraph, gain a sentence and move their date line."""
    if copy == 0:
        return text
    paragraphs = text.split("\n\n") if "\n\n" in text else text.split("\n")
    joiner = "\n\n" if "\n\n" in text else "\n"
    if len(paragraphs) > 4:
        del paragraphs[rng.randrange(2, len(paragraphs) - 1)]
    paragraphs.insert(len(paragraphs) // 2, f"Officials said on day {copy} that talks would continue next week.")
    result = joiner.join(paragraphs)
    return re.sub(r"date (\d{4}-\d{2}-\d{2})",
                  lambda m: "date " + (date.fromisoformat(m.group(1)) + timedelta(days=copy)).isoformat(),
                  result, count=1)


def _perturb_page(html: str, copy: int, rng: random.Random) -> str:
    if copy == 0:
        return html
    paragraphs = list(re.finditer(r"<p>.*?</p>", html, flags=re.S))
    if len(paragraphs) > 3:
        drop = paragraphs[rng.randrange(1, len(paragraphs) - 1)]
        html = html[: drop.start()] + html[drop.end() :]
    return html.replace("</article>", f"<p>Updated on day {copy} with comment from the council.</p></article>", 1)


def _page_from_article(title: str, published: str | None, body: str) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>\n" for p in body.split("\n") if p.strip())
    date_meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"{date_meta}</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            f"<article><h1>{escape(title)}</h1>\n{paragraphs}</article>"
            f"<footer>© Example News. All rights reserved.</footer></body></html>")


def write_archives(folder: Path, copies: int = 1, seed: int = 7) -> list[Path]:
    """``crawl.warc.gz`` and ``articles.jsonl`` in ``folder``; returns their paths (read them in that order)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from storyline.article import RawDocument
    from storyline.clean import BoilerplateModel, clean

    rng = random.Random(seed)
    examples = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.txt"))]
    pages = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(PAGES.glob("*.html"))]
    folder.mkdir(parents=True, exist_ok=True)
    warc_path, jsonl_path = folder / "crawl.warc.gz", folder / "articles.jsonl"

    def response(writer: WARCWriter, url: str, payload: bytes, content_type: str, status: str = "200 OK") -> None:
        headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            url, "response", payload=BytesIO(payload), length=len(payload), http_headers=headers,
            warc_headers_dict={"WARC-Date": "2026-01-05T10:00:00Z"}))

    with warc_path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        writer.write_record(writer.create_warcinfo_record(warc_path.name, {"software": "storyline benchmarks"}))
        for copy in range(copies):
            for name, text in examples:
                url = f"https://scrape.example/{copy}/{name}"
                request = f"GET /{copy}/{name} HTTP/1.1\r\n\r\n".encode()
                writer.write_record(writer.create_warc_record(url, "request", payload=BytesIO(request),
                                                              length=len(request)))
                response(writer, url, _perturb_text(text, copy, rng).encode(), "text/plain; charset=utf-8")
            for name, html in pages:
                body = _perturb_page(html, copy, rng).encode()
                response(writer, f"https://pages.example/{copy}/{name}", body, "text/html; charset=utf-8")
                response(writer, f"https://pages.example/{copy}/{name}.png", b"\x89PNG\r\n\x1a\n", "image/png")
            response(writer, f"https://pages.example/{copy}/gone", b"<html>gone</html>", "text/html", "404 Not Found")
        response(writer, "https://pages.example/empty", b"  \n", "text/html")
        response(writer, "https://pages.example/menu", b"<html><body><nav><a href='/'>Home</a></nav></body></html>",
                 "text/html")

    model = BoilerplateModel()
    cleaned = [clean(RawDocument(source=name, kind="text", text=text, collection="examples"), model)
               for name, text in examples]
    with jsonl_path.open("w", encoding="utf-8") as handle:
        for copy in range(copies):
            for article in cleaned:
                body = _perturb_text(article.body, copy, rng)
                title = article.title or body.split("\n", 1)[0][:80]
                published = article.published
                if published and copy:
                    published = (date.fromisoformat(published) + timedelta(days=copy)).isoformat()
                handle.write(json.dumps({"id": f"page-{copy}-{article.id}", "url": f"https://wire.example/{copy}/{article.id}",
                                         "publisher": "Example Wire",
                                         "html": _page_from_article(title, published, body)}) + "\n")
                handle.write(json.dumps({"id": f"body-{copy}-{article.id}", "title": title, "published": published,
                                         "authors": article.authors, "publisher": article.publisher,
                                         "text": body}) + "\n")
            if copy == 0:
                handle.write('{"id": "broken", "text": \n')
                handle.write("\n")
                handle.write(json.dumps({"id": "no-body", "title": "Nothing here"}) + "\n")
    return [warc_path, jsonl_path]


# --- measuring -----------------------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found.append(child)
            frontier.append(child)
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Usage:
    """Peak PSS sum and CPU seconds of this process and its descendants, sampled in a thread.

    By default once a second: reading ``smaps_rollup`` of a large process costs the kernel some
    milliseconds, and more often showed up in profiles of the measured work."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval, self.peak_kb = interval, 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            pids = [me, *_descendants(me)]
            self.peak_kb = max(self.peak_kb, sum(_pss_kb(pid) for pid in pids))
            for pid in pids:
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), _cpu_seconds(pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> Usage:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu[os.getpid()] = time.process_time()

    def total_cpu(self) -> float:
        return sum(self.cpu.values())


def worker(engine: str, archives: list[str], db: str, cpus: int | None) -> dict[str, Any]:
    """One engine, in this (fresh) process."""
    with Usage(interval=0.2) as memory:
        t0 = time.perf_counter()
        if engine == "ray":
            import ray

            ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
        from storyline.engines import ingest
        from storyline.pipeline import Summary, make_pipeline
        from storyline.store import Store
        from storyline.stories.update import update_stories

        store = Store(db)
        pipeline = make_pipeline(store)
        summary = Summary()
        for outcome in ingest(engine, pipeline, archives, notice=lambda _: None):
            summary.add(outcome)
        ingest_wall = time.perf_counter() - t0
        update_stories(store)
        wall = time.perf_counter() - t0
        if engine == "ray":
            ray.shutdown()
    counts = summary.to_dict()
    return {"stored": counts["new"] + counts["duplicates"], "duplicates": counts["duplicates"],
            "skipped": len(counts["skipped"]), "ingest_wall": ingest_wall, "wall": wall,
            "peak_mb": memory.peak_kb / 1024}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=10, help="copies of the bundled articles and pages")
    parser.add_argument("--engines", default="local,ray", help="comma-separated: local, ray")
    parser.add_argument("--cpus", type=int, default=None, help="CPUs for the local Ray instance (default: all)")
    parser.add_argument("--worker", nargs=4, metavar=("ENGINE", "ARCHIVES", "DB", "CPUS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        engine, archives, db, cpus = args.worker
        print(json.dumps(worker(engine, archives.split(","), db, int(cpus) or None)))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="storyline-engines-") as tmp:
        archives = write_archives(Path(tmp) / "archives", args.copies)
        records = sum(1 for _ in archives[1].open(encoding="utf-8"))
        for engine in args.engines.split(","):
            db = Path(tmp) / f"{engine}.db"
            command = [sys.executable, __file__, "--worker", engine, ",".join(map(str, archives)), str(db),
                       str(args.cpus or 0)]
            done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append((engine, result))
            print(f"{engine}: {result}", file=sys.stderr)
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f} at the end (other work on the machine slows both)")
    print(f"date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}")
    print(f"command: python benchmarks/engines.py --copies {args.copies} --engines {args.engines}"
          + (f" --cpus {args.cpus}" if args.cpus else ""))
    print(f"input: {args.copies} perturbed copies of the bundled examples and test pages "
          f"(a WARC and a JSONL of {records} lines; synthetic)")
    print()
    print("| engine | stored | duplicates | skipped | ingest s (wall) | with stories s | articles/s | peak PSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for engine, r in rows:
        rate = r["stored"] / r["ingest_wall"] if r["ingest_wall"] else 0.0
        print(f"| {engine} | {r['stored']} | {r['duplicates']} | {r['skipped']} | {r['ingest_wall']:.1f} "
              f"| {r['wall']:.1f} | {rate:.1f} | {r['peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
