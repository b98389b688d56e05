"""The contract's error shape for errors Chalice produces itself (405, 415, ...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, Request, Response

from chalicelib.api.endpoint import error_response
from chalicelib.i18n import negotiate

CHALICE_ERROR_CODES = {
    400: "malformed_request",
    403: "forbidden",
    404: "route_not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def is_contract_error(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("error"), dict)


Handler = Callable[[Request], Response]  # the rest of the chain, for a middleware


def install(app: Chalice) -> None:
    @app.middleware("http")
    def contract_error_shape(
        request: Request, get_response: Callable[[Request], Response]
    ) -> Response:
        response = get_response(request)
        if response.status_code >= 400 and not is_contract_error(response.body):
            status = response.status_code
            language = negotiate(request.headers.get("accept-language"))
            extra = {"Allow": response.headers["Allow"]} if "Allow" in response.headers else None
            return error_response(
                status, CHALICE_ERROR_CODES.get(status, "internal_error"), language, headers=extra
            )
        return response
