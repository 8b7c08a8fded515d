"""Who calls the Google Reader API and with what: parameters, auth and action tokens, signing in.

The protocol side of :mod:`storyline.web.greader`: a call's parameters (query string and
form body together), its caller (the ``GoogleLogin auth=`` token, kept only as a SHA-256
hash), the action token ``T`` every write needs, and ``ClientLogin``'s check of a name
and a password or API token, throttled per name and address.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request

from storyline.numbers import whole_number
from storyline.web.auth import Throttled, new_token, token_hash
from storyline.web.site import Site

LOGIN_TOKEN_NAME = "mobile app (Google Reader API)"
KEEP_LOGINS = 10
MAX_BODY = 1024 * 1024
MAX_IDS = 10_000  # items per page of /stream/items/ids
MAX_FIELDS = 2 * MAX_IDS  # parameters of one call
BAD_TOKEN = {"Google-Bad-Token": "true", "X-Reader-Google-Bad-Token": "true"}


class ReaderError(Exception):
    """Ends a call with a plain-text answer."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def unauthorized() -> ReaderError:
    return ReaderError(401, "Unauthorized!", {**BAD_TOKEN, "WWW-Authenticate": "GoogleLogin"})


def action_token(auth_token: str) -> str:
    """The ``T`` token that goes with an auth token (57 characters, like Google's)."""
    return hashlib.sha256(b"storyline reader action token:" + auth_token.encode("utf-8")).hexdigest()[:57]


class Params:
    """The query string and the form body of a call together; names may repeat."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get(self, name: str, default: str = "") -> str:
        return next((value for key, value in self.pairs if key == name), default)

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def number(self, name: str, default: int, *, most: int | None = None) -> int:
        value = self.get(name).strip()
        found = whole_number(value, max_digits=19) or default
        found = found if found > 0 else default
        return min(found, most) if most is not None else found


@dataclass(slots=True)
class Caller:
    user: dict[str, Any]
    token: str

    @property
    def user_id(self) -> str:
        return str(self.user["id"])


async def read_params(request: Request) -> Params:
    """The query string and, for a POST, the form body (at most ``MAX_BODY`` bytes) as one :class:`Params`."""
    pairs = list(request.query_params.multi_items())
    if request.method == "POST":
        body = await request.body()
        if len(body) > MAX_BODY:
            raise ReaderError(413, "Request too large")
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "multipart/form-data":
            form = await request.form(max_fields=MAX_FIELDS)
            pairs += [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
        elif kind in ("", "application/x-www-form-urlencoded", "text/plain"):
            try:
                pairs += parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True,
                                   max_num_fields=MAX_FIELDS)
            except ValueError:
                raise ReaderError(413, "Too many fields") from None
    return Params(pairs)


def caller_token(request: Request) -> str | None:
    """The token of ``Authorization: GoogleLogin auth=…``; None without one."""
    scheme, _, credentials = request.headers.get("authorization", "").strip().partition(" ")
    key, _, token = credentials.strip().partition("=")
    if scheme.lower() != "googlelogin" or key.strip().lower() != "auth" or not token.strip():
        return None
    return token.strip()


# -- who is calling -------------------------------------------------------------


def caller(site: Site, request: Request) -> Caller:
    """The account whose auth token the call carries; 401 (Google-Bad-Token) without a valid one."""
    token = caller_token(request)
    user = site.store.token_user(token_hash(token)) if token else None
    if token is None or user is None:
        raise unauthorized()
    return Caller(user, token)


def writer(site: Site, request: Request, params: Params) -> Caller:
    """The caller, when the call also carries the action token ``T`` that goes with its auth token; else 401."""
    who = caller(site, request)
    sent = params.get("T").strip()
    if not sent or not hmac.compare_digest(sent, action_token(who.token)):
        raise unauthorized()
    return who


def sign_in(site: Site, name: str, secret: str, address: str) -> tuple[dict[str, Any], str] | None:
    """The user and the auth token for a name and a password or API token; None when they do not match.

    Failures count against the name and the address (:class:`~storyline.web.throttle.Throttle`);
    past the limit, 429 before anything is checked.
    """
    store, auth = site.store, site.auth
    try:
        auth.check_throttle(name, address)
        user = store.token_user(token_hash(secret))
        if user is not None and (not auth.multi_user or name.casefold() in (
                str(user["name"]).casefold(), str(user["id"]).casefold())):
            return user, secret
        if not auth.multi_user:
            auth.throttle.failed(name, address)
            return None
        user = auth.password_user(name, secret, address)
    except Throttled as exc:
        raise ReaderError(429, "Error=TooManyAttempts", {"Retry-After": str(exc.retry_after)}) from None
    if user is None:
        return None
    token = new_token()
    label = f"{LOGIN_TOKEN_NAME} {datetime.now(UTC):%Y-%m-%d %H:%M:%S.%f}"  # sorts by time
    token_id = store.create_api_token(str(user["id"]), token_hash(token), label)
    store.prune_api_tokens(str(user["id"]), LOGIN_TOKEN_NAME, keep=KEEP_LOGINS, spare=token_id)
    return user, token
