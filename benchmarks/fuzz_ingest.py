"""Fuzz ``storyline ingest`` through the product path: does any input break the first rule?

    nice -n 19 .venv/bin/python benchmarks/fuzz_ingest.py --seed 1 --minutes 10 [--kinds jsonl,html] [--out DIR]
    nice -n 19 .venv/bin/python benchmarks/fuzz_ingest.py --replay DIR      # one kept batch again
    nice -n 19 .venv/bin/python benchmarks/fuzz_ingest.py --minimise DIR    # cut a failing batch down

Not a test: a search for inputs that break "fail soft per item, loud for the system".
Each batch is a handful of inputs of the kinds ``storyline ingest`` takes, made by
``benchmarks/fuzz_inputs.py`` from seeds it writes itself and then mutated: JSONL files,
HTML pages, plain-text dumps, RSS/Atom/RDF/JSON feed files, OPML lists, WARC archives
(written with warcio, then cut and corrupted), URLs, and "story" files (JSONL of one event
told 4 to 14 times, with odd dates, odd time expressions and copies, for the stories,
storylines and timelines built from them).  Feed entries, OPML lists and URL
inputs point at a server this script runs on 127.0.0.1 (``--allow-private 127.0.0.1``),
which answers with raw responses the generator wrote (broken framing and compression
included); nothing else is fetched.  Every batch also holds a good JSONL record and a good
HTML page (the controls) and, in most JSONL files, a good line among the odd ones.

A batch runs in a forked child (the parent has loaded spaCy; the child's CPU time is
measured with ``wait4``), through the real CLI in that process: ``typer.testing.CliRunner``
on ``storyline.cli.app``, ``ingest --json --db X --workers 1`` (one batch in ten with
``--workers 2``), with enrichment in 40 % of batches (``STORYLINE_ENRICH_TIMEOUT=5``) and
``--no-enrich`` in the others (80 % and 20 % when the batch holds a story file); then ``export articles``, ``export stories`` and
``export storylines``; then, through ``fastapi.testclient.TestClient`` on
``create_app(db)``, the front page, the feeds, a search, and the page, JSON twin and API
record of each stored article (up to 40), story, storyline and entity (up to 10 each).

A finding is one of:

* ``exception``: an exception escaped the CLI, or ``Traceback`` was printed;
* ``summary``: the output of ``--json`` is not one JSON object, or the exit code is not 0 or 1;
* ``control``: a control (a good record, line or page) is not stored with its text;
* ``unaccounted``: an input with no outcome at all, or a JSONL file whose non-blank lines are
  not each stored or skipped (lines replaced by a later line of the same id excepted);
* ``reasonless``: an item skipped or stored incomplete with an empty reason;
* ``contained``: a stage raised and the runner contained it (``clean failed: IndexError``,
  ``unexpected error while reading``, an ``enrich failed`` other than the budget, a
  grouping error): the first rule held, but an item lost for a bug;
* ``export``: an export that fails, or a line of it that is not one JSON object;
* ``web``: a page that answers 500 or raises;
* ``logged``: a warning storyline logged while ingesting (a failure the outcome may not name);
* ``slow``: a batch over 60 s of CPU; ``hang``: a batch killed at ``--timeout`` seconds of wall time.

Each finding has a signature (its kind, the exception's type and where it was raised in
``storyline/``); a batch with a finding is kept under ``--out`` with its inputs, its
manifest and what was found.  ``--minimise`` takes such a batch and removes inputs, then
lines, then byte ranges, for as long as the first finding's signature stays.
``--minutes`` is CPU time of the batches (user + system of the children), not wall time:
under ``nice -n 19`` on a busy machine, wall time is several times longer.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import re
import resource
import shutil
import signal
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuzz_inputs import KINDS, Input, Maker  # a script beside this one

SLOW_CPU = 60.0
WEB_LIMIT = 40
OWN_CODE = re.compile(r"storyline/[\w/]+\.py")
CONTAINED = re.compile(r"\b(?:failed|unexpected error[^:]*|unreadable feed|grouping skipped [^:]*): "
                       r"(?:[A-Za-z]+: )?([A-Z]\w*(?:Error|Exception|Exit|Interrupt)|[A-Z]\w*Warning)\b")


# -- the local server -------------------------------------------------------------------------

class _Raw(socketserver.StreamRequestHandler):
    """Answers GET /PATH with the file ROOT/PATH.http as it is (a whole raw response), else 404."""

    root = Path()

    def handle(self) -> None:
        try:
            request = self.rfile.readline(65536).decode("latin-1").split()
            while self.rfile.readline(65536).strip():
                pass
            path = request[1].split("?")[0].lstrip("/") if len(request) > 1 else ""
            file = (self.root / f"{path}.http").resolve() if path and ".." not in path else None
            if file is not None and file.is_file() and self.root in file.parents:
                self.wfile.write(file.read_bytes())
            else:
                self.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except OSError:
            pass


def serve(root: Path, port: int = 0) -> int:
    """Start the raw server on 127.0.0.1 (a thread of this process), on ``port`` if it is free; its port.

    A kept batch is replayed on the port it ran with: its feeds and OPML lists hold the
    served pages' addresses."""
    _Raw.root = root.resolve()
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    try:
        server = socketserver.ThreadingTCPServer(("127.0.0.1", port), _Raw)
    except OSError:
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Raw)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return int(server.server_address[1])


