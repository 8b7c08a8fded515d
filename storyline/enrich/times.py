"""Old name of :mod:`storyline.enrich.time`, kept so existing imports keep working."""

from storyline.enrich.time import RULES, add_times, find_times, parse_dct

__all__ = ["RULES", "add_times", "find_times", "parse_dct"]
