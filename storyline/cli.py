"""The ``storyline`` command: thin wrappers over library functions."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from storyline import settings
from storyline.engines import Engine, EngineError
from storyline.export import article_record, jsonl_lines, story_record, storyline_record
from storyline.ingest import IngestOptions
from storyline.ingest.options import parse_allow_list
from storyline.pipeline import Outcome, Summary, enrich_stored, group, make_pipeline
from storyline.pipeline import ingest as run_pipeline
from storyline.store import Store, StoreError

if TYPE_CHECKING:
    from storyline.poller import RefreshConfig

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
feeds_app = typer.Typer(no_args_is_help=True, help="Subscribed feeds: add, list, remove, OPML import/export.")
export_app = typer.Typer(no_args_is_help=True, help="Write articles, stories or storylines as JSON Lines.")
app.add_typer(feeds_app, name="feeds")
app.add_typer(export_app, name="export")

console = Console(stderr=True)
out = Console(highlight=False, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="SQLite path or postgresql:// URL (default: $STORYLINE_DB or a per-user file)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
AllowOption = Annotated[
    list[str] | None,
    typer.Option("--allow-private", help="Host, IP or network that may be fetched although private (repeatable)."),
]


def open_store(db: str | None) -> Store:
    location = db or settings.get("STORYLINE_DB")
    try:
        return Store(location)
    except StoreError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def ingest_options(allow: list[str] | None) -> IngestOptions:
    options = IngestOptions.from_settings()
    if allow:
        extra = parse_allow_list(",".join(allow))
        options = IngestOptions(options.max_bytes, options.timeout, options.allow_private | extra, options.user_agent)
    return options


@contextmanager
def _quiet() -> Iterator[None]:
    yield


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def progress_bar(label: str, quiet: bool) -> Iterator[Callable[[Outcome], None]]:
    """A progress bar while the block runs; the block calls what it yields once per outcome."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} items"),
        TimeElapsedColumn(), console=console, disable=quiet or not console.is_terminal, transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)
        yield lambda _outcome: progress.advance(task)


def run_with_progress(outcomes: Iterable[Outcome], label: str, quiet: bool) -> Summary:
    """Drain a pipeline run, showing a progress bar, and return its summary."""
    summary = Summary()
    with progress_bar(label, quiet) as advance:
        for outcome in outcomes:
            summary.add(outcome)
            advance(outcome)
    return summary


def report(summary: Summary, as_json: bool) -> None:
    """Print the summary with every reason; exit 1 when anything was skipped, stored incomplete
    or failed for the whole run."""
    data = summary.to_dict()
    if as_json:
        print_json(data)
    else:
        enriched = f", enriched {data['enriched']}" if data["enriched"] else ""
        console.print(
            f"ingested {data['ingested']} (new {data['new']}, updated {data['updated']}, "
            f"duplicates {data['duplicates']}), unchanged {data['unchanged']}{enriched}, "
            f"skipped {len(data['skipped'])}"
        )
        for item in data["skipped"]:
            console.print(f"  [yellow]skipped[/yellow] {escape(item['source'])}: {escape(str(item['reason']))}")
        for item in data["incomplete"]:
            console.print(f"  [yellow]stored without enrichment[/yellow] {escape(item['source'])}: "
                          f"{escape(str(item['reason']))} (marked for retry)")
        for error in data["errors"]:
            console.print(f"  [red]error:[/red] {escape(error)}")
        if data.get("awaiting_enrichment"):
            console.print(f"{data['awaiting_enrichment']} stored articles await enrichment (storyline enrich)")
    if summary.failed:
        raise typer.Exit(1)


WorkersOption = Annotated[int | None, typer.Option(
    "--workers", min=0,
    help="Processes for cleaning and enrichment (0: one per CPU core; default: $STORYLINE_WORKERS or 0). "
         "Results are the same for any number.")]


