"""Accounts: users, sessions, API tokens and invites.

Passwords, sessions, tokens and invite codes are stored by hash only (the
caller hashes, see :mod:`storyline.web.auth`).  What belongs to a user goes
when the user goes.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import bindparam, text

from storyline.store.base import StoreBase, now
from storyline.store.reader import new_reader_stamp, stamp_reader


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result]


class AccountQueries(StoreBase):
    """Mixed into :class:`storyline.store.Store`."""

    # -- users ----------------------------------------------------------------

    def create_user(self, name: str, password_hash: str | None, *, is_admin: bool = False,
                    user_id: str | None = None, invite_hash: str | None = None) -> str:
        """A new account; with ``invite_hash``, the invite is used up in the same transaction.

        Raises ``ValueError`` when the invite is unknown, used or expired (nothing is written).
        """
        user_id = user_id or secrets.token_hex(8)
        with self.transaction(f"create user {name}") as conn:
            conn.execute(
                text("INSERT INTO users (id, name, password_hash, is_admin, created_at, reader_stamp)"
                     " VALUES (:id, :n, :p, :a, :t, :s)"),
                {"id": user_id, "n": name, "p": password_hash, "a": int(is_admin), "t": now(),
                 "s": new_reader_stamp()},
            )
            if invite_hash is not None:
                used = conn.execute(
                    text("UPDATE invites SET used_by = :u, used_at = :t"
                         " WHERE code_hash = :h AND used_at IS NULL AND expires_at > :t"),
                    {"u": user_id, "t": now(), "h": invite_hash})
                if not used.rowcount:  # the transaction rolls back: no user either
                    raise ValueError("that invite code is unknown, used or expired")
        return user_id

    def ensure_user(self, user_id: str, name: str, *, is_admin: bool = False) -> None:
        """Create a password-less user (the local reader) unless it exists."""
        with self.transaction(f"ensure user {name}") as conn:
            conn.execute(
                text("INSERT INTO users (id, name, password_hash, is_admin, created_at, reader_stamp)"
                     " VALUES (:id, :n, NULL, :a, :t, :s) ON CONFLICT (id) DO NOTHING"),
                {"id": user_id, "n": name, "a": int(is_admin), "t": now(), "s": new_reader_stamp()},
            )

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        with self.transaction(f"fetch user {user_id}") as conn:
            row = conn.execute(text("SELECT * FROM users WHERE id = :id"), {"id": user_id}).first()
        return dict(row._mapping) if row else None

    def get_user_by_name(self, name: str) -> dict[str, Any] | None:
        with self.transaction(f"fetch user {name}") as conn:
            row = conn.execute(text("SELECT * FROM users WHERE name = :n"), {"n": name}).first()
        return dict(row._mapping) if row else None

    def count_users(self, *, with_password: bool = True) -> int:
        sql = "SELECT COUNT(*) FROM users" + (" WHERE password_hash IS NOT NULL" if with_password else "")
        with self.transaction("count users") as conn:
            return int(conn.execute(text(sql)).scalar() or 0)

    def list_users(self) -> list[dict[str, Any]]:
        """Every account (never the password hash), oldest first."""
        with self.transaction("list users") as conn:
            return _rows(conn.execute(text(
                "SELECT u.id, u.name, u.is_admin, u.created_at, u.password_hash IS NOT NULL AS has_password,"
                " (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id) AS sessions,"
                " (SELECT COUNT(*) FROM api_tokens k WHERE k.user_id = u.id) AS tokens"
                " FROM users u ORDER BY u.created_at, u.name")))

    def delete_user(self, user_id: str) -> bool:
        """Remove an account; its sessions, tokens, follows, reads, marks and saved searches go with it
        (``ON DELETE CASCADE``, enforced on both databases)."""
        with self.transaction(f"remove user {user_id}") as conn:
            return bool(conn.execute(text("DELETE FROM users WHERE id = :u"), {"u": user_id}).rowcount)

    def set_password(self, user_id: str, password_hash: str) -> None:
        """A new password; every session of the account ends (API tokens stay)."""
        with self.transaction(f"change the password of {user_id}") as conn:
            conn.execute(text("UPDATE users SET password_hash = :p WHERE id = :u"), {"p": password_hash, "u": user_id})
            conn.execute(text("DELETE FROM sessions WHERE user_id = :u"), {"u": user_id})

    def set_admin(self, user_id: str, is_admin: bool) -> None:
        with self.transaction(f"change the role of {user_id}") as conn:
            conn.execute(text("UPDATE users SET is_admin = :a WHERE id = :u"), {"a": int(is_admin), "u": user_id})
            stamp_reader(conn, user_id)

    # -- sessions and tokens ---------------------------------------------------

    def create_session(self, user_id: str, token_hash: str, expires_at: str) -> None:
        with self.transaction(f"create a session for {user_id}") as conn:
            conn.execute(text("DELETE FROM sessions WHERE expires_at < :t"), {"t": now()})
            conn.execute(
                text("INSERT INTO sessions (token_hash, user_id, created_at, expires_at)"
                     " VALUES (:h, :u, :t, :e)"),
                {"h": token_hash, "u": user_id, "t": now(), "e": expires_at},
            )

    def session_user(self, token_hash: str) -> dict[str, Any] | None:
        """The user of a live session, or None when unknown or expired."""
        with self.transaction("look up a session") as conn:
            row = conn.execute(
                text("SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id"
                     " WHERE s.token_hash = :h AND s.expires_at > :t"),
                {"h": token_hash, "t": now()},
            ).first()
        return dict(row._mapping) if row else None

    def delete_session(self, token_hash: str) -> None:
        with self.transaction("end a session") as conn:
            conn.execute(text("DELETE FROM sessions WHERE token_hash = :h"), {"h": token_hash})

    def create_api_token(self, user_id: str, token_hash: str, name: str) -> str:
        token_id = secrets.token_hex(6)
        with self.transaction(f"create an API token for {user_id}") as conn:
            conn.execute(
                text("INSERT INTO api_tokens (id, token_hash, user_id, name, created_at)"
                     " VALUES (:id, :h, :u, :n, :t)"),
                {"id": token_id, "h": token_hash, "u": user_id, "n": name, "t": now()},
            )
        return token_id

    def token_user(self, token_hash: str) -> dict[str, Any] | None:
        with self.transaction("look up an API token") as conn:
            row = conn.execute(
                text("SELECT u.* FROM api_tokens k JOIN users u ON u.id = k.user_id WHERE k.token_hash = :h"),
                {"h": token_hash},
            ).first()
        return dict(row._mapping) if row else None

    def list_api_tokens(self, user_id: str) -> list[dict[str, Any]]:
        with self.transaction(f"list API tokens of {user_id}") as conn:
            return _rows(conn.execute(
                text("SELECT id, name, created_at FROM api_tokens WHERE user_id = :u ORDER BY created_at, name, id"),
                {"u": user_id}))

    def delete_api_token(self, user_id: str, token_id: str) -> bool:
        with self.transaction(f"revoke API token {token_id}") as conn:
            result = conn.execute(text("DELETE FROM api_tokens WHERE id = :id AND user_id = :u"),
                                  {"id": token_id, "u": user_id})
        return bool(result.rowcount)

    def prune_api_tokens(self, user_id: str, prefix: str, *, keep: int, spare: str) -> int:
        """Revoke all but the ``keep`` newest API tokens of a user whose name starts with ``prefix``
        (and ends in a sortable time); token ``spare`` stays.  How many were revoked."""
        with self.transaction(f"prune API tokens of {user_id}") as conn:
            ids = [row.id for row in conn.execute(
                text("SELECT id FROM api_tokens WHERE user_id = :u AND substr(name, 1, :length) = :prefix"
                     " AND id != :spare ORDER BY created_at DESC, name DESC, id"),
                {"u": user_id, "prefix": prefix, "length": len(prefix), "spare": spare})]
            stale = ids[max(keep - 1, 0):]
            if stale:
                conn.execute(text("DELETE FROM api_tokens WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)), {"ids": stale})
        return len(stale)

    # -- invites ----------------------------------------------------------------

    def create_invite(self, code_hash: str, created_by: str | None, expires_at: str) -> None:
        with self.transaction("create an invite") as conn:
            conn.execute(text("INSERT INTO invites (code_hash, created_by, created_at, expires_at)"
                              " VALUES (:h, :b, :t, :e)"),
                         {"h": code_hash, "b": created_by, "t": now(), "e": expires_at})

    def open_invites(self) -> int:
        """Invites neither used nor expired."""
        with self.transaction("count open invites") as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM invites WHERE used_at IS NULL AND expires_at > :t"),
                                    {"t": now()}).scalar() or 0)
