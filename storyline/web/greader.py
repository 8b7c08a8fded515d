"""The Google Reader API, the subset mobile reader apps use (as FreshRSS and Miniflux serve it).

Served at the root (``/accounts/ClientLogin``, ``/reader/api/0/…``) and again
under ``/api/greader.php`` for apps set up for FreshRSS.  What the streams and
subscriptions are: :mod:`storyline.web.greader_streams`; parameters, callers and
signing in: :mod:`storyline.web.greader_calls`.  Each handler is a module-level
function of the site, the request and the call's :class:`Params`.

Signing in: ``POST /accounts/ClientLogin`` with ``Email`` (the account name)
and ``Passwd``: the account's password (multi-user mode) or one of the
account's API tokens (both modes; in local mode, a token of the local reader,
with any name).  A password sign-in creates an API token named
``LOGIN_TOKEN_NAME`` and the time (the newest ``KEEP_LOGINS`` stay, each
revocable on the account page); a token sign-in hands back that token.  The answer's ``Auth``
goes in ``Authorization: GoogleLogin auth=…`` on every later call; like every
API token it is kept only as a SHA-256 hash.  Every write also needs the
action token ``T`` from ``/reader/api/0/token`` (a hash of the auth token).
Missing or wrong credentials give 401 with ``Google-Bad-Token: true``; too many
failed sign-ins for a name or an address give 429 with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response

from storyline.numbers import whole_number
from storyline.store.reader import ItemQuery, ItemScope
from storyline.web import greader_streams as streams
from storyline.web.greader_calls import (
    BAD_TOKEN,
    MAX_IDS,
    Caller,
    Params,
    ReaderError,
    action_token,
    caller,
    read_params,
    sign_in,
    writer,
)
from storyline.web.greader_streams import Stream, Subscription
from storyline.web.site import JSONResponse, Site, SiteDep

PREFIXES = ("", "/api/greader.php")
API = "/reader/api/0"
MAX_ITEMS = 1_000  # items per page of /stream/contents and /stream/items/contents
Handler = Callable[[Site, Request, Params], Response]


# -- streams and items ------------------------------------------------------------


def stream_for(site: Site, base: str, stream_id: str, params: Params, subs: list[Subscription]) -> Stream:
    """The stream ``stream_id`` narrowed by the marks the call includes (``it``) or excludes (``xt``)."""
    try:
        stream = streams.resolve(site.store, stream_id, subs, base)
    except streams.UnknownStream:
        raise ReaderError(400, f"Unknown stream: {stream_id}") from None
    for target, include in [(x, False) for x in params.all("xt")] + [(i, True) for i in params.all("it")]:
        target = streams.normalise(target)
        read = {streams.READ: include, streams.UNREAD: not include,
                streams.STATE + "unread": not include}.get(target)
        starred = include if target == streams.STARRED else None
        if (read is not None and stream.read not in (None, read)) or (
                starred is not None and stream.starred not in (None, starred)):
            return Stream(ItemScope())  # asks for items both with and without a mark: none
        stream.read = read if read is not None else stream.read
        stream.starred = starred if starred is not None else stream.starred
    return stream


def page(site: Site, base: str, who: Caller, stream_id: str, params: Params, most: int,
         subs: list[Subscription]) -> tuple[list[dict[str, Any]], int | None]:
    """One page of a stream's items (``n``, ``ot``, ``nt``, ``r``, continuation ``c``) and the next page's start."""
    stream = stream_for(site, base, stream_id, params, subs)
    since, until = params.number("ot", 0), params.number("nt", 0)
    after = params.get("c").strip()
    site.store.number_articles()
    found = site.store.list_items(who.user_id, ItemQuery(
        stream.scope, read=stream.read, starred=stream.starred,
        since=streams.iso(since) if since else None, until=streams.iso(until) if until else None,
        after=whole_number(after, max_digits=19),
        oldest_first=params.get("r") == "o", limit=params.number("n", 20, most=most)))
    return found.items, found.next_after


def items(site: Site, base: str, who: Caller, numbers: list[int], subs: list[Subscription],
          oldest_first: bool) -> list[dict[str, Any]]:
    """The items numbered ``numbers`` as the apps read them, each with the subscription it came from."""
    origins = {sub.target: sub for sub in subs if sub.kind == "feed"}
    other = next((sub for sub in subs if sub.kind == "other"), None)
    rows = site.store.reader_items(who.user_id, numbers, oldest_first=oldest_first)
    return [streams.item_json(row, origins.get(str(row.get("collection"))) or other, base) for row in rows]


def item_numbers(params: Params) -> list[int]:
    values = params.all("i")
    if not values:
        raise ReaderError(400, "Bad Request: no items (i) given")
    try:
        return [streams.parse_item_id(value) for value in values]
    except ValueError as exc:
        raise ReaderError(400, f"Bad Request: {exc}") from None


def stream_title(stream_id: str) -> str:
    stream_id = streams.normalise(stream_id)
    if stream_id.startswith(streams.LABEL):
        return stream_id[len(streams.LABEL):]
    return {streams.STARRED: "Starred", streams.READ: "Read"}.get(stream_id, "Reading list")


def contents_body(request: Request, base: str, stream_id: str, title: str,
                  listed: list[dict[str, Any]]) -> dict[str, Any]:
    moment = time.time()
    return {"direction": "ltr", "id": stream_id, "title": streams.plain(title),
            "self": [{"href": base + request.url.path + (f"?{request.url.query}" if request.url.query else "")}],
            "updated": int(moment), "updatedUsec": str(int(moment * 1_000_000)), "items": listed}


def output_json(params: Params) -> None:
    if params.get("output", "json") != "json":
        raise ReaderError(400, "Only JSON output is supported (output=json)")


# -- signing in -------------------------------------------------------------------


def client_login(site: Site, request: Request, params: Params) -> Response:
    name, secret = params.get("Email").strip(), params.get("Passwd")
    address = request.client.host if request.client else ""
    found = sign_in(site, name, secret, address) if name and secret else None
    if found is None:
        raise ReaderError(401, "Error=BadAuthentication", BAD_TOKEN)
    _, token = found
    if params.get("output") == "json":
        response: Response = JSONResponse({"SID": token, "LSID": token, "Auth": token})
    else:
        response = PlainTextResponse(f"SID={token}\nLSID={token}\nAuth={token}\n")
    response.headers["Cache-Control"] = "no-store"
    return response


def token(site: Site, request: Request, params: Params) -> Response:
    return PlainTextResponse(action_token(caller(site, request).token) + "\n", headers={"Cache-Control": "no-store"})


def user_info(site: Site, request: Request, params: Params) -> Response:
    who = caller(site, request)
    return JSONResponse({"userId": who.user_id, "userName": who.user["name"], "userProfileId": who.user_id,
                         "userEmail": ""})


# -- subscriptions ------------------------------------------------------------------


def tag_list(site: Site, request: Request, params: Params) -> Response:
    who = caller(site, request)
    output_json(params)
    labels = dict.fromkeys(sub.label for sub in streams.subscriptions(site.store, who.user_id, site.base(request)))
    tags = [{"id": streams.STARRED}] + [
        {"id": streams.LABEL + label, "label": label, "type": "folder"} for label in labels]
    return JSONResponse({"tags": tags})


def subscription_list(site: Site, request: Request, params: Params) -> Response:
    who = caller(site, request)
    output_json(params)
    return JSONResponse({"subscriptions": [
        {"id": sub.id, "title": streams.plain(sub.title), "categories": [
            {"id": streams.LABEL + sub.label, "label": sub.label}],
         "sortid": hashlib.sha1(sub.id.encode("utf-8")).hexdigest()[:8], "url": sub.url,
         "htmlUrl": sub.html_url, "iconUrl": ""}
        for sub in streams.subscriptions(site.store, who.user_id, site.base(request))]})


def unread_count(site: Site, request: Request, params: Params) -> Response:
    store = site.store
    who = caller(site, request)
    output_json(params)
    store.number_articles()
    subs = streams.subscriptions(store, who.user_id, site.base(request))
    by_collection = store.unread_by_collection(who.user_id)
    feeds = {sub.target for sub in subs if sub.kind == "feed"}
    counts: list[dict[str, Any]] = []

    def add(stream_id: str, count: int, newest: str | None) -> None:
        counts.append({"id": stream_id, "count": count, "newestItemTimestampUsec": str(streams.usec(newest))})

    for sub in subs:
        if sub.kind == "feed":
            add(sub.id, *by_collection.get(sub.target, (0, None)))
        elif sub.kind == "other":
            others = [value for key, value in by_collection.items() if key not in feeds]
            add(sub.id, sum(n for n, _ in others), max((t for _, t in others if t), default=None))
        else:
            add(sub.id, *store.count_unread(who.user_id, sub.scope))
    for label in dict.fromkeys(sub.label for sub in subs):
        scope = ItemScope()
        for sub in subs:
            scope = scope | sub.scope if sub.label == label else scope
        add(streams.LABEL + label, *store.count_unread(who.user_id, scope))
    total, newest = store.count_unread(who.user_id, ItemScope(everything=True))
    add(streams.READING_LIST, total, newest)
    return JSONResponse({"max": total, "unreadcounts": counts})


def subscription_edit(site: Site, request: Request, params: Params) -> Response:
    who = writer(site, request, params)
    action, titles = params.get("ac"), params.all("t")
    stream_ids = [streams.normalise(s) for s in params.all("s")]
    if action not in ("subscribe", "unsubscribe", "edit") or not stream_ids:
        raise ReaderError(400, "Bad Request: give s and ac (subscribe, unsubscribe or edit)")
    for index, stream_id in enumerate(stream_ids):
        title = (titles[index] if index < len(titles) else "").strip()[:200]
        edit_subscription(site, site.base(request), who, action, stream_id, title)
    return PlainTextResponse("OK")


def edit_subscription(site: Site, base: str, who: Caller, action: str, stream_id: str, title: str) -> None:
    """Subscribe to, unsubscribe from or rename one stream: a feed (administrators) or something followed."""
    store = site.store
    own = streams.own_stream(stream_id)
    if own is not None and own[0] != "other":
        kind, target = own
        if action == "subscribe":
            if streams.followed(store, kind, target, base) is None:
                raise ReaderError(400, f"storyline has no {kind} {target!r}")
            store.follow(who.user_id, kind, target)
        elif action == "unsubscribe":
            store.unfollow(who.user_id, kind, target)
            store.set_stream_title(who.user_id, stream_id, None)
            return
    elif stream_id.startswith(streams.FEED) and own is None:
        url = stream_id[len(streams.FEED):]
        if action == "subscribe":
            add_feed(site, who, url, title)
        elif action == "unsubscribe":
            if not who.user.get("is_admin"):
                raise ReaderError(403, "Only an administrator may remove feeds")
            if not store.remove_feed(url):
                raise ReaderError(400, f"Not subscribed: {url}")
            return
    elif action != "edit" or own is None:
        raise ReaderError(400, f"Cannot {action} {stream_id}")
    if title:
        store.set_stream_title(who.user_id, stream_id, title)


def add_feed(site: Site, who: Caller, url: str, title: str | None) -> None:
    if not who.user.get("is_admin"):
        raise ReaderError(403, "Only an administrator may add feeds")
    if not url.lower().startswith(("http://", "https://")) or len(url) > 2000 or any(c.isspace() for c in url):
        raise ReaderError(400, f"Not a feed address: {url}")
    site.store.add_feed(url, title or None)


def quick_add(site: Site, request: Request, params: Params) -> Response:
    who = writer(site, request, params)
    url = params.get("quickadd").strip()
    url = url[len(streams.FEED):] if url.startswith(streams.FEED) else url
    add_feed(site, who, url, None)
    feed = site.store.get_feed(url) or {}
    return JSONResponse({"numResults": 1, "query": url, "streamId": streams.FEED + url,
                         "streamName": streams.plain(feed.get("title") or url)})


# -- items --------------------------------------------------------------------------


def item_ids(site: Site, request: Request, params: Params) -> Response:
    who = caller(site, request)
    output_json(params)
    base = site.base(request)
    subs = streams.subscriptions(site.store, who.user_id, base)
    found, next_after = page(site, base, who, params.get("s", streams.READING_LIST), params, MAX_IDS, subs)
    body: dict[str, Any] = {"itemRefs": [
        {"id": str(row["number"]), "directStreamIds": [], "timestampUsec": str(streams.usec(row["arrived"]))}
        for row in found]}
    if next_after is not None:
        body["continuation"] = str(next_after)
    return JSONResponse(body)


def stream_contents(site: Site, request: Request, params: Params) -> Response:
    who = caller(site, request)
    output_json(params)
    base = site.base(request)
    stream_id = request.path_params.get("stream_id") or params.get("s") or streams.READING_LIST
    subs = streams.subscriptions(site.store, who.user_id, base)
    found, next_after = page(site, base, who, stream_id, params, MAX_ITEMS, subs)
    listed = items(site, base, who, [int(row["number"]) for row in found], subs, params.get("r") == "o")
    own = next((sub for sub in subs if sub.id == streams.normalise(stream_id)), None)
    body = contents_body(request, base, streams.normalise(stream_id),
                         own.title if own else stream_title(stream_id), listed)
    if next_after is not None:
        body["continuation"] = str(next_after)
    return JSONResponse(body)


def item_contents(site: Site, request: Request, params: Params) -> Response:
    who = caller(site, request)
    output_json(params)
    numbers = item_numbers(params)
    base = site.base(request)
    subs = streams.subscriptions(site.store, who.user_id, base)
    listed = items(site, base, who, numbers, subs, params.get("r") == "o")
    return JSONResponse(contents_body(request, base, streams.READING_LIST, "Reading list", listed))


def edit_tag(site: Site, request: Request, params: Params) -> Response:
    who = writer(site, request, params)
    marks: dict[str, bool] = {}
    for tags, adding in ((params.all("a"), True), (params.all("r"), False)):
        for tag in map(streams.normalise, tags):
            mark, value = {streams.READ: ("read", adding), streams.UNREAD: ("read", not adding),
                           streams.STARRED: ("starred", adding)}.get(tag, ("", adding))
            if not mark:
                continue  # labels on items, "like", "broadcast": not kept
            if marks.get(mark, value) != value:
                raise ReaderError(400, f"Bad Request: {mark} both added and removed")
            marks[mark] = value
    if not marks:
        raise ReaderError(400, "Bad Request: add or remove the read or starred state (a=, r=)")
    numbers = item_numbers(params)
    site.store.number_articles()
    site.store.mark_items(who.user_id, numbers, read=marks.get("read"), starred=marks.get("starred"))
    return PlainTextResponse("OK")


def mark_all_as_read(site: Site, request: Request, params: Params) -> Response:
    who = writer(site, request, params)
    stream_id = params.get("s", streams.READING_LIST)
    base = site.base(request)
    subs = streams.subscriptions(site.store, who.user_id, base)
    stream = stream_for(site, base, stream_id, params, subs)
    stamp = params.get("ts").strip()
    through = None
    if whole_number(stamp, max_digits=24) is not None:
        micro = int(stamp) // 1000 if len(stamp) >= 18 else int(stamp)  # nanoseconds or microseconds
        through = streams.iso(micro // 1_000_000)
    site.store.number_articles()
    if stream.read is not True:
        site.store.mark_scope_read(who.user_id, stream.scope, through=through, starred=stream.starred)
    return PlainTextResponse("OK")


# -- asked for by some apps, nothing to say -------------------------------------------


def preferences(site: Site, request: Request, params: Params) -> Response:
    caller(site, request)
    return JSONResponse({"prefs": []})


def stream_preferences(site: Site, request: Request, params: Params) -> Response:
    caller(site, request)
    return JSONResponse({"streamprefs": {}})


def not_implemented(site: Site, request: Request, params: Params) -> Response:
    caller(site, request)
    raise ReaderError(501, "Not Implemented")


# -- routing ----------------------------------------------------------------------

router = APIRouter(include_in_schema=False)


def route(path: str, methods: list[str], handler: Handler) -> None:
    """Serve ``handler`` at ``path`` under every prefix: its parameters read, run in a thread, its ReaderError said."""
    async def endpoint(site: SiteDep, request: Request) -> Response:
        try:
            params = await read_params(request)
            return await run_in_threadpool(handler, site, request, params)
        except ReaderError as exc:
            return PlainTextResponse(exc.message + "\n", exc.status, headers=exc.headers)

    for prefix in PREFIXES:
        router.add_api_route(prefix + path, endpoint, methods=methods, name=f"greader:{prefix}{path}")


route("/accounts/ClientLogin", ["POST"], client_login)
route(f"{API}/token", ["GET", "POST"], token)
route(f"{API}/user-info", ["GET"], user_info)
route(f"{API}/tag/list", ["GET"], tag_list)
route(f"{API}/subscription/list", ["GET"], subscription_list)
route(f"{API}/unread-count", ["GET"], unread_count)
route(f"{API}/subscription/edit", ["POST"], subscription_edit)
route(f"{API}/subscription/quickadd", ["POST"], quick_add)
route(f"{API}/stream/items/ids", ["GET"], item_ids)
route(f"{API}/stream/items/contents", ["GET", "POST"], item_contents)
route(f"{API}/stream/contents", ["GET"], stream_contents)
route(f"{API}/stream/contents/{{stream_id:path}}", ["GET"], stream_contents)
route(f"{API}/edit-tag", ["POST"], edit_tag)
route(f"{API}/mark-all-as-read", ["POST"], mark_all_as_read)
route(f"{API}/preference/list", ["GET"], preferences)
route(f"{API}/preference/stream/list", ["GET"], stream_preferences)
route(f"{API}/{{rest:path}}", ["GET", "POST"], not_implemented)


def greader_routes(site: Site) -> APIRouter:
    """The routes (module-level handlers that find the site through ``request.app.state.site``)."""
    return router
