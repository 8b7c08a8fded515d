"""Read the news as stories: ingest feeds, pages and archives, then browse stories, storylines and who said what.

Every command works on one database: a SQLite file (the default: $STORYLINE_DB or a per-user file) or a PostgreSQL URL, chosen with --db before or after the command name.
"""

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
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from storyline import __version__, settings
from storyline.accounts import signup_policy
from storyline.cli_help import plain_help
from storyline.cli_users import users_app
from storyline.engines import Engine, EngineError
from storyline.export import article_record, jsonl_lines, story_record, storyline_record
from storyline.ingest import IngestOptions
from storyline.ingest.count import count_items
from storyline.ingest.options import parse_allow_list
from storyline.pipeline import Outcome, Summary, enrich_stored, group, make_pipeline
from storyline.pipeline import ingest as run_pipeline
from storyline.pipeline.parallel import start_workers
from storyline.process import settle_heap
from storyline.store import Store, StoreError

if TYPE_CHECKING:
    from storyline.poller import RefreshConfig

EXAMPLES_HELP = """[bold]Examples[/bold]

  storyline demo                      [dim]# example articles, then the reader[/dim]
  storyline ingest ~/news feeds.opml  [dim]# files, folders, URLs, JSONL, WARC[/dim]
  storyline --db news.db stories
  storyline search "frozen assets" --from 2024-01-01 --json
  storyline feeds add https://example.org/rss.xml && storyline refresh
  storyline serve --port 8080

Run [bold]storyline COMMAND --help[/bold] for a command's options and examples."""

plain_help()
app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__, epilog=EXAMPLES_HELP,
                  rich_markup_mode="rich")
feeds_app = typer.Typer(no_args_is_help=True, help="Subscribed feeds: add, list, remove, OPML import/export.",
                        epilog="[bold]Examples[/bold]\n\n  storyline feeds add https://example.org/rss.xml\n"
                               "  storyline feeds import subscriptions.opml\n  storyline feeds list --json")
export_app = typer.Typer(no_args_is_help=True, help="Write articles, stories or storylines as JSON Lines.",
                         epilog="[bold]Examples[/bold]\n\n  storyline export stories > stories.jsonl\n"
                                "  storyline export articles -o articles.jsonl")
app.add_typer(feeds_app, name="feeds")
app.add_typer(export_app, name="export")
app.add_typer(users_app, name="users")

console = Console(stderr=True)
out = Console(highlight=False, soft_wrap=True)

class _Run:
    """What the global options and ``--json`` asked for in this run."""

    db: str | None = None
    json: bool = False


RUN = _Run()


def _remember_json(value: bool) -> bool:
    RUN.json = bool(value)
    return value


DbOption = Annotated[
    str | None,
    typer.Option("--db", metavar="DB",
                 help="SQLite path or postgresql:// URL (default: $STORYLINE_DB or a per-user file)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table (errors too).",
                                          callback=_remember_json, is_eager=True)]
