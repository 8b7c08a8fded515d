"""Load test of the web reader with wrk: top stories, story, storyline, article, person and search pages.

    python benchmarks/web_load.py [--duration 20] [--connections 50] [--stories 300]

Builds a database (the bundled examples through the real ingest pipeline with
enrichment and stories, as ``storyline ingest`` runs it, plus a synthetic corpus of
stories from ``storyline.web.sample`` when the store has too few stories), starts ``storyline.web.serve`` on 127.0.0.1 in a separate process
(one uvicorn worker), runs ``wrk`` against each page for a bounded time and
writes latency percentiles (p50/p90/p99), requests/s and errors to
``benchmarks/results/web.md``.

The server runs in local mode and wrk connects from the loopback interface, so
every story page view is also recorded as a read (one small write per request),
as it would be for the local reader.
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
from datetime import UTC, datetime
from pathlib import Path

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
    built = sorted(store.list_stories(limit=100000), key=lambda st: -len(st.articles))
    pages = [("top stories", "/")]
    if built:  # the examples' largest story, its storyline, an article of it and its first person
        story = built[0]
        pages.append(("story", f"/stories/{story.id}"))
        if story.storyline_id:
            pages.append(("storyline", f"/storylines/{story.storyline_id}"))
        pages.append(("article", f"/articles/{story.articles[0]}"))
        if story.people:
            pages.append(("person", f"/entities/{story.people[0]['id']}"))
    pages.append(("search", "/search?q=talks"))
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: str, port: int) -> subprocess.Popen[bytes]:
    code = f"from storyline.web import serve; serve({db!r}, port={port}, log_level='warning')"
    process = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
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


def run_wrk(url: str, connections: int, threads: int, duration: int) -> dict[str, str | float | int]:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M))
    errors = timeouts = 0
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        errors += sum(int(g) for g in match.groups()[:3])
        timeouts = int(match.group(4))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    return {
        "command": " ".join(command),
        "p50": _millis(percentiles["50"]), "p90": _millis(percentiles["90"]), "p99": _millis(percentiles["99"]),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds per page")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--stories", type=int, default=300, help="top up the store to this many stories")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "bench.db")
        note, pages = build_database(db, args.stories)
        port = free_port()
        server = start_server(db, port)
        base = f"http://127.0.0.1:{port}"
        try:
            top = httpx.get(f"{base}/index.json").json()["stories"]
            pages.insert(2, ("synthetic story", f"/stories/{top[len(top) // 2]['id']}"))
            for _label, path in pages:
                if (status := httpx.get(base + path, timeout=30).status_code) != 200:
                    raise SystemExit(f"{path} answered {status} before the load")
            rows = []
            for label, path in pages:
                result = run_wrk(base + path, args.connections, args.threads, args.duration)
                rows.append((label, path, result))
                print(f"{label:12} p50 {result['p50']:.1f} ms  p90 {result['p90']:.1f} ms  "
                      f"p99 {result['p99']:.1f} ms  {result['rps']:.0f} req/s  errors {result['errors']}  "
                      f"timeouts {result['timeouts']}")
        finally:
            server.terminate()
            server.wait(10)
    lines = [
        "# Web reader under load",
        "",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {machine()}",
        f"- Data: {note}",
        "- Server: `storyline.web.serve` (one uvicorn worker, local mode, SQLite in WAL mode);"
        " each story view also records a read for the local reader",
        f"- Load: `wrk -t{args.threads} -c{args.connections} -d{args.duration}s --timeout 30s --latency URL`,"
        " one page at a time; errors are failed connections, reads and writes and non-2xx/3xx answers;"
        " timeouts are requests unanswered after 30 s",
        f"- Load average of the machine before the run: {os.getloadavg()[0]:.2f} (other jobs share its CPUs)",
        f"- Command: `python benchmarks/web_load.py --duration {args.duration} --connections {args.connections}"
        f" --stories {args.stories}`",
        "",
        "| page | path | p50 ms | p90 ms | p99 ms | requests/s | requests | errors | timeouts |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, path, r in rows:
        lines.append(f"| {label} | `{path}` | {r['p50']:.1f} | {r['p90']:.1f} | {r['p99']:.1f} | {r['rps']:.0f} |"
                     f" {r['requests']} | {r['errors']} | {r['timeouts']} |")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
