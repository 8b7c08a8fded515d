"""The component protocol: what each annotator of an article is, in the manner of spaCy's.

A component has a ``name``, the fields it ``reads`` and the fields it ``adds``, and is called
with the parsed article (``doc``) and the :class:`~storyline.article.Article` it annotates.
:class:`~storyline.enrich.Enricher` runs a list of them in order, over one spaCy pass per
article; :func:`check_order` refuses a list in which a component reads what nobody added
before it (spaCy's ``analyze_pipes`` for ``requires`` and ``assigns``).

    @component("quotes", reads=("doc", "entities"), adds=("quotes",))
    def quotes(doc: Doc, article: Article) -> None:
        article.quotes = find_quotes(doc, article.entities)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from storyline.article import Article

# What every component may read without another adding it first.
GIVEN = frozenset({"doc", "body", "published"})

Annotate = Callable[["Doc", "Article"], None]


@dataclass(frozen=True, slots=True)
class Component:
    """One named annotator: ``run(doc, article)`` sets the fields named in ``adds``."""

    name: str
    reads: tuple[str, ...]
    adds: tuple[str, ...]
    run: Annotate

    def __call__(self, doc: Doc, article: Article) -> None:
        self.run(doc, article)


def component(name: str, *, reads: tuple[str, ...], adds: tuple[str, ...]) -> Callable[[Annotate], Component]:
    """Make a function ``(doc, article) -> None`` a :class:`Component`."""

    def make(run: Annotate) -> Component:
        return Component(name, reads, adds, run)

    return make


def check_order(components: Sequence[Component]) -> None:
    """Raise ``ValueError`` when a component reads a field that no earlier component adds,
    or when two components share a name."""
    available = set(GIVEN)
    names: set[str] = set()
    for part in components:
        if part.name in names:
            raise ValueError(f"two components are named {part.name!r}")
        names.add(part.name)
        missing = [field for field in part.reads if field not in available]
        if missing:
            raise ValueError(f"component {part.name!r} reads {', '.join(missing)}, which no component before it adds")
        available.update(part.adds)