AllowOption = Annotated[
    list[str] | None,
    typer.Option("--allow-private", help="Host, IP or network that may be fetched although private (repeatable)."),
]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Say what went wrong in plain words (a JSON object under ``--json``); raise the result."""
    if RUN.json:
        print_json({"error": message})
    else:
        console.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


def open_store(db: str | None) -> Store:
    """The database named by ``--db`` (here or before the command), checked before anything is created."""
    from storyline.store.location import LocationError, check_location

    explicit = db or RUN.db
    location = explicit or settings.get("STORYLINE_DB")
    try:
        check_location(location, create_parent=explicit is None)
        return Store(location)
    except (LocationError, StoreError) as exc:
        raise fail(str(exc).removeprefix("store: "), 2) from None


def _version(value: bool) -> None:
    if value:
        out.print(f"storyline {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    db: DbOption = None,
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.", callback=_version,
                                          is_eager=True)] = False,
) -> None:
    """Read the news as stories: ingest feeds, pages and archives, then browse stories, storylines and quotes."""
    RUN.db = db
    RUN.json = False


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
def progress_bar(label: str, quiet: bool, total: int | None = None) -> Iterator[Callable[[Outcome], None]]:
    """A progress bar while the block runs (with a total and time left when ``total`` items
    are expected); the block calls what it yields once per outcome."""
    counted = TextColumn("{task.completed}/{task.total} items" if total else "{task.completed} items")
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), counted, TimeElapsedColumn(),
        *([TextColumn("left"), TimeRemainingColumn()] if total else []),
        console=console, disable=quiet or not console.is_terminal, transient=True,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda _outcome: progress.advance(task)


def run_with_progress(outcomes: Iterable[Outcome], label: str, quiet: bool, total: int | None = None) -> Summary:
    """Drain a pipeline run, showing a progress bar, and return its summary."""
    summary = Summary()
    with progress_bar(label, quiet, total) as advance:
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
        for item in data["notes"]:
            for note in item["notes"]:
                console.print(f"  [cyan]note[/cyan] {escape(item['source'])}: {escape(note)}")
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
    count = settings.worker_count(workers)
    store = open_store(db)  # first: a store that cannot be opened stops the command before any worker starts
    # the workers start (a second or two: imports, the model) while this process reads its first batch
    pool = start_workers(count, enrich=enrich) if count > 1 and engine is Engine.local else None
    try:
        with progress_bar("ingesting", as_json, total=count_items(inputs)) as advance:
            summary = run_pipeline(store, inputs, engine=engine, enrich=enrich, stories=stories,
                                   options=ingest_options(allow_private), workers=count, pool=pool,
                                   notice=console.print, on_outcome=advance)
    except EngineError as exc:
        raise fail(str(exc), 2) from exc
    except StoreError as exc:
        raise fail(str(exc), 2) from exc
    finally:
        if pool is not None:  # the pipeline shut it down, unless it never took it over
            pool.shutdown(wait=True, cancel_futures=True)
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
    count = settings.worker_count(workers)
    store = open_store(db)  # first: a store that cannot be opened stops the command before any worker starts
    pool = start_workers(count, enrich=True) if count > 1 else None  # while the enricher loads its entities
    pipeline = None
    try:
        pipeline = make_pipeline(store, workers=count, pool=pool)
        with progress_bar("enriching", as_json) as advance:
            summary = enrich_stored(store, pipeline=pipeline, stories=stories, retry_failed=retry_failed,
                                    limit=limit, on_outcome=advance)
    except StoreError as exc:
        raise fail(str(exc), 2) from exc
    finally:
        if pipeline is not None:
            pipeline.close()
        if pool is not None:  # the pipeline shut it down, unless it never took it over
            pool.shutdown(wait=True, cancel_futures=True)
    report(summary, as_json)


def cluster_stories(store: Store, *, rebuild: bool = False, quiet: bool = False) -> dict[str, Any]:
    from storyline.stories.update import update_stories

    with console.status("grouping articles into stories", spinner="dots") if not quiet else _quiet():
        update = update_stories(store, rebuild=rebuild)
    return update.to_dict()


def finish_grouping(store: Store) -> None:
    """Rebuild the stories and storylines a killed grouping run left half done."""
    from storyline.stories.update import finish_interrupted

    with console.status("finishing an interrupted story grouping", spinner="dots"):
        repaired = finish_interrupted(store)
    if repaired:
        console.print(f"finished an interrupted story grouping: {repaired} stories rebuilt")


def _article_rows(store: Store, limit: int | None, duplicates: bool) -> Iterator[dict[str, Any]]:
    for article in store.iter_articles(limit=limit, include_duplicates=duplicates, enrichment=True):
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
        table.add_row(row["id"], row["published"] or "undated", escape(row["publisher"] or ""),
                      escape(row["headline"]), row["duplicate_of"] or "")
    out.print(table)


@app.command()
def show(article_id: Annotated[str, typer.Argument(help="Article id or external id.")],
         db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one article: metadata, body, and what enrichment found in it."""
    store = open_store(db)
    article = store.get_article(article_id)
    if article is None:
        raise fail(f"no article {article_id!r} (storyline articles lists them)")
    record = article_record(article)
    record["duplicates"] = store.duplicates_of(article.id)
    if as_json:
        print_json(record)
        return
    out.print(f"[bold]{escape(record['headline'])}[/bold]")
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
    _check_format(fmt)
    store = open_store(db)
    _write_jsonl((article_record(a) for a in store.iter_articles(enrichment=True)), output)


@export_app.command("stories")
def export_stories(
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="Output format (jsonl).")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Write every story as one JSON object per line, newest developments first."""
    _check_format(fmt)
    store = open_store(db)
    storylines = {s.id: s for s in store.list_storylines(limit=1_000_000)}
    _write_jsonl((story_record(s, storylines.get(s.storyline_id or "")) for s in store.list_stories(limit=1_000_000)),
                 output)


@export_app.command("storylines")
def export_storylines(
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="Output format (jsonl).")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Write every storyline as one JSON object per line."""
    _check_format(fmt)
    store = open_store(db)
    _write_jsonl((storyline_record(s) for s in store.list_storylines(limit=1_000_000)), output)


