"""A browser's reading preferences, kept in a cookie: lead images on or off."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from storyline.web.site import IMAGES_COOKIE, SiteDep, local_path, redirect

router = APIRouter(include_in_schema=False)


@router.post("/prefs/images")
async def images(site: SiteDep, request: Request) -> Response:
    """Turn lead images off (``on=0``) or back on for this browser, then go back to the page."""
    form = await request.form()
    site.auth.check_origin(request)
    site.auth.check_csrf(request, site.viewer(request), form)
    response = redirect(local_path(str(form.get("next") or ""), "/"))
    if form.get("on") == "0":
        response.set_cookie(IMAGES_COOKIE, "off", max_age=400 * 86400, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")
    else:
        response.delete_cookie(IMAGES_COOKIE, path="/")
    return response
