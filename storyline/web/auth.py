"""Who is asking, and may they write?

* **Local mode** (the default): a browser on the loopback interface is the
  local reader, with every right; anyone else may only read.  With a
  ``local_key`` (``storyline serve`` makes one at each start and prints the
  address with ``?token=``), being on loopback is not enough: the browser must
  also hold the HttpOnly SameSite=Strict cookie that opening that address sets,
  so other processes and users of the machine cannot write (Jupyter's model).
* **Multi-user mode**: accounts with scrypt-hashed passwords, sessions in an
  HttpOnly SameSite=Lax cookie, API tokens sent as ``Authorization: Bearer``.

Session and API tokens are random (``secrets``) and stored as SHA-256 hashes.
Every write made with ambient credentials (a cookie, or being on loopback) must
carry a CSRF token: an HMAC of the session token — or, before signing in, of a
random per-browser seed cookie (HttpOnly, SameSite=Strict) — under a server
secret kept in the store.  The token is only ever written into the HTML forms
the server renders (never in a JSON answer), and a write whose ``Origin`` is
another site, or whose ``Sec-Fetch-Site`` says cross-site, is refused even with
a token.  Bearer-token requests carry no ambient credentials and need no CSRF
token.
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

from storyline.accounts import add_user, hash_password, new_token, token_hash, verify_password
from storyline.pipeline.state import WEB_SECRET_STATE
from storyline.store import Store
from storyline.web.throttle import Throttle

__all__ = ["Auth", "Throttled", "Viewer", "hash_password", "new_token", "token_hash", "verify_password"]

LOCAL_USER_ID = "local"
SESSION_COOKIE = "sl_session"
SEED_COOKIE = "sl_seed"
LOCAL_COOKIE = "sl_local"
LOCAL_TOKEN_PARAM = "token"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SECRET_STATE = WEB_SECRET_STATE  # every state key is named in storyline.pipeline.state
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


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


FEED_SUFFIXES = ("/feed.atom", "/feed.json")
OPEN_PATHS = frozenset({"/login", "/signup"})  # reachable without an account under require_login


class LoginRequired(HTTPException):
    """Reading needs an account here (``--require-login``): pages redirect to the sign-in form."""

    def __init__(self) -> None:
        super().__init__(401, "sign in to read this server", headers={"WWW-Authenticate": "Bearer"})


class Throttled(Exception):
    """Too many failed sign-ins for this account or address: try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins: try again in {retry_after} seconds")
        self.retry_after = retry_after


