"""Old name of :mod:`storyline.enrich.entities.lexicon`, kept so existing imports keep working."""

from storyline.enrich.entities.lexicon import Lexicon, fold, load_lexicon

__all__ = ["Lexicon", "fold", "load_lexicon"]
