"""Chalice's local API Gateway emulation, answering unknown routes like production.

On AWS, API Gateway answers an unknown route itself; ``infra/`` maps that
gateway response (MISSING_AUTHENTICATION_TOKEN) to a 404 in the contract's
error shape. Chalice's emulation answers 403 with its own body, so the local
server and the tests use this subclass instead.
"""

from __future__ import annotations

import json
from typing import Any

from chalice.local import ForbiddenError, LocalGateway

from chalicelib.api.headers import SECURITY_HEADERS
from chalicelib.i18n import negotiate
from chalicelib.i18n.errors import message


class PortalLocalGateway(LocalGateway):
    def handle_request(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        try:
            return super().handle_request(method, path, headers, body)
        except ForbiddenError:
            language = negotiate(
                (headers or {}).get("accept-language") or (headers or {}).get("Accept-Language")
            )
            error = {
                "error": {
                    "code": "route_not_found",
                    "message": message("route_not_found", language),
                }
            }
            return {
                "statusCode": 404,
                "headers": {
                    "Content-Type": "application/json",
                    "Content-Language": language,
                    **SECURITY_HEADERS,
                },
                "multiValueHeaders": {},
                "body": json.dumps(error),
            }


def install() -> None:
    """Use the portal gateway in chalice's local server and test client."""
    import chalice.local
    import chalice.test

    chalice.local.LocalGateway = PortalLocalGateway  # type: ignore[misc]
    chalice.test.LocalGateway = PortalLocalGateway  # type: ignore[attr-defined]
    # http.server answers a method its handler has no do_<METHOD> for (TRACE,
    # QUERY, ...) with its own 501 HTML page; route every method through the
    # app instead, which answers 405 in the contract's error shape.
    chalice.local.ChaliceRequestHandler.__getattr__ = _any_method  # type: ignore[attr-defined]


def _any_method(handler: Any, name: str) -> Any:
    if name.startswith("do_"):
        return handler._generic_handle
    raise AttributeError(name)
