"""Readable terminal views of an article's annotations and of a story."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Console
from rich.markup import escape

from storyline.article import Article


def print_annotations(out: Console, article: Article) -> None:
    """Entities, quotes with speakers, time expressions and events, each with its place in the text."""
    people = [e for e in article.entities if e.type == "PERSON"]
    others = [e for e in article.entities if e.type != "PERSON"]
    if people:
        out.print("\n[bold]People[/bold]")
        for entity in people:
            role = ", ".join(filter(None, [entity.role, entity.affiliation]))
            aliases = ", ".join(a for a in entity.aliases if a != entity.name)
            out.print(f"  {escape(entity.name)}" + (f" ({escape(role)})" if role else "")
                      + (f"  [dim]also: {escape(aliases)}[/dim]" if aliases else "")
                      + f"  [dim]{len(entity.mentions)} mention{'' if len(entity.mentions) == 1 else 's'}[/dim]")
    if others:
        out.print("\n[bold]Organisations and places[/bold]")
        out.print("  " + "; ".join(f"{escape(e.name)} [dim]{e.type}[/dim]" for e in others))
    if article.quotes:
        out.print("\n[bold]Quotes[/bold]")
        for quote in article.quotes:
            speaker = quote.speaker_name or "unknown speaker"
            how = " ".join(filter(None, [quote.cue, f"({quote.medium})" if quote.medium else None]))
            kind = "reported" if quote.indirect else "quoted"
            out.print(f"  [cyan]{escape(speaker)}[/cyan] [dim]{kind}, {escape(how)}, chars "
                      f"{quote.start}-{quote.end}[/dim]\n    {_quoted(quote.text, quote.indirect)}")
    if article.times:
        out.print("\n[bold]Time expressions[/bold]")
        out.print("  " + "; ".join(f"{escape(t.text)} → {t.value or 'unresolved'}" for t in article.times))
    if article.events:
        out.print("\n[bold]Events[/bold]")
        for event in article.events:
            where = f" in {event.place}" if event.place else ""
            out.print(f"  {event.date or 'undated'}: {escape(event.what)}{escape(where)} "
                      f"[dim]({event.type}, {event.status}; chars {event.evidence[0]}-{event.evidence[1]})[/dim]")


def _quoted(text: str, indirect: bool) -> str:
    """Direct speech in quotation marks; reported speech without them, so it never reads as verbatim."""
    return escape(text) if indirect else f"“{escape(text)}”"


# what a timeline entry is when it did not (yet) happen as told (as the web reader labels it)
STATUS_LABELS = {"planned": "planned", "reported": "reportedly"}


def date_range(first: str | None, last: str | None) -> str:
    """"2025-12-08 to 2025-12-12", one day once, "undated" when no article is dated."""
    if not first and not last:
        return "undated"
    if not first or not last or first == last:
        return str(first or last)
    return f"{first} to {last}"


def print_story(out: Console, story: dict[str, Any], storyline: dict[str, Any] | None) -> None:
    out.print(f"[bold]{escape(story['title'])}[/bold]")
    out.print(f"[dim]{story['id']} · {len(story.get('articles', []))} articles · "
              f"{date_range(story.get('first_seen'), story.get('last_updated'))}[/dim]")
    if storyline:
        out.print(f"[dim]storyline: {escape(storyline['title'])} ({storyline['id']})[/dim]")
    if story.get("summary"):
        out.print(f"\n{escape(story['summary'])}")
    people = ", ".join(p["name"] for p in story.get("people", []))
    if people:
        out.print(f"\n[bold]People[/bold]  {escape(people)}")
    if story.get("timeline"):
        out.print("\n[bold]Timeline[/bold]")
        for entry in story["timeline"]:
            status = STATUS_LABELS.get(str(entry.get("status")))
            out.print(f"  {entry['date'] or 'undated':<10}  {escape(entry['text'])} "
                      + (f"[yellow]({status})[/yellow] " if status else "")
                      + f"[dim]({len(entry['articles'])} article{'s' if len(entry['articles']) != 1 else ''})[/dim]")
    if story.get("quotes"):
        out.print("\n[bold]Who said what[/bold]")
        by_speaker: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for quote in story["quotes"]:
            by_speaker[(quote["speaker"] or {}).get("name") or "unknown speaker"].append(quote)
        for speaker, quotes in by_speaker.items():
            out.print(f"  [cyan]{escape(speaker)}[/cyan]")
            for quote in quotes[:6]:
                sources = len(quote["articles"])
                indirect = bool(quote.get("indirect"))
                out.print(f"    {'[dim](reported)[/dim] ' if indirect else ''}{_quoted(' '.join(quote['text'].split()), indirect)}"
                          + (f" [dim]({sources} articles)[/dim]" if sources > 1 else ""))
    if story.get("outlets"):
        out.print("\n[bold]Outlets[/bold]  " + "; ".join(
            f"{escape(o['publisher'])} ({o['articles']})" for o in story["outlets"]))