@app.command()
def ingest(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders, globs, page or feed URLs, .jsonl, .warc(.gz).")],
    db: DbOption = None,
    as_json: JsonOption = False,
    allow_private: AllowOption = None,
    enrich: Annotated[bool, typer.Option(help="Find entities, quotes, time expressions and events.")] = True,
    stories: Annotated[bool, typer.Option(help="Group new articles into stories and storylines.")] = True,
    engine: Annotated[Engine, typer.Option(
        help="Where per-article work runs: local (this process) or ray (WARC/JSONL archives on a Ray "
             "cluster, resumable; needs the ray extra; RAY_ADDRESS names a cluster, else one is started).",
    )] = Engine.local,
    workers: WorkersOption = None,
) -> None:
    """Read articles from any kind of input, clean them, link duplicates and store them.

    Exits with status 1 when any input was skipped or stored without its enrichment (each
    with its reason); those are marked, and `storyline enrich` catches them up.
    """
    store = open_store(db)
    try:
        with progress_bar("ingesting", as_json) as advance:
            summary = run_pipeline(store, inputs, engine=engine, enrich=enrich, stories=stories,
                                   options=ingest_options(allow_private), workers=settings.worker_count(workers),
                                   notice=console.print, on_outcome=advance)
    except EngineError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    except StoreError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    report(summary, as_json)


@app.command("enrich")
def enrich_command(
    db: DbOption = None,
    as_json: JsonOption = False,
    stories: Annotated[bool, typer.Option(help="Group the enriched articles into stories and storylines.")] = True,
    retry_failed: Annotated[bool, typer.Option(
        "--retry-failed", help="Also articles whose enrichment already failed 3 times.")] = False,
    limit: Annotated[int | None, typer.Option(help="At most this many articles.", min=1)] = None,
    workers: WorkersOption = None,
) -> None:
    """Annotate and group stored articles that lack enrichment.

    Those are articles ingested with --no-enrich, and those whose enrichment failed
    (marked for retry).  Exits with status 1 when any failed again.
    """
    store = open_store(db)
    pipeline = make_pipeline(store, workers=settings.worker_count(workers))
    try:
        with progress_bar("enriching", as_json) as advance:
            summary = enrich_stored(store, pipeline=pipeline, stories=stories, retry_failed=retry_failed,
                                    limit=limit, on_outcome=advance)
    except StoreError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    finally:
        pipeline.close()
    report(summary, as_json)


def cluster_stories(store: Store, *, rebuild: bool = False, quiet: bool = False) -> dict[str, Any]:
    from storyline.stories.update import update_stories

    with console.status("grouping articles into stories", spinner="dots") if not quiet else _quiet():
        update = update_stories(store, rebuild=rebuild)
    return update.to_dict()


def _article_rows(store: Store, limit: int | None, duplicates: bool) -> Iterator[dict[str, Any]]:
    for article in store.iter_articles(limit=limit, include_duplicates=duplicates):
        yield article_record(article, with_body=False)


@app.command()
def articles(
    db: DbOption = None,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
    duplicates: Annotated[bool, typer.Option(help="Include articles that duplicate another.")] = True,
) -> None:
    """List stored articles, newest first."""
    store = open_store(db)
    rows = list(_article_rows(store, limit, duplicates))
    if as_json:
        print_json(rows)
        return
    table = Table("id", "published", "publisher", "title", "duplicate of")
    for row in rows:
        table.add_row(row["id"], row["published"] or "undated", row["publisher"] or "",
                      row["title"] or Path(row["source"]).name, row["duplicate_of"] or "")
    out.print(table)


