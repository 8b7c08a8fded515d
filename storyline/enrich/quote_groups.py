"""Old name of :mod:`storyline.enrich.quotes.groups`, kept so existing imports keep working."""

from storyline.enrich.quotes.groups import MIN_OVERLAP, QuoteGroup, group_quotes, normalise

__all__ = ["MIN_OVERLAP", "QuoteGroup", "group_quotes", "normalise"]