# -- making a batch ---------------------------------------------------------------------------

def make_batch(rng: random.Random, folder: Path, base: str, kinds: list[str], token: str) -> dict[str, Any]:
    """Write a batch's inputs under ``folder`` (``in/`` and ``served/``); its manifest."""
    maker = Maker(rng, base, token)
    chosen = [rng.choice(kinds) for _ in range(rng.randint(1, 5))]
    inputs: list[Input] = [KINDS[kind](maker) for kind in chosen]
    control_page, page_text = maker.control_html()
    control_line, control_id = maker.control_jsonl()
    for control in (control_page, control_line):
        inputs.insert(rng.randint(0, len(inputs)), control)
    enrich = rng.random() < (0.8 if "story" in chosen else 0.4)
    manifest = {
        "token": token,
        "enrich": enrich,
        "workers": 2 if rng.random() < 0.1 else 1,
        "inputs": [{"name": i.name, "kind": i.kind, "lines": i.lines, "url": i.url, "controls": i.controls}
                   for i in inputs],
        "control_page": {"name": control_page.name, "text": page_text},
        "control_ids": [control_id, *(c for i in inputs if i.kind == "jsonl" for c in i.controls)],
    }
    write_batch(folder, inputs, maker.served, manifest)
    return manifest


def write_batch(folder: Path, inputs: list[Input], served: dict[str, bytes], manifest: dict[str, Any]) -> None:
    (folder / "in").mkdir(parents=True, exist_ok=True)
    (folder / "served").mkdir(exist_ok=True)
    for item in inputs:
        if not item.url:
            (folder / "in" / item.name).write_bytes(item.data)
    for path, data in served.items():
        (folder / "served" / path).write_bytes(data)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))


# -- running a batch (in the child) -----------------------------------------------------------

def _where(tb: Any) -> str:
    """The innermost frame of storyline's own code in a traceback: ``path:function``."""
    frames = traceback.extract_tb(tb)
    own = [f for f in frames if OWN_CODE.search(f.filename.replace("\\", "/"))]
    frame = (own or frames or [None])[-1]
    if frame is None:
        return "?"
    found = OWN_CODE.search(frame.filename.replace("\\", "/"))
    return f"{found.group(0) if found else Path(frame.filename).name}:{frame.name}"


def _exception(kind: str, exc: BaseException, context: str) -> dict[str, Any]:
    return {"kind": kind, "signature": f"{kind}:{type(exc).__name__}@{_where(exc.__traceback__)}",
            "detail": context + ": " + "".join(traceback.format_exception(exc))[-4000:]}


def _finding(kind: str, key: str, detail: str) -> dict[str, Any]:
    return {"kind": kind, "signature": f"{kind}:{key}", "detail": detail[:4000]}


def _shape(message: str) -> str:
    """An exception's message without what varies with the input: its quoted values and numbers."""
    message = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message.strip(": "))
    return re.sub(r"\d+", "#", message)[:50]