@app.command()
def show(article_id: Annotated[str, typer.Argument(help="Article id or external id.")],
         db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one article: metadata, body, and what enrichment found in it."""
    store = open_store(db)
    article = store.get_article(article_id)
    if article is None:
        console.print(f"[red]error:[/red] no article {article_id!r}")
        raise typer.Exit(1)
    record = article_record(article)
    record["duplicates"] = store.duplicates_of(article.id)
    if as_json:
        print_json(record)
        return
    out.print(f"[bold]{article.title or '(untitled)'}[/bold]")
    out.print(f"id {article.id}   source {article.source}")
    out.print(f"publisher {article.publisher or 'unknown'}   via {article.via or '-'}   "
              f"published {article.published or 'undated'}   authors {', '.join(article.authors) or 'unknown'}")
    if article.duplicate_of:
        out.print(f"duplicate of {article.duplicate_of}")
    if record["duplicates"]:
        out.print(f"duplicates: {', '.join(record['duplicates'])}")
    out.print()
    out.print(escape(article.body))
    from storyline.render import print_annotations

    print_annotations(out, article)


@export_app.command("articles")
def export_articles(
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="Output format (jsonl).")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Write every article as one JSON object per line."""
    if fmt != "jsonl":
        console.print(f"[red]error:[/red] unknown format {fmt!r} (jsonl is supported)")
        raise typer.Exit(2)
    store = open_store(db)
    lines = jsonl_lines(article_record(a) for a in store.iter_articles(enrichment=True))
    if output is None:
        sys.stdout.writelines(lines)
    else:
        with output.open("w", encoding="utf-8") as handle:
            handle.writelines(lines)


@export_app.command("stories")
def export_stories(
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="Output format (jsonl).")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Write every story as one JSON object per line, newest developments first."""
    store = open_store(db)
    storylines = {s["id"]: s for s in store.list_storylines(limit=1_000_000)}
    records = (story_record(s, storylines.get(s.get("storyline_id") or "")) for s in store.list_stories(limit=1_000_000))
    _write_jsonl(fmt, records, output)


@export_app.command("storylines")
def export_storylines(
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="Output format (jsonl).")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Write every storyline as one JSON object per line."""
    store = open_store(db)
    _write_jsonl(fmt, (storyline_record(s) for s in store.list_storylines(limit=1_000_000)), output)


def _write_jsonl(fmt: str, records: Iterable[dict[str, Any]], output: Path | None) -> None:
    if fmt != "jsonl":
        console.print(f"[red]error:[/red] unknown format {fmt!r} (jsonl is supported)")
        raise typer.Exit(2)
    lines = jsonl_lines(records)
    if output is None:
        sys.stdout.writelines(lines)
    else:
        with output.open("w", encoding="utf-8") as handle:
            handle.writelines(lines)


@app.command("stories")
def list_stories(
    db: DbOption = None,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 30,
) -> None:
    """List stories, newest developments first."""
    store = open_store(db)
    stories = store.list_stories(limit=limit)
    if as_json:
        print_json([story_record(s, None) | {"storyline_id": s.get("storyline_id")} for s in stories])
        return
    table = Table("id", "last update", "articles", "title")
    for story in stories:
        table.add_row(story["id"], story.get("last_updated") or "undated", str(story.get("article_count", 0)),
                      story["title"])
    out.print(table)


@app.command("story")
def show_story(story_id: Annotated[str, typer.Argument(help="Story id (merged ids redirect).")],
               db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one story: summary, people, timeline, quotes by speaker, outlets."""
    store = open_store(db)
    story = store.get_story(story_id)
    if story is None:
        console.print(f"[red]error:[/red] no story {story_id!r}")
        raise typer.Exit(1)
    storyline = store.get_storyline(story["storyline_id"]) if story.get("storyline_id") else None
    record = story_record(story, storyline)
    if as_json:
        print_json(record)
        return
    from storyline.render import print_story

    print_story(out, story, storyline)


@app.command("storylines")
def list_storylines(db: DbOption = None, as_json: JsonOption = False,
                    limit: Annotated[int, typer.Option(help="At most this many.")] = 30) -> None:
    """List storylines: long-running threads of stories."""
    store = open_store(db)
    lines = store.list_storylines(limit=limit)
    if as_json:
        print_json([storyline_record(s) for s in lines])
        return
    table = Table("id", "from", "to", "stories", "title")
    for line in lines:
        table.add_row(line["id"], line.get("first_seen") or "?", line.get("last_updated") or "?",
                      str(len(line.get("stories", []))), line["title"])
    out.print(table)


@app.command()
def cluster(db: DbOption = None, as_json: JsonOption = False,
            rebuild: Annotated[bool, typer.Option(help="Forget all stories and cluster every article again.")] = False,
            ) -> None:
    """Group articles not yet in a story into stories and storylines."""
    store = open_store(db)
    result = cluster_stories(store, rebuild=rebuild, quiet=as_json)
    if as_json:
        print_json(result)
    else:
        console.print(f"clustered {result['articles']} articles; {result['stories_changed']} stories changed")


@feeds_app.command("add")
def feeds_add(url: str, db: DbOption = None) -> None:
    """Subscribe to a feed."""
    store = open_store(db)
    added = store.add_feed(url)
    console.print(f"added {url}" if added else f"already subscribed: {url}")


@feeds_app.command("remove")
def feeds_remove(url: str, db: DbOption = None) -> None:
    """Unsubscribe from a feed."""
    store = open_store(db)
    if not store.remove_feed(url):
        console.print(f"[red]error:[/red] not subscribed: {url}")
        raise typer.Exit(1)
    console.print(f"removed {url}")


@feeds_app.command("list")
def feeds_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List subscribed feeds with their health and schedule.

    "errors" counts consecutive errors; a stopped feed is not polled until it is resumed.
    """
    from storyline.refresh import feed_health
    from storyline.scheduler import describe_interval

    store = open_store(db)
    feeds = [feed_health(feed) for feed in store.list_feeds()]
    if as_json:
        print_json(feeds)
        return
    table = Table("url", "title", "last fetched", "next due", "interval", "status", "errors", "articles")
    for feed in feeds:
        due = f"stopped {feed['stopped_at']}" if feed["stopped"] else feed["next_due"] or "now"
        table.add_row(escape(feed["url"]), escape(feed["title"] or ""), feed["last_fetched"] or "never", due,
                      describe_interval(feed["interval_seconds"]),
                      escape(feed["last_error"] or feed["last_status"] or ""), str(feed["error_count"]),
                      str(feed["article_count"]))
    out.print(table)


@feeds_app.command("resume")
def feeds_resume(url: str, db: DbOption = None) -> None:
    """Poll a stopped feed again (at once, with its error count reset)."""
    store = open_store(db)
    if not store.resume_feed(url):
        console.print(f"[red]error:[/red] not subscribed: {escape(url)}")
        raise typer.Exit(1)
    console.print(f"resumed {escape(url)}")


@feeds_app.command("import")
def feeds_import(path: Path, db: DbOption = None) -> None:
    """Subscribe to every feed in an OPML file."""
    from storyline.ingest.opml import read_opml

    store = open_store(db)
    try:
        outlines = read_opml(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError) as exc:
        console.print(f"[red]error:[/red] cannot read OPML {path}: {exc}")
        raise typer.Exit(1) from exc
    added = sum(store.add_feed(o.url, o.title, o.site_url) for o in outlines)
    console.print(f"imported {len(outlines)} feeds ({added} new)")


@feeds_app.command("export")
def feeds_export(db: DbOption = None) -> None:
    """Write the subscriptions as OPML to stdout."""
    from storyline.ingest.opml import OutlineFeed, write_opml

    store = open_store(db)
    feeds = [OutlineFeed(f["url"], f["title"], f["site_url"]) for f in store.list_feeds()]
    sys.stdout.write(write_opml(feeds))


@app.command()
def refresh(
    db: DbOption = None,
    as_json: JsonOption = False,
    allow_private: AllowOption = None,
    due: Annotated[bool, typer.Option("--due", help="Only feeds whose next poll is due (to run from cron).")] = False,
    enrich: Annotated[bool, typer.Option(help="Find entities, quotes, time expressions and events.")] = True,
    stories: Annotated[bool, typer.Option(help="Group new articles into stories and storylines.")] = True,
) -> None:
    """Poll every subscribed feed once (conditional GET) and ingest new entries.

    Feeds and their entry pages are fetched as the background refresh of
    `storyline serve` fetches them: robots.txt respected, one request per host
    at a time.  Stopped feeds are left alone (`storyline feeds resume URL`).
    Exits with status 1 when anything was skipped.
    """
    from storyline.refresh import refresh_feeds

    store = open_store(db)
    options = ingest_options(allow_private)
    pipeline = make_pipeline(store, options, enrich=enrich)
    summary = run_with_progress(refresh_feeds(store, options, pipeline=pipeline, due_only=due),
                                "refreshing feeds", as_json)
    if stories and enrich:
        group(store, summary)
    summary.awaiting_enrichment = store.count_awaiting_enrichment()
    stopped = [feed["url"] for feed in store.list_feeds() if feed["stopped_at"]]
    if stopped and not as_json:
        console.print(f"{len(stopped)} stopped feeds not polled (storyline feeds list; storyline feeds resume URL)")
    report(summary, as_json)


EXAMPLES = Path(__file__).parent / "data" / "examples"


@app.command()
def demo(
    db: DbOption = None,
    serve: Annotated[bool, typer.Option(help="Start the web reader on 127.0.0.1 afterwards.")] = True,
    port: Annotated[int, typer.Option(help="Port for the web reader.")] = 8000,
) -> None:
    """Ingest the bundled example corpus, group it into stories, and open the reader."""
    store = open_store(db)
    console.print(f"database: {store.location}")
    with progress_bar("ingesting the example corpus", False) as advance:
        summary = run_pipeline(store, [str(EXAMPLES)], options=IngestOptions.from_settings(), on_outcome=advance)
    report_line = summary.to_dict()
    console.print(f"examples: {report_line['new']} new, {report_line['unchanged']} already there, "
                  f"{report_line['duplicates']} duplicates, {len(report_line['skipped'])} skipped")
    for line in store.list_storylines():
        out.print(f"\n[bold]Storyline:[/bold] {escape(line['title'])}  [dim]{line['id']}[/dim]")
        for story_id in line.get("stories", []):
            story = store.get_story(story_id)
            if story is None:
                continue
            out.print(f"  [bold]{escape(story['title'])}[/bold]  [dim]{story['id']} · "
                      f"{len(story.get('articles', []))} articles[/dim]")
            if story.get("summary"):
                out.print(f"    {escape(story['summary'][:300])}")
    out.print("\nTry: storyline stories · storyline story ID · storyline show ARTICLE_ID")
    if serve:
        start_server(store.location, "127.0.0.1", port)


@app.command("serve")
def serve_command(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    multi_user: Annotated[bool, typer.Option(help="Accounts, sign-in and API tokens instead of local mode.")] = False,
    background: Annotated[bool, typer.Option(
        "--refresh/--no-refresh",
        help="Poll subscribed feeds in the background (limits: the STORYLINE_REFRESH_* settings).")] = True,
    allow_private: AllowOption = None,
) -> None:
    """Start the web reader, REST API and feeds, and poll subscribed feeds in the background.

    Each feed is polled on its own schedule (adaptive interval, backoff after
    errors, stopped after repeated errors); see the Sources page.
    """
    from storyline.poller import RefreshConfig

    store = open_store(db)
    refresh_config = None
    if background:
        try:
            refresh_config = RefreshConfig.from_settings(ingest_options(allow_private))
        except ValueError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    start_server(store.location, host, port, multi_user=multi_user, refresh=refresh_config)


def start_server(location: str, host: str, port: int, *, multi_user: bool = False,
                 refresh: RefreshConfig | None = None) -> None:
    try:
        from storyline.web.app import serve as run_server
    except ImportError as exc:
        console.print(f"[yellow]the web reader needs the web extra:[/yellow] pip install 'storyline[web]' ({exc})")
        raise typer.Exit(1) from exc
    console.print(f"reader: http://{host}:{port}/  (Ctrl-C to stop)")
    if refresh is not None:
        console.print(f"refreshing feeds in the background: {refresh.workers} at a time,"
                      f" at most {refresh.per_host} requests per host (--no-refresh to turn off)")
    run_server(location, host=host, port=port, multi_user=multi_user, refresh=refresh)


def main() -> None:  # pragma: no cover - console entry point
    app()