def _check_format(fmt: str) -> None:
    """Before anything is opened: only JSON Lines is written."""
    if fmt != "jsonl":
        raise fail(f"unknown format {fmt!r} (jsonl is supported)", 2)


def _write_jsonl(records: Iterable[dict[str, Any]], output: Path | None) -> None:
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
        lines = {line.id: line for line in store.list_storylines(limit=1_000_000)} if stories else {}
        print_json([story_record(s, lines.get(s.storyline_id or "")) for s in stories])
        return
    table = Table("id", "last update", "articles", "title")
    for story in stories:
        table.add_row(story.id, story.last_updated or "undated", str(story.article_count), escape(story.title))
    out.print(table)


@app.command("story")
def show_story(story_id: Annotated[str, typer.Argument(help="Story id (merged ids redirect).")],
               db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show one story: summary, people, timeline, quotes by speaker, outlets."""
    store = open_store(db)
    story = store.get_story(story_id)
    if story is None:
        raise fail(f"no story {story_id!r} (storyline stories lists them)")
    storyline = store.get_storyline(story.storyline_id) if story.storyline_id else None
    record = story_record(story, storyline)
    if as_json:
        print_json(record)
        return
    from storyline.render import print_story

    print_story(out, story.to_dict(), storyline.to_dict() if storyline else None)


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
        table.add_row(line.id, line.first_seen or "undated", line.last_updated or "undated", str(line.story_count),
                      escape(line.title))
    out.print(table)


def iso_date(value: str | None, option: str) -> str | None:
    """``value`` if it is a calendar date (YYYY-MM-DD), else a plain error naming ``option``."""
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise fail(f"{option} {value!r} is not a date; write it as YYYY-MM-DD", 2) from None


@app.command(epilog="""[bold]Examples[/bold]

  storyline search "frozen assets"
  storyline search sanctions --outlet Reuters --from 2024-01-01 --to 2024-06-30
  storyline search '"central bank" rate*' --json --limit 50 --offset 50""")
def search(
    query: Annotated[str, typer.Argument(metavar="QUERY",
                                         help='Words (all must match), "a phrase", or a prefix*.')] = "",
    person: Annotated[str | None, typer.Option(metavar="ID", help="Only articles naming this person or "
                                               "organisation (an entity id, as in the reader's addresses).")] = None,
    outlet: Annotated[str | None, typer.Option(metavar="NAME", help="Only articles from this outlet.")] = None,
    story: Annotated[str | None, typer.Option(metavar="ID", help="Only articles in this story.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", metavar="DATE",
                                                  help="Published on or after this day (YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", metavar="DATE",
                                                help="Published on or before this day (YYYY-MM-DD).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many articles.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many (the next page starts at offset+limit).")] = 0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Search articles by words and filters; matches are grouped by story, best first."""
    from storyline.search import MARK_END, MARK_START, SearchQuery, has_more
    from storyline.search import search as run_search

    asked = SearchQuery(q=query, person=person, outlet=outlet, story=story, date_from=iso_date(date_from, "--from"),
                        date_to=iso_date(date_to, "--to"), limit=limit, offset=offset)
    if asked.is_empty():
        raise fail("give words to search for, or a filter (--person, --outlet, --story, --from, --to)", 2)
    store = open_store(db)
    results = run_search(store, asked)
    if as_json:
        print_json(results.to_dict())
        return
    shown = sum(len(hit_group.hits) for hit_group in results.groups)
    for hit_group in results.groups:
        heading = escape(hit_group.title or "(untitled story)") if hit_group.story_id else "not in a story yet"
        out.print(f"\n[bold]{heading}[/bold]" + (f"  [dim]{hit_group.story_id}[/dim]" if hit_group.story_id else ""))
        for hit in hit_group.hits:
            snippet = escape(" ".join(hit.snippet.split())).replace(MARK_START, "[bold yellow]")
            out.print(f"  {escape(hit.headline)}  [dim]{hit.article_id} · "
                      f"{escape(hit.publisher or 'unknown outlet')} · {(hit.published or 'undated')[:10]}[/dim]")
            out.print(f"    {snippet.replace(MARK_END, '[/bold yellow]')}")
    first = offset + 1 if shown else 0
    more = f"; next page: --offset {offset + shown}" if has_more(
        offset + shown, shown, results.query.limit, results.total, results.total_exact) else ""
    total = f"{results.total}" if results.total_exact else f"{results.total:,}+"
    console.print(f"\n{first}-{offset + shown} of {total} matching articles{more}" if shown
                  else "no matching articles")


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


def feed_address(url: str) -> str:
    """``url`` if it can name a feed (http or https with a host), else the reason why not."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url.strip()):
        raise fail(f"not a feed address: {url!r} (a feed address starts with http:// or https:// and names a host)",
                   2)
    return url.strip()


@feeds_app.command("add", epilog="[bold]Examples[/bold]\n\n  storyline feeds add https://example.org/rss.xml")
def feeds_add(url: Annotated[str, typer.Argument(metavar="URL", help="The feed's http(s) address.")],
              db: DbOption = None,
              title: Annotated[str | None, typer.Option(help="A title to show until the feed names itself.")] = None,
              category: Annotated[str | None, typer.Option(metavar="FOLDER",
                                                           help='Folder to file it in, e.g. "News/World".')] = None,
              ) -> None:
    """Subscribe to a feed (polled by storyline refresh and storyline serve)."""
    url = feed_address(url)
    store = open_store(db)
    added = store.add_feed(url, title, category=category)
    console.print(f"added {escape(url)}" if added else f"already subscribed: {escape(url)}")


@feeds_app.command("remove")
def feeds_remove(url: str, db: DbOption = None) -> None:
    """Unsubscribe from a feed."""
    store = open_store(db)
    if not store.remove_feed(url):
        raise fail(f"not subscribed: {url}")
    console.print(f"removed {escape(url)}")


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
    table = Table("url", "title", "folder", "last fetched", "next due", "interval", "status", "errors", "articles")
    for feed in feeds:
        due = f"stopped {feed['stopped_at']}" if feed["stopped"] else feed["next_due"] or "now"
        table.add_row(escape(feed["url"]), escape(feed["title"] or ""), escape(feed.get("category") or ""),
                      feed["last_fetched"] or "never", due,
                      describe_interval(feed["interval_seconds"]),
                      escape(feed["last_error"] or feed["last_status"] or ""), str(feed["error_count"]),
                      str(feed["article_count"]))
    out.print(table)


@feeds_app.command("resume")
def feeds_resume(url: str, db: DbOption = None) -> None:
    """Poll a stopped feed again (at once, with its error count reset)."""
    store = open_store(db)
    if not store.resume_feed(url):
        raise fail(f"not subscribed: {url}")
    console.print(f"resumed {escape(url)}")


@feeds_app.command("import")
def feeds_import(path: Path, db: DbOption = None) -> None:
    """Subscribe to every feed in an OPML file."""
    from storyline.ingest.opml import read_opml

    store = open_store(db)
    try:
        outlines = read_opml(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError) as exc:
        raise fail(f"cannot read OPML {path}: {exc}") from exc
    feeds = [o for o in outlines if o.url.lower().startswith(("http://", "https://"))]
    added = sum(store.add_feed(o.url, o.title, o.site_url, o.category) for o in feeds)
    folders = len({o.category for o in feeds if o.category})
    console.print(f"imported {len(feeds)} feeds ({added} new) in {folders} folders"
                  + (f"; {len(outlines) - len(feeds)} not http(s) left out" if len(feeds) < len(outlines) else ""))


@feeds_app.command("export")
def feeds_export(db: DbOption = None) -> None:
    """Write the subscriptions as OPML to stdout."""
    from storyline.ingest.opml import OutlineFeed, write_opml

    store = open_store(db)
    feeds = [OutlineFeed(f["url"], f["title"], f["site_url"], f.get("category")) for f in store.list_feeds()]
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


@app.command("alerts")
def alerts_command(db: DbOption = None, as_json: JsonOption = False, allow_private: AllowOption = None) -> None:
    """Send alerts on developments once: queue new articles of alerted follows, deliver what is due.

    `storyline serve` does this in the background (STORYLINE_ALERT_INTERVAL); run this from cron
    otherwise.  Readers set up webhooks and alerts on their account and For you pages.
    """
    from storyline.alerts import run_alerts

    store = open_store(db)
    result = run_alerts(store, ingest_options(allow_private)).to_dict()
    if as_json:
        print_json(result)
        return
    console.print(f"queued {result['queued']}, delivered {result['delivered']}, retrying {result['retrying']}, "
                  f"failed {result['failed']}")
    for error in result["errors"]:
        console.print(f"  [yellow]error[/yellow] {escape(error)}")


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
        out.print(f"\n[bold]Storyline:[/bold] {escape(line.title)}  [dim]{line.id}[/dim]")
        for story_id in line.stories:
            story = store.get_story(story_id)
            if story is None:
                continue
            out.print(f"  [bold]{escape(story.title)}[/bold]  [dim]{story.id} · {story.article_count} articles[/dim]")
            if story.summary:
                out.print(f"    {escape(story.summary[:300])}")
    out.print("\nTry: storyline stories · storyline story ID · storyline show ARTICLE_ID")
    if serve:
        start_server(store.location, "127.0.0.1", port)


@app.command("serve")
def serve_command(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    multi_user: Annotated[bool, typer.Option(help="Accounts, sign-in and API tokens instead of local mode.")] = False,
    require_login: Annotated[bool, typer.Option(help="Multi-user mode: reading needs an account too.")] = False,
    background: Annotated[bool, typer.Option(
        "--refresh/--no-refresh",
        help="Poll subscribed feeds in the background (limits: the STORYLINE_REFRESH_* settings).")] = True,
    allow_private: AllowOption = None,
    workers: Annotated[int, typer.Option(
        min=1, help="Server processes answering on the port (one of them polls the feeds).")] = 1,
) -> None:
    """Start the web reader, REST API and feeds, and poll subscribed feeds in the background.

    Each feed is polled on its own schedule (adaptive interval, backoff after
    errors, stopped after repeated errors); see the Sources page.
    """
    from storyline.poller import RefreshConfig

    store = open_store(db)
    finish_grouping(store)
    refresh_config = None
    if background:
        try:
            refresh_config = RefreshConfig.from_settings(ingest_options(allow_private))
        except ValueError as exc:
            raise fail(str(exc), 2) from exc
    if require_login and not multi_user:
        raise fail("--require-login needs --multi-user (local mode has no accounts)", 2)
    try:
        signup_policy()
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    start_server(store.location, host, port, multi_user=multi_user, refresh=refresh_config,
                 require_login=require_login, workers=workers)


def start_server(location: str, host: str, port: int, *, multi_user: bool = False,
                 refresh: RefreshConfig | None = None, require_login: bool = False, workers: int = 1) -> None:
    try:
        from storyline.web.app import new_local_key
        from storyline.web.app import serve as run_server
    except ImportError as exc:
        console.print(f"[yellow]the web reader needs the web extra:[/yellow] pip install 'storyline[web]' ({exc})")
        raise typer.Exit(1) from exc
    local_key = None if multi_user else new_local_key()  # other users and processes here cannot write without it
    console.print(f"reader: http://{host}:{port}/" + (f"?token={local_key}" if local_key else "") + "  (Ctrl-C to stop)")
    if refresh is not None:
        console.print(f"refreshing feeds in the background: {refresh.workers} at a time,"
                      f" at most {refresh.per_host} requests per host (--no-refresh to turn off)")
    run_server(location, host=host, port=port, multi_user=multi_user, refresh=refresh, require_login=require_login,
               local_key=local_key, workers=workers)


COMMAND_EXAMPLES = {
    "ingest": ["storyline ingest ~/Downloads/articles/", "storyline ingest https://example.org/rss.xml",
               "storyline --db news.db ingest crawl.warc.gz --no-enrich", "storyline ingest export.jsonl --json"],
    "articles": ["storyline articles --limit 10", "storyline articles --no-duplicates --json"],
    "show": ["storyline show 06b312014549d64d", "storyline show 06b312014549d64d --json"],
    "stories": ["storyline stories", "storyline --db news.db stories --limit 5 --json"],
    "story": ["storyline story s972481437b0a1601", "storyline story s972481437b0a1601 --json"],
    "storylines": ["storyline storylines --json"],
    "cluster": ["storyline cluster", "storyline cluster --rebuild"],
    "refresh": ["storyline refresh", "storyline refresh --due    # from cron, every few minutes"],
    "demo": ["storyline demo", "storyline --db /tmp/demo.db demo --port 8080"],
    "serve": ["storyline serve", "storyline serve --host 0.0.0.0 --multi-user --port 8080"],
    "alerts": ["storyline alerts", "*/5 * * * * storyline alerts --json    # crontab"],
    "enrich": ["storyline enrich", "storyline enrich --limit 1000 --json"],
}


def _add_examples() -> None:
    """Each command's help ends with examples, as ``gh``'s does."""
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__ if info.callback else "")
        if name in COMMAND_EXAMPLES and not info.epilog:
            info.epilog = "[bold]Examples[/bold]\n\n" + "\n".join(f"  {line}" for line in COMMAND_EXAMPLES[name])


_add_examples()


def main() -> None:
    """The command line as the ``storyline`` program runs it (:func:`storyline.program.main`): a
    process of storyline's own, whose collector it settles (:mod:`storyline.process`); the app
    itself, called from other code, leaves it alone."""
    settle_heap()
    try:
        app()
    except settings.SettingError as exc:  # a broken setting stops the program with its name, not a traceback
        raise SystemExit(fail(str(exc), 2).exit_code) from None


if __name__ == "__main__":  # python -m storyline.cli
    main()
