"""Old name of :mod:`storyline.enrich.entities.registry`, kept so existing imports keep working."""

from storyline.enrich.entities.registry import CanonicalEntity, EntityRegistry, family, looks_like_name

__all__ = ["CanonicalEntity", "EntityRegistry", "family", "looks_like_name"]
