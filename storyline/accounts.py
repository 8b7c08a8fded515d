"""Accounts without the web: passwords, names, invites, the sign-up policy.

The CLI (``storyline users``) and the web reader both use these; the store
keeps only hashes (scrypt for passwords, SHA-256 for random tokens and invite
codes).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

from storyline import settings
from storyline.store import Store

SIGNUP_POLICIES = ("closed", "invite", "open")
MIN_PASSWORD = 10
_NAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                                   p=int(p), dklen=len(digest) // 2)
    except ValueError:
        return False
    return hmac.compare_digest(candidate.hex(), digest)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError("a user name is 2–64 letters, digits, '-', '_' or '.'")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
    return password


def signup_policy() -> str:
    """``STORYLINE_SIGNUP``: closed, invite or open (anything else is an error, not a silent default)."""
    policy = settings.get("STORYLINE_SIGNUP").strip().lower()
    if policy not in SIGNUP_POLICIES:
        raise ValueError(f"STORYLINE_SIGNUP is {policy!r}: one of {', '.join(SIGNUP_POLICIES)}")
    return policy


def add_user(store: Store, name: str, password: str, *, admin: bool = False, invite: str | None = None) -> str:
    """A new account (ValueError for a bad or taken name, a short password or a bad invite code)."""
    check_name(name)
    check_password(password)
    if store.get_user_by_name(name) is not None:
        raise ValueError(f"the name {name!r} is taken")
    return store.create_user(name, hash_password(password), is_admin=admin,
                             invite_hash=token_hash(invite.strip()) if invite is not None else None)


def change_password(store: Store, name: str, password: str) -> None:
    """A new password for ``name``; the account's sessions end."""
    user = store.get_user_by_name(name)
    if user is None:
        raise ValueError(f"there is no user {name!r}")
    store.set_password(str(user["id"]), hash_password(check_password(password)))


def new_invite(store: Store, created_by: str | None = None, *, days: float = 7) -> str:
    """A single-use sign-up code, valid for ``days``; only its hash is stored."""
    code = secrets.token_urlsafe(12)
    expires = datetime.now(UTC) + timedelta(days=days)
    store.create_invite(token_hash(code), created_by, expires.isoformat(timespec="seconds"))
    return code
