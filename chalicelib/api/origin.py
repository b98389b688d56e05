"""Only CloudFront may call the API (contract v2, "Behind CloudFront").

With ``PORTAL_ORIGIN_SECRET`` set, every request except ``GET /health`` must carry
``X-Origin-Verify: <that secret>``; CloudFront adds it to every origin request
(``infra/cloudfront.py``), so a direct call to the API Gateway URL, which could also forge
the ``CloudFront-Viewer-*`` headers that give the client's address and place, is refused
with 403 ``forbidden``. ``/health`` stays open for probes; it reveals nothing.
"""

from __future__ import annotations

import hmac
from typing import Any

from chalice.app import Chalice, Request, Response

from chalicelib.api.endpoint import error_response
from chalicelib.config import settings
from chalicelib.i18n import negotiate

HEADER = "x-origin-verify"
OPEN_ROUTES = {("GET", "/health")}


def from_origin(request: Request, secret: str) -> bool:
    """Whether the request carries the origin secret (constant-time compare)."""
    sent = request.headers.get(HEADER) or ""
    return hmac.compare_digest(sent.encode(), secret.encode())


def refused(request: Request) -> Response | None:
    """The 403 answer for a request that did not come through CloudFront, else None."""
    secret = settings().origin_secret
    if not secret or (request.method, request.context.get("resourcePath")) in OPEN_ROUTES:
        return None
    if from_origin(request, secret):
        return None
    return error_response(403, "forbidden", negotiate(request.headers.get("accept-language")))


def install(app: Chalice) -> None:
    @app.middleware("http")
    def origin_check(request: Request, get_response: Any) -> Response:
        return refused(request) or get_response(request)