class _Logged(logging.Handler):
    """Warnings storyline logged: something went wrong that the outcome may not say."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("storyline"):
            self.records.append(record)


def _belongs(source: str, path: str) -> bool:
    return source == path or source.startswith(path + "#")


def run_batch(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Ingest, export and browse one batch; what was found."""
    from typer.testing import CliRunner

    from storyline.cli import app

    findings: list[dict[str, Any]] = []
    db = str(folder / "s.db")
    paths = []
    for item in manifest["inputs"]:
        paths.append(item["name"] if item["url"] else str((folder / "in" / item["name"]).absolute()))
    args = ["ingest", "--db", db, "--json", "--enrich" if manifest["enrich"] else "--no-enrich",
            "--workers", str(manifest["workers"]), "--allow-private", "127.0.0.1", *paths]
    logged = _Logged()
    logging.getLogger().addHandler(logged)
    try:
        result = CliRunner().invoke(app, args)
    finally:
        logging.getLogger().removeHandler(logged)
    for record in logged.records:
        findings.append(_finding("logged", f"{record.name}:{_shape(record.getMessage())}", record.getMessage()))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        findings.append(_exception("exception", result.exception, "ingest"))
        return {"findings": findings}
    if "Traceback" in result.output:
        findings.append(_finding("exception", "printed", result.output[-4000:]))
    try:
        summary = json.loads(result.stdout)
        assert isinstance(summary, dict)
    except (ValueError, AssertionError):
        findings.append(_finding("summary", "not-json", result.stdout[-2000:]))
        return {"findings": findings}
    if result.exit_code not in (0, 1):
        findings.append(_finding("summary", f"exit-{result.exit_code}", result.stdout[-2000:]))
    for kind in ("skipped", "incomplete"):
        for item in summary.get(kind, []):
            reason = item.get("reason")
            if not isinstance(reason, str) or not reason.strip():
                findings.append(_finding("reasonless", kind, json.dumps(item)))
                continue
            found = CONTAINED.search(reason)
            if found and "OverBudget" not in reason:
                step = reason.split(":")[0].split(" failed")[0][:40]
                message = _shape(reason[found.end():])
                findings.append(_finding("contained", f"{step}:{found.group(1)}:{message}",
                                         f"{item['source']}: {reason}"))
    for error in summary.get("errors", []):
        found = CONTAINED.search(error)
        findings.append(_finding("contained", f"run:{found.group(1) if found else error[:40]}", error))

    exports: dict[str, list[dict[str, Any]]] = {}
    for kind in ("articles", "stories", "storylines"):
        try:
            exported = CliRunner().invoke(app, ["export", kind, "--db", db])
        except Exception as exc:
            findings.append(_exception("export", exc, kind))
            continue
        if exported.exception is not None and not isinstance(exported.exception, SystemExit):
            findings.append(_exception("export", exported.exception, kind))
            continue
        if exported.exit_code != 0:
            findings.append(_finding("export", f"{kind}-exit-{exported.exit_code}", exported.output[-2000:]))
        records = []
        for line in exported.stdout.splitlines():
            try:
                record = json.loads(line)
                assert isinstance(record, dict)
                records.append(record)
            except (ValueError, AssertionError):
                findings.append(_finding("export", f"{kind}-line", line[:500]))
                break
        exports[kind] = records
    articles = exports.get("articles", [])

    # controls: the good record, the good page and the good lines among odd ones
    by_external = {a.get("external_id"): a for a in articles}
    for ident in manifest["control_ids"]:
        if ident not in by_external or ident.removeprefix("control-") not in str(by_external[ident].get("body")):
            why = next((s["reason"] for s in summary.get("skipped", []) if ident in str(s)), "not stored")
            findings.append(_finding("control", "line", f"{ident}: {why}"))
    page = str((folder / "in" / manifest["control_page"]["name"]).absolute())
    if not any(a.get("source") == page and manifest["control_page"]["text"] in str(a.get("body")) for a in articles):
        why = next((s["reason"] for s in summary.get("skipped", []) if s["source"] == page), "not stored")
        findings.append(_finding("control", "page", f"{page}: {why}"))

    # every input has an outcome; every non-blank JSONL line is stored or skipped
    outcomes = sum(summary.get(k, 0) for k in ("new", "updated", "unchanged", "duplicates", "enriched"))
    outcomes += len(summary.get("skipped", []))
    if outcomes < len(paths):
        findings.append(_finding("unaccounted", "inputs", f"{outcomes} outcomes for {len(paths)} inputs"))
    slack = summary.get("updated", 0) + summary.get("unchanged", 0)
    sources = [a.get("source") or "" for a in articles] + [s["source"] for s in summary.get("skipped", [])]
    for item, path in zip(manifest["inputs"], paths, strict=True):
        if item["lines"] is None:
            continue
        seen = {int(s.rsplit("#L", 1)[1]) for s in sources if _belongs(s, path) and re.search(r"#L\d+$", s)}
        whole = any(s == path for s in sources)
        missing = item["lines"] - len(seen)
        if not whole and missing > slack:
            findings.append(_finding("unaccounted", "jsonl-lines", f"{path}: {item['lines']} lines, "
                                     f"outcomes for {sorted(seen)}; updated+unchanged {slack}"))
    findings += browse(db, articles, exports.get("stories", []), exports.get("storylines", []))
    return {"findings": findings, "summary": {k: summary.get(k) for k in ("new", "updated", "unchanged", "duplicates")},
            "skipped": Counter(s["reason"][:60] for s in summary.get("skipped", [])).most_common(),
            "articles": len(articles), "stories": len(exports.get("stories", []))}


