"""Headers on every API answer (docs/api.md "Contract v2 additions"), errors included."""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Chalice, Request, Response

# Answers carry tokens and personal data: no cache may keep them, and no browser may
# guess another content type than the one declared.
SECURITY_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


Handler = Callable[[Request], Response]  # the rest of the chain, for a middleware


def install(app: Chalice) -> None:
    @app.middleware("http")
    def security_headers(request: Request, get_response: Handler) -> Response:
        response = get_response(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
