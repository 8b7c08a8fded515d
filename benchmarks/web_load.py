"""Load test of the web reader with wrk: top stories, story, storyline, article, person and search pages.

    python benchmarks/web_load.py [--duration 20] [--connections 50] [--stories 300] [--db PATH]
        [--server before:/path/to/old/checkout:1 --server after:.:2 ...]

Builds a database (the bundled examples through the real ingest pipeline with
enrichment and stories, as ``storyline ingest`` runs it, plus a synthetic corpus of
stories from ``storyline.web.sample`` when the store has too few stories; ``--db`` keeps
it, or reuses it when it exists), starts ``storyline.web.serve`` on 127.0.0.1 in separate
processes (one per ``--server``: a checkout and a number of worker processes), runs
``wrk`` against each page on each server in turn for a bounded time, so that a before
/ after pair is measured back to back, and writes latency percentiles
(p50/p90/p95/p99), requests/s and errors to ``benchmarks/results/web.md``.

The servers run in local mode; wrk has no local-reader cookie, so it reads as a
visitor would (no read is recorded).  With ``--reader`` wrk sends the local reader's cookies
(got by opening the page with the servers' local key once, as the reader's browser does: the
local reader's cookie and the form-token seed): every page is then the reader's own (their
follows, their reads recorded), made for them or kept for them alone, as the server does.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "storyline" / "data" / "examples"
RESULTS = REPO / "benchmarks" / "results" / "web.md"


def build_database(path: str, stories: int) -> tuple[str, list[tuple[str, str]]]:
    """Fill the store; returns a sentence saying what is in it and the pages to load."""
    from storyline.pipeline import make_pipeline
    from storyline.store import Store
    from storyline.stories.update import update_stories
    from storyline.web.sample import build_sample

    store = Store(path)
    outcomes = list(make_pipeline(store).run([str(EXAMPLES)]))
    update_stories(store)
    pages = pick_pages(store)
    ingested = sum(o.status in ("new", "updated", "duplicate") for o in outcomes)
    real = len(store.list_stories(limit=100000))
    note = f"{ingested} bundled example articles ingested through the pipeline ({real} stories built from them)"
    if real < stories:
        build_sample(store, stories=stories - real, articles_per_story=8)
        note += f"; plus {stories - real} synthetic stories from storyline.web.sample"
    note += (f"; {store.count_articles()} articles, {len(store.list_stories(limit=100000))} stories,"
             f" {len(store.list_storylines(limit=100000))} storylines in total")
    store.close()
    return note, pages


def pick_pages(store: Any) -> list[tuple[str, str]]:
    """The front page, the largest story (first built wins a tie), its storyline, an article of it and
    its first person, and a search."""
    built = sorted(store.list_stories(limit=100000), key=lambda st: -len(st.articles))
    pages = [("top stories", "/")]
    if built:
        story = built[0]
        pages.append(("story", f"/stories/{story.id}"))
        if story.storyline_id:
            pages.append(("storyline", f"/storylines/{story.storyline_id}"))
        pages.append(("article", f"/articles/{story.articles[0]}"))
        if story.people:
            pages.append(("person", f"/entities/{story.people[0]['id']}"))
    pages.append(("search", "/search?q=talks"))
    return pages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


LOCAL_KEY = "load-test-local-key"  # the servers' local key: --reader opens /?token=LOCAL_KEY once


def start_server(db: str, port: int, *, code: Path | None = None, workers: int = 1) -> subprocess.Popen[bytes]:
    """``storyline.web.serve`` in a process of its own, importing storyline from ``code`` (default: this
    repository; another checkout gives a before/after pair on the same store)."""
    extra = f", workers={workers}" if workers != 1 else ""  # older checkouts have no workers argument
    extra += f", local_key={LOCAL_KEY!r}"
    program = f"from storyline.web import serve; serve({db!r}, port={port}, log_level='warning'{extra})"
    folder = (code or REPO).resolve()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, "-c", program], cwd=folder, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not start")


def _millis(value: str) -> float:
    number, unit = float(re.match(r"[\d.]+", value).group()), re.sub(r"[\d.]", "", value)  # type: ignore[union-attr]
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


P95_SCRIPT = 'done = function(summary, latency, requests) io.write(string.format("p95: %dus\\n", ' \
             'latency:percentile(95))) end\n'


def reader_cookie(address: str) -> str:
    """The local reader's cookie header, as a browser holds it after opening the page with the local key:
    the local reader's cookie from the redirect, and the form-token seed from the page it leads to."""
    with httpx.Client(timeout=30, follow_redirects=True) as browser:
        response = browser.get(f"{address}/?token={LOCAL_KEY}")
        cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in browser.cookies.jar)
    if "sl_local=" not in cookies:
        raise SystemExit(f"{address}: no cookie for the local reader ({response.status_code})")
    return cookies