def browse(db: str, articles: list[dict[str, Any]], stories: list[dict[str, Any]],
           storylines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every page a reader could open on this store; a 500 or an exception is a finding."""
    from fastapi.testclient import TestClient

    from storyline.web.app import create_app

    findings: list[dict[str, Any]] = []
    try:
        client = TestClient(create_app(db), base_url="http://127.0.0.1:8000", client=("127.0.0.1", 50000))
    except Exception as exc:
        return [_exception("web", exc, "create_app")]
    urls = ["/", "/index.json", "/feed.atom", "/feed.json", "/api/articles", "/api/stories", "/api/storylines"]
    for article in articles[:WEB_LIMIT]:
        aid = article["id"]
        urls += [f"/articles/{aid}", f"/articles/{aid}.json", f"/api/articles/{aid}"]
        words = re.findall(r"\w{4,40}", str(article.get("title") or ""))[:2]
        if words:
            urls.append(f"/search?{urlencode({'q': ' '.join(words)})}")
    for story in stories[:10]:
        sid = story["id"]
        urls += [f"/stories/{sid}", f"/stories/{sid}.json", f"/api/stories/{sid}", f"/stories/{sid}/feed.atom",
                 f"/stories/{sid}/feed.json"]
    for line in storylines[:10]:
        urls += [f"/storylines/{line['id']}", f"/storylines/{line['id']}.json", f"/storylines/{line['id']}/feed.atom"]
    entities = {e["id"] for a in articles for e in a.get("entities", [])}
    urls += [f"/entities/{e}" for e in sorted(entities)[:10]]
    for url in urls:
        try:
            response = client.get(url)
        except Exception as exc:
            findings.append(_exception("web", exc, url))
            continue
        if response.status_code >= 500:
            findings.append(_finding("web", f"{response.status_code}:{url.split('/')[1]}", f"{url}: {response.text[:500]}"))
        elif response.status_code == 200 and url.endswith(".json"):
            try:
                response.json()
            except ValueError:
                findings.append(_finding("web", f"json:{url.split('/')[1]}", url))
    return findings


# -- forking ------------------------------------------------------------------------------------

def execute(folder: Path, manifest: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run one batch in a forked child: what it found, its CPU seconds and wall seconds."""
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            os.setpgid(0, 0)
            outcome = run_batch(folder, manifest)
        except BaseException as exc:
            outcome = {"findings": [_exception("driver", exc, "run_batch")]}
            code = 3
        try:
            (folder / "result.json").write_text(json.dumps(outcome, default=str))
        finally:
            os._exit(code)
    hung = False
    usage: Any = None
    while True:
        done, _, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - started > timeout:
            hung = True
            for target in (-pid, pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(target, signal.SIGKILL)
            _, _, usage = os.wait4(pid, 0)
            break
        time.sleep(0.05)
    cpu = usage.ru_utime + usage.ru_stime if usage is not None else 0.0
    wall = time.monotonic() - started
    try:
        outcome = json.loads((folder / "result.json").read_text())
    except (OSError, ValueError):
        outcome = {"findings": []}
    if hung:
        outcome["findings"].append(_finding("hang", f"wall>{timeout:.0f}s", f"killed after {wall:.0f} s"))
    elif cpu > SLOW_CPU:
        outcome["findings"].append(_finding("slow", f"cpu>{SLOW_CPU:.0f}s", f"{cpu:.0f} s of CPU"))
    elif not (folder / "result.json").exists():
        outcome["findings"].append(_finding("driver", "no-result", "the child left no result"))
    outcome.update(cpu=round(cpu, 2), wall=round(wall, 2))
    return outcome


# -- minimising -----------------------------------------------------------------------------------

class Minimiser:
    """Cut a kept batch down while its first finding's signature stays."""

    def __init__(self, folder: Path, port: int, timeout: float, signature: str | None = None,
                 max_trials: int = 300) -> None:
        self.source = folder
        self.manifest = json.loads((folder / "manifest.json").read_text())
        result = json.loads((folder / "result.json").read_text())
        self.signature = signature or result["findings"][0]["signature"]
        self.work = folder.with_name(folder.name + "-min")
        shutil.rmtree(self.work, ignore_errors=True)
        shutil.copytree(folder, self.work)
        self.port = port
        self.timeout = timeout
        self.trials = 0
        self.max_trials = max_trials

    def fails(self, manifest: dict[str, Any], files: dict[str, bytes]) -> bool:
        trial = self.work.with_name(self.work.name + "-trial")
        shutil.rmtree(trial, ignore_errors=True)
        shutil.copytree(self.work, trial, ignore=shutil.ignore_patterns("s.db*", "result.json"))
        for name, data in files.items():
            (trial / "in" / name).write_bytes(data)
        manifest = {**manifest, "base": f"http://127.0.0.1:{self.port}/{trial.name}/served"}
        (trial / "manifest.json").write_text(json.dumps(manifest, indent=1))
        outcome = execute(trial, manifest, self.timeout)
        self.trials += 1
        found = any(f["signature"] == self.signature for f in outcome["findings"])
        shutil.rmtree(trial, ignore_errors=True)
        return found

    def run(self) -> Path:
        manifest = dict(self.manifest)
        print(f"minimising for {self.signature}", flush=True)
        # 1. inputs: drop each one that is not needed (the controls too, if the finding is not about them)
        index = 0
        while index < len(manifest["inputs"]):
            fewer = {**manifest, "inputs": manifest["inputs"][:index] + manifest["inputs"][index + 1:]}
            if self.fails(fewer, {}):
                manifest = fewer
            else:
                index += 1
        print(f"  inputs left: {[i['name'] for i in manifest['inputs']]}", flush=True)
        # 2. the content of each file left: lines, then byte ranges
        for item in manifest["inputs"]:
            if item["url"]:
                continue
            path = self.work / "in" / item["name"]
            data = path.read_bytes()
            for unit in ("lines", "bytes"):
                data = self.ddmin(manifest, item["name"], data, unit)
            path.write_bytes(data)
            print(f"  {item['name']}: {len(data)} bytes", flush=True)
        manifest["lines"] = None
        (self.work / "manifest.json").write_text(json.dumps(manifest, indent=1))
        print(f"done in {self.trials} trials: {self.work}", flush=True)
        return self.work

    def ddmin(self, manifest: dict[str, Any], name: str, data: bytes, unit: str) -> bytes:
        parts: list[bytes] = data.splitlines(keepends=True) if unit == "lines" else [data[i:i + 1] for i in range(len(data))]
        if unit == "bytes" and len(parts) > 4096:  # coarse first: chunks
            size = len(parts) // 512
            parts = [data[i:i + size] for i in range(0, len(data), size)]
        chunks = 2
        while len(parts) >= 2 and self.trials < self.max_trials:
            size = max(1, len(parts) // chunks)
            cut = False
            for start in range(0, len(parts), size):
                rest = parts[:start] + parts[start + size:]
                if rest and self.fails(manifest, {name: b"".join(rest)}):
                    parts = rest
                    chunks = max(chunks - 1, 2)
                    cut = True
                    break
            if not cut:
                if size == 1:
                    break
                chunks = min(len(parts), chunks * 2)
        return b"".join(parts)


# -- the loop -------------------------------------------------------------------------------------

def fuzz(args: argparse.Namespace, root: Path, port: int) -> dict[str, Any]:
    kinds = args.kinds.split(",")
    budget = args.minutes * 60
    cpu = 0.0
    batch = 0
    inputs: Counter[str] = Counter()
    signatures: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    log = (root / "findings.jsonl").open("a")
    while cpu < budget:
        batch += 1
        rng = random.Random(f"{args.seed}:{batch}")
        folder = root / f"b{args.seed}-{batch:05d}"
        base = f"http://127.0.0.1:{port}/{folder.name}/served"
        manifest = make_batch(rng, folder, base, kinds, f"s{args.seed}b{batch}")
        manifest["base"] = base
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1))
        inputs.update(i["kind"] for i in manifest["inputs"])
        outcome = execute(folder, manifest, args.timeout)
        cpu += outcome["cpu"]
        fresh = []
        for finding in outcome["findings"]:
            known = signatures.setdefault(finding["signature"], {"count": 0, "first": str(folder)})
            known["count"] += 1
            if known["count"] == 1:
                fresh.append(finding)
        if outcome["findings"]:
            log.write(json.dumps({"batch": str(folder), "cpu": outcome["cpu"],
                                  "findings": outcome["findings"]}, default=str) + "\n")
            log.flush()
        else:
            shutil.rmtree(folder, ignore_errors=True)
        kinds_here = ",".join(i["kind"] for i in manifest["inputs"] if i["kind"] != "control")
        print(f"batch {batch} [{kinds_here}] enrich={manifest['enrich']} workers={manifest['workers']} "
              f"cpu={outcome['cpu']:.1f}s wall={outcome['wall']:.1f}s total cpu={cpu / 60:.1f} min "
              f"findings={len(outcome['findings'])}"
              + "".join(f"\n  NEW {f['signature']}: {f['detail'][:300]}" for f in fresh), flush=True)
    return {"seed": args.seed, "kinds": kinds, "batches": batch, "inputs": dict(inputs),
            "inputs_total": sum(inputs.values()), "cpu_minutes": round(cpu / 60, 1),
            "wall_minutes": round((time.monotonic() - started) / 60, 1), "signatures": signatures}


def preload() -> None:
    """What every child would load anyway, loaded once before forking."""
    import storyline.cli
    import storyline.web.app  # noqa: F401
    from storyline.nlp import load_nlp

    load_nlp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--minutes", type=float, default=5.0, help="CPU minutes of batches to run")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    parser.add_argument("--out", default="/tmp/storyline-fuzz", help="where kept batches go")
    parser.add_argument("--timeout", type=float, default=900.0, help="wall seconds before a batch counts as hung")
    parser.add_argument("--replay", help="run one kept batch again and print what it finds")
    parser.add_argument("--minimise", help="cut a kept batch down to what keeps its first finding")
    parser.add_argument("--signature", help="with --minimise: the finding to keep (default: the first)")
    parser.add_argument("--max-trials", type=int, default=300, help="with --minimise: batches to run at most")
    args = parser.parse_args()
    os.environ["STORYLINE_ENRICH_TIMEOUT"] = "5"
    os.environ.setdefault("STORYLINE_DB", "/nonexistent/never-used.db")
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    root = Path(args.out).resolve()
    root.mkdir(parents=True, exist_ok=True)
    preload()
    socket.setdefaulttimeout(60)
    if args.replay or args.minimise:
        folder = Path(args.replay or args.minimise).resolve()
        if folder.parent != root:
            sys.exit(f"{folder} must be under --out {root} (the server serves from there)")
        kept = re.match(r"http://127\.0\.0\.1:(\d+)/", json.loads((folder / "manifest.json").read_text()).get("base", ""))
        port = serve(root, int(kept.group(1)) if kept else 0)
        if not kept or port != int(kept.group(1)):
            print(f"note: the batch's port is taken; its served addresses will not answer (port {port})")
        if args.minimise:
            Minimiser(folder, port, args.timeout, args.signature, args.max_trials).run()
            return
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["base"] = f"http://127.0.0.1:{port}/{folder.name}/served"
        (folder / "s.db").unlink(missing_ok=True)
        print(json.dumps(execute(folder, manifest, args.timeout), indent=1, default=str))
        return
    report = fuzz(args, root, serve(root))
    print(json.dumps(report, indent=1))
    (root / f"report-{args.seed}.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
