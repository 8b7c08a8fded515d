"""Who is asking, and may they write?

* **Local mode** (the default): a browser on the loopback interface is the
  local reader, with every right; anyone else may only read.
* **Multi-user mode**: accounts with scrypt-hashed passwords, sessions in an
  HttpOnly SameSite=Lax cookie, API tokens sent as ``Authorization: Bearer``.

Session and API tokens are random (``secrets``) and stored as SHA-256 hashes.
Every write made with ambient credentials (a cookie, or being on loopback) must
carry a CSRF token: an HMAC of the session token — or, before signing in, of a
random per-browser seed cookie — under a server secret kept in the store.
Bearer-token requests carry no ambient credentials and need no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from storyline.store import Store

LOCAL_USER_ID = "local"
SESSION_COOKIE = "sl_session"
SEED_COOKIE = "sl_seed"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SECRET_STATE = "web_secret"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
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


def is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    return host in LOOPBACK or host.startswith("127.")


@dataclass(slots=True)
class Viewer:
    """The person behind one request."""

    user: dict[str, Any] | None
    via: str | None  # "local" | "session" | "token" | None
    csrf: str
    new_seed: str | None = None  # set on the response when the browser had none

    @property
    def user_id(self) -> str | None:
        return str(self.user["id"]) if self.user else None

    @property
    def is_admin(self) -> bool:
        return bool(self.user and self.user.get("is_admin"))

    def public(self) -> dict[str, Any] | None:
        if not self.user:
            return None
        return {"id": self.user["id"], "name": self.user["name"], "admin": self.is_admin}


class Auth:
    def __init__(self, store: Store, *, multi_user: bool, session_days: int = 30,
                 allow_signup: bool = False) -> None:
        self.store = store
        self.multi_user = multi_user
        self.session_days = session_days
        self.allow_signup = allow_signup
        secret = store.get_state(SECRET_STATE)
        if not secret:  # the first start; of servers starting at once, all keep the secret stored first
            secret = store.state_default(SECRET_STATE, secrets.token_hex(32))
        self._secret = bytes.fromhex(str(secret))
        if not multi_user:
            store.ensure_user(LOCAL_USER_ID, "local reader", is_admin=True)
        self._local_user = store.get_user(LOCAL_USER_ID)
        self._dummy_hash = hash_password(new_token())

    # -- identifying ------------------------------------------------------

    def _csrf_for(self, seed: str) -> str:
        return hmac.new(self._secret, b"csrf:" + seed.encode("utf-8"), hashlib.sha256).hexdigest()

    def viewer(self, request: Request) -> Viewer:
        authorization = request.headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            user = self.store.token_user(token_hash(authorization[7:].strip()))
            return Viewer(user, "token" if user else None, "")
        session = request.cookies.get(SESSION_COOKIE)
        if session:
            user = self.store.session_user(token_hash(session))
            if user is not None:
                return Viewer(user, "session", self._csrf_for("session:" + session))
        seed = request.cookies.get(SEED_COOKIE)
        new_seed = None
        if not seed or len(seed) > 100:
            seed = new_seed = new_token()
        csrf = self._csrf_for("seed:" + seed)
        if not self.multi_user and is_loopback(request):
            return Viewer(self._local_user, "local", csrf, new_seed)
        return Viewer(None, None, csrf, new_seed)

    def remember_seed(self, viewer: Viewer, request: Request, response: Response) -> None:
        if viewer.new_seed:
            response.set_cookie(SEED_COOKIE, viewer.new_seed, httponly=True, samesite="lax",
                                secure=request.url.scheme == "https", path="/")

    # -- writing ------------------------------------------------------------

    def check_origin(self, request: Request) -> None:
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
            raise HTTPException(403, "cross-origin write refused")

    def check_csrf(self, request: Request, viewer: Viewer, form: FormData | None) -> None:
        """403 unless the form field or ``X-CSRF-Token`` header carries this browser's token."""
        sent = request.headers.get(CSRF_HEADER) or (str(form.get(CSRF_FIELD) or "") if form else "")
        if not sent or not viewer.csrf or not hmac.compare_digest(sent, viewer.csrf):
            raise HTTPException(403, "missing or invalid CSRF token; reload the page and try again")

    def writer(self, request: Request, form: FormData | None = None, *, admin: bool = False) -> Viewer:
        """The viewer, if they may write; else 403 (bad or missing CSRF token) or 401."""
        viewer = self.viewer(request)
        if viewer.user is None:  # no one to write as: say so before asking for a CSRF token
            raise HTTPException(401, "sign in (or send an API token) to do this",
                                headers={"WWW-Authenticate": "Bearer"})
        bearer = request.headers.get("authorization", "")[:7].lower() == "bearer "
        if not bearer:
            self.check_origin(request)
            self.check_csrf(request, viewer, form)
        if admin and not viewer.is_admin:
            raise HTTPException(403, "only an administrator may do this")
        return viewer

    # -- accounts -----------------------------------------------------------

    def may_sign_up(self) -> bool:
        return self.multi_user and (self.allow_signup or self.store.count_users() == 0)

    def sign_up(self, name: str, password: str) -> str:
        if len(name) < 2 or len(name) > 64 or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise ValueError("a user name is 2–64 letters, digits, '-', '_' or '.'")
        if len(password) < 10:
            raise ValueError("a password has at least 10 characters")
        if self.store.get_user_by_name(name) is not None:
            raise ValueError("that name is taken")
        first = self.store.count_users() == 0
        return self.store.create_user(name, hash_password(password), is_admin=first)

    def sign_in(self, name: str, password: str, request: Request, response: Response) -> bool:
        user = self.store.get_user_by_name(name)
        if user is None or not verify_password(password, user.get("password_hash")):
            verify_password(password, self._dummy_hash)  # the same cost either way
            return False
        token = new_token()
        expires = datetime.now(UTC) + timedelta(days=self.session_days)
        self.store.create_session(str(user["id"]), token_hash(token), expires.isoformat(timespec="seconds"))
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                            secure=request.url.scheme == "https", max_age=self.session_days * 86400)
        return True

    def sign_out(self, request: Request, response: Response) -> None:
        session = request.cookies.get(SESSION_COOKIE)
        if session:
            self.store.delete_session(token_hash(session))
        response.delete_cookie(SESSION_COOKIE, path="/")

    def issue_api_token(self, user_id: str, name: str) -> str:
        """A new API token for ``user_id``; only its hash is kept, so show it once."""
        token = new_token()
        self.store.create_api_token(user_id, token_hash(token), name or "token")
        return token
