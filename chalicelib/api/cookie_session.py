"""The page's session cookie (docs/api.md, "The page").

The page keeps a person signed in across reloads and tabs without any script being
able to read the token: ``POST /auth/login`` sent by the page (it marks every request
with ``X-Portal-Page: 1``) answers the token in an ``HttpOnly; Secure; SameSite=Strict``
cookie instead of the body, and every authenticated route accepts that cookie when no
``Authorization: Bearer`` header is sent. Bearer-token clients are unchanged.

CSRF: a cookie-authenticated request that may change something (any method but GET and
HEAD) must carry ``X-Portal-Page: 1`` (another site cannot send a custom header without
a CORS preflight, which this API never grants) and, when the browser says where it
comes from (``Sec-Fetch-Site``, sent by every current browser), come from the same
origin; otherwise it is refused with 403 ``forbidden``. ``SameSite=Strict`` keeps the
cookie off cross-site requests in the first place.

A second cookie, ``__Host-portal_signed_in=1`` (readable by the page, no secret in it),
lives and dies with the session cookie: the page asks for the profile at load only when
it is there, so a first visit makes no call that would fail with 401.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalice.app import Chalice, Request, Response

from chalicelib.errors import Forbidden

# "__Host-": the browser keeps it only if Secure, Path=/ and no Domain (no subdomain or
# plain-http page can plant or shadow it). Browsers treat http://localhost and
# http://127.0.0.1 as secure, so the local stack uses the same name.
COOKIE = "__Host-portal_session"
SIGNED_IN_HINT = "__Host-portal_signed_in"
PAGE_HEADER = "x-portal-page"
_ATTRIBUTES = "Path=/; Secure; HttpOnly; SameSite=Strict"
_HINT_ATTRIBUTES = "Path=/; Secure; SameSite=Strict"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_COOKIE_HEADER = 8192


def from_page(request: Request) -> bool:
    """Whether the request was sent by the portal page (which wants the cookie session)."""
    return (request.headers.get(PAGE_HEADER) or "") == "1"


def cookie_token(request: Request) -> str | None:
    """The session cookie's value, if the request carries one."""
    header = request.headers.get("cookie") or ""
    if not header or len(header) > _MAX_COOKIE_HEADER:
        return None
    for pair in header.split(";"):
        name, _, value = pair.strip().partition("=")
        if name == COOKIE and value:
            return value
    return None


def token_of(request: Request) -> str | None:
    """The cookie's token for an authenticated route; 403 for a possible cross-site request."""
    token = cookie_token(request)
    if token is None or request.method in _SAFE_METHODS:
        return token
    site = request.headers.get("sec-fetch-site")
    if not from_page(request) or (site is not None and site != "same-origin"):
        raise Forbidden()
    return token


def set_cookie(token: str, expires_at: datetime, now: datetime) -> list[str]:
    """The Set-Cookie values that keep the session (and its hint) until it expires."""
    max_age = max(0, int((expires_at - now).total_seconds()))
    return [
        f"{COOKIE}={token}; Max-Age={max_age}; {_ATTRIBUTES}",
        f"{SIGNED_IN_HINT}=1; Max-Age={max_age}; {_HINT_ATTRIBUTES}",
    ]


def clear_cookie() -> list[str]:
    return [
        f"{COOKIE}=; Max-Age=0; {_ATTRIBUTES}",
        f"{SIGNED_IN_HINT}=; Max-Age=0; {_HINT_ATTRIBUTES}",
    ]


def ended_here(request: Request, response: Response) -> Response:
    """``response`` clearing the cookie when the request was authenticated by it."""
    if cookie_token(request) is not None and not request.headers.get("authorization"):
        response.headers["Set-Cookie"] = clear_cookie()
    return response


def install(app: Chalice) -> None:
    """A 401 ``unauthenticated`` to a cookie-carrying request also drops the dead cookie."""

    @app.middleware("http")
    def drop_dead_cookie(request: Request, get_response: Any) -> Response:
        response: Response = get_response(request)
        body = response.body
        if (
            response.status_code == 401
            and isinstance(body, dict)
            and (body.get("error") or {}).get("code") == "unauthenticated"
            and cookie_token(request) is not None
        ):
            response.headers.setdefault("Set-Cookie", clear_cookie())
        return response
