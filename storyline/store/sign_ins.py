"""Failed sign-ins, shared by every process serving the store (see :mod:`storyline.web.throttle`).

One row per failure and key (``account:NAME`` or ``address:IP``), with its time in seconds
since the epoch; rows older than the throttle's window are deleted as new ones come.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text

from storyline.store.base import StoreBase


class SignInQueries(StoreBase):
    def recent_sign_in_failures(self, keys: list[str], since: float) -> dict[str, list[float]]:
        """The times of each key's failures after ``since``, oldest first."""
        found: dict[str, list[float]] = {key: [] for key in keys}
        with self.transaction("read failed sign-ins") as conn:
            rows = conn.execute(
                text("SELECT key, at FROM sign_in_failures WHERE key IN :keys AND at > :since ORDER BY at")
                .bindparams(bindparam("keys", expanding=True)),
                {"keys": keys, "since": since},
            ).fetchall()
        for key, at in rows:
            found[str(key)].append(float(at))
        return found

    def record_sign_in_failure(self, keys: list[str], at: float, forget_before: float) -> None:
        """Add one failure for each key, and forget those keys' failures from before ``forget_before``."""
        with self.transaction("record a failed sign-in") as conn:
            conn.execute(
                text("DELETE FROM sign_in_failures WHERE key IN :keys AND at <= :before")
                .bindparams(bindparam("keys", expanding=True)),
                {"keys": keys, "before": forget_before},
            )
            conn.execute(text("INSERT INTO sign_in_failures (key, at) VALUES (:key, :at)"),
                         [{"key": key, "at": at} for key in keys])

    def clear_sign_in_failures(self, key: str) -> None:
        with self.transaction("clear failed sign-ins") as conn:
            conn.execute(text("DELETE FROM sign_in_failures WHERE key = :key"), {"key": key})