class Auth:
    """Who is asking, and may they write.

    ``signup`` is the sign-up policy in multi-user mode: ``closed`` (accounts come from
    ``storyline users add``), ``invite`` (a code from ``storyline users invite``) or ``open``.
    Nobody becomes an administrator by signing up; the first one is made with the CLI.
    ``require_login``: in multi-user mode, reading needs an account too.
    """

    def __init__(self, store: Store, *, multi_user: bool, session_days: int = 30, signup: str = "closed",
                 require_login: bool = False, throttle: Throttle | None = None, local_key: str | None = None) -> None:
        self.store = store
        self.multi_user = multi_user
        self.local_key = None if multi_user else local_key
        self.session_days = session_days
        self.signup = signup
        self.require_login = multi_user and require_login
        self.throttle = throttle or Throttle(10, 900)
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

    def feed_key(self, user_id: str) -> str:
        """A key that lets a feed reader fetch this user's feeds (``?key=``): read-only, never a session."""
        mac = hmac.new(self._secret, b"feed:" + user_id.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
        return f"{user_id}.{mac}"

    def _feed_key_user(self, key: str) -> dict[str, Any] | None:
        user_id, _, _mac = key.rpartition(".")
        if not user_id or not hmac.compare_digest(self.feed_key(user_id), key):
            return None
        return self.store.get_user(user_id)

    def viewer(self, request: Request) -> Viewer:
        authorization = request.headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            user = self.store.token_user(token_hash(authorization[7:].strip()))
            return Viewer(user, "token" if user else None, "")
        key = request.query_params.get("key")
        if key and request.method == "GET" and request.url.path.endswith(FEED_SUFFIXES):
            user = self._feed_key_user(key[:200])
            if user is not None:
                return Viewer(user, "feed key", "")  # no CSRF token: it cannot write
        session = request.cookies.get(SESSION_COOKIE)
        if session:
            user = self.store.session_user(token_hash(session))
            if user is not None:
                return Viewer(user, "session", self._csrf_for("session:" + session))
        csrf, new_seed = self._seeded(request)
        if not self.multi_user and is_loopback(request) and self._holds_local_cookie(request):
            return Viewer(self._local_user, "local", csrf, new_seed)
        return Viewer(None, None, csrf, new_seed)

    def _seeded(self, request: Request) -> tuple[str, str | None]:
        """The form token bound to the browser's seed cookie, and a new seed when it has none."""
        seed = request.cookies.get(SEED_COOKIE)
        new_seed = None
        if not seed or len(seed) > 100:
            seed = new_seed = new_token()
        return self._csrf_for("seed:" + seed), new_seed

    def visitor(self, request: Request) -> Viewer | None:
        """The viewer of a request that is certainly not signed in, found without the store; else None.

        None for anything that may be a reader (a bearer token, a session or local-reader
        cookie, the loopback browser trusted as the local reader, every request under
        ``require_login``): their pages are made for them.
        """
        cookies = request.cookies
        if (self.require_login or "authorization" in request.headers or SESSION_COOKIE in cookies
                or LOCAL_COOKIE in cookies or (not self.multi_user and self.local_key is None and is_loopback(request))):
            return None
        return Viewer(None, None, *self._seeded(request))

    # -- the local reader's key ------------------------------------------------

    def _local_cookie_value(self) -> str:
        return hmac.new(self._secret, b"local reader", hashlib.sha256).hexdigest()

    def _holds_local_cookie(self, request: Request) -> bool:
        if self.local_key is None:
            return True  # no key: the loopback interface is trusted as it is
        sent = request.cookies.get(LOCAL_COOKIE, "")
        return bool(sent) and hmac.compare_digest(sent, self._local_cookie_value())

    def local_key_matches(self, request: Request) -> bool:
        """Whether this loopback request carries the key ``storyline serve`` printed (``?token=``)."""
        sent = request.query_params.get(LOCAL_TOKEN_PARAM, "")
        return (self.local_key is not None and bool(sent) and is_loopback(request)
                and hmac.compare_digest(sent.encode("utf-8"), self.local_key.encode("utf-8")))

    def remember_local_reader(self, request: Request, response: Response) -> None:
        """The cookie that makes this browser the local reader; it outlives restarts (the secret is stored)."""
        response.set_cookie(LOCAL_COOKIE, self._local_cookie_value(), httponly=True, samesite="strict", path="/",
                            secure=request.url.scheme == "https", max_age=400 * 86400)

    def remember_seed(self, viewer: Viewer, request: Request, response: Response) -> None:
        if viewer.new_seed:
            response.set_cookie(SEED_COOKIE, viewer.new_seed, httponly=True, samesite="strict",
                                secure=request.url.scheme == "https", path="/")

    def reader(self, request: Request) -> None:
        """A route dependency: under ``require_login``, 401 (:class:`LoginRequired`) for anyone signed out."""
        if self.require_login and request.url.path not in OPEN_PATHS and self.viewer(request).user is None:
            raise LoginRequired()

    # -- writing ------------------------------------------------------------

    def check_origin(self, request: Request) -> None:
        """403 for a write a browser says comes from another site (``Origin``, ``Sec-Fetch-Site``)."""
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
            raise HTTPException(403, "cross-origin write refused")
        if request.headers.get("sec-fetch-site", "same-origin").lower() not in ("same-origin", "none"):
            raise HTTPException(403, "cross-site write refused")

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

    def has_accounts(self) -> bool:
        """Whether anyone can sign in yet (else the login page says how to make the first administrator)."""
        return self.store.count_users() > 0

    def may_sign_up(self) -> bool:
        return self.multi_user and self.signup in ("open", "invite") and self.has_accounts()

    def sign_up(self, name: str, password: str, invite: str | None = None) -> str:
        """A new (never administrator) account under the sign-up policy; ValueError says what is wrong."""
        if not self.may_sign_up():
            raise PermissionError("sign-up is closed on this server")
        if self.signup == "invite" and not (invite or "").strip():
            raise ValueError("signing up here needs an invite code")
        return add_user(self.store, name, password, invite=invite if self.signup == "invite" else None)

    def check_throttle(self, name: str, address: str) -> None:
        wait = self.throttle.retry_after(name, address)
        if wait:
            raise Throttled(wait)

    def password_user(self, name: str, password: str, address: str) -> dict[str, Any] | None:
        """The account for a name and password, None when they do not match; Throttled after too many failures.

        Every attempt costs one scrypt, found or not, so timing does not tell whether a name exists.
        """
        self.check_throttle(name, address)
        user = self.store.get_user_by_name(name)
        if user is None or not verify_password(password, user.get("password_hash")):
            verify_password(password, self._dummy_hash)  # the same cost either way
            self.throttle.failed(name, address)
            return None
        self.throttle.succeeded(name)
        return user

    def sign_in(self, name: str, password: str, request: Request, response: Response) -> bool:
        user = self.password_user(name, password, request.client.host if request.client else "")
        if user is None:
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