def run_wrk(url: str, connections: int, threads: int, duration: int, cookie: str | None = None
            ) -> dict[str, str | float | int]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(P95_SCRIPT)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency",
               *(["-H", f"Cookie: {cookie}"] if cookie else []), url]
    try:
        output = subprocess.run([*command[:-1], "-s", script.name, url], capture_output=True, text=True,
                                check=True).stdout
    finally:
        os.unlink(script.name)
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M))
    p95 = int(re.search(r"^p95: (\d+)us", output, re.M).group(1)) / 1000  # type: ignore[union-attr]
    errors = timeouts = 0
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        errors += sum(int(g) for g in match.groups()[:3])
        timeouts = int(match.group(4))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    return {
        "command": " ".join(command),
        "p50": _millis(percentiles["50"]), "p90": _millis(percentiles["90"]), "p95": p95,
        "p99": _millis(percentiles["99"]),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "requests": requests, "errors": errors, "timeouts": timeouts,
    }


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()} {platform.release()}"


@dataclass(frozen=True, slots=True)
class Config:
    label: str
    code: Path
    workers: int


def _config(spec: str) -> Config:
    """``LABEL:DIR:WORKERS`` (``DIR`` a checkout of storyline; ``.`` is this one)."""
    label, code, workers = spec.split(":")
    return Config(label, REPO if code == "." else Path(code).resolve(), int(workers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per page")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--stories", type=int, default=300, help="top up the store to this many stories")
    parser.add_argument("--db", help="use (or build, and keep) the store at this path instead of a temporary one")
    parser.add_argument("--server", action="append", type=_config, metavar="LABEL:DIR:WORKERS",
                        help="a server to load, repeatable: a label, the checkout it runs and its worker processes;"
                             " each page is loaded on each server in turn (default: this checkout, 1 worker)")
    parser.add_argument("--reader", action="store_true",
                        help="load the pages as the local reader (their own pages, reads recorded), not as a visitor")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    servers = args.server or [Config("this", REPO, 1)]
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or str(Path(folder) / "bench.db")
        if Path(db).exists():
            from storyline.store import Store

            store = Store(db)
            pages = pick_pages(store)
            note = (f"an existing store: {store.count_articles()} articles, {len(store.list_stories(limit=100000))}"
                    f" stories, {len(store.list_storylines(limit=100000))} storylines")
            store.close()
        else:
            note, pages = build_database(db, args.stories)
        running: list[tuple[Config, subprocess.Popen[bytes], str]] = []
        rows = []
        try:
            for config in servers:
                port = free_port()
                running.append((config, start_server(db, port, code=config.code, workers=config.workers),
                                f"http://127.0.0.1:{port}"))
            cookies = {address: reader_cookie(address) if args.reader else None for _c, _p, address in running}
            base = running[0][2]
            top = httpx.get(f"{base}/index.json").json()["stories"]
            pages.insert(2, ("synthetic story", f"/stories/{top[len(top) // 2]['id']}"))
            for config, _process, address in running:
                for _label, path in pages:
                    if (status := httpx.get(address + path, timeout=30).status_code) != 200:
                        raise SystemExit(f"{config.label}: {path} answered {status} before the load")
            for label, path in pages:
                for config, _process, address in running:  # the servers one after the other, page by page
                    load = os.getloadavg()[0]
                    result = run_wrk(address + path, args.connections, args.threads, args.duration,
                                     cookies[address])
                    rows.append((label, path, config, load, result))
                    print(f"{label:15} {config.label:8} x{config.workers} p50 {result['p50']:.1f} ms  p95 "
                          f"{result['p95']:.1f} ms  p99 {result['p99']:.1f} ms  {result['rps']:.0f} req/s  errors"
                          f" {result['errors']}  timeouts {result['timeouts']}  (load {load:.1f})", flush=True)
        finally:
            for _server, process, _address in running:
                process.terminate()
                process.wait(30)
    lines = [
        "# Web reader under load",
        "",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {machine()}",
        f"- Data: {note}",
        "- Servers: `storyline.web.serve` in local mode over SQLite (WAL): "
        + "; ".join(f"{c.label} = {c.code} with {c.workers} worker process(es)" for c in servers)
        + (". wrk sends the local reader's cookies (and form-token seed): each page is the reader's own"
           " (their follows, reads recorded)" if args.reader
           else ". wrk sends no cookie, so it reads as a visitor (no read is recorded)"),
        f"- Load: `wrk -t{args.threads} -c{args.connections} -d{args.duration}s --timeout 30s --latency URL`"
        " (p95 from wrk's latency histogram via a Lua done hook), one page and one server at a time, each page"
        " on every server back to back; errors are failed connections, reads and writes and non-2xx/3xx answers;"
        " timeouts are requests unanswered after 30 s; load is the 1-minute load average before each run"
        " (other jobs share the CPUs)",
        f"- Command: `python benchmarks/web_load.py {' '.join(sys.argv[1:])}`",
        "",
        "| page | path | server | workers | p50 ms | p90 ms | p95 ms | p99 ms | requests/s | requests | errors "
        "| timeouts | load |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, path, config, load, r in rows:
        lines.append(f"| {label} | `{path}` | {config.label} | {config.workers} | {r['p50']:.1f} | {r['p90']:.1f} |"
                     f" {r['p95']:.1f} | {r['p99']:.1f} | {r['rps']:.0f} | {r['requests']} | {r['errors']} |"
                     f" {r['timeouts']} | {load:.1f} |")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
