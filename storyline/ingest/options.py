"""The one options object every reader takes."""

from __future__ import annotations

from dataclasses import dataclass

from storyline import settings


def _default(name: str) -> str:
    return next(s.default for s in settings.SETTINGS if s.name == name)


def parse_allow_list(value: str) -> frozenset[str]:
    """``"127.0.0.1, intranet.example"`` -> ``{"127.0.0.1", "intranet.example"}``."""
    return frozenset(part.strip().lower() for part in value.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """Limits and manners shared by the file, archive and network readers.

    ``allow_private`` holds host names, IP addresses or networks (``10.0.0.0/8``)
    that may be fetched although they are private, loopback or otherwise not
    public addresses.
    """

    max_bytes: int = int(_default("STORYLINE_MAX_BYTES"))
    timeout: float = float(_default("STORYLINE_TIMEOUT"))
    allow_private: frozenset[str] = frozenset()
    user_agent: str = _default("STORYLINE_USER_AGENT")

    @classmethod
    def from_settings(cls) -> IngestOptions:
        return cls(
            max_bytes=settings.get_int("STORYLINE_MAX_BYTES"),
            timeout=settings.get_float("STORYLINE_TIMEOUT"),
            allow_private=parse_allow_list(settings.get("STORYLINE_ALLOW_PRIVATE")),
            user_agent=settings.get("STORYLINE_USER_AGENT"),
        )
