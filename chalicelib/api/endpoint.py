"""One decorator for every route: authentication, request parsing, error shape.

A route is declared once, with what it takes and returns; the same declaration
validates requests and produces the OpenAPI document (``chalicelib.api.openapi``),
so the spec cannot drift from the code::

    @endpoint(bp, "/profile", "PUT", summary="Save the profile",
              body=schema("profile.ProfileUpdate"), response=schema("profile.Profile"),
              errors=(409, 422))
    def save_profile(call: Call, body: ProfileUpdate) -> Profile: ...

Models are named, not imported (``api/schema_ref.py``): pydantic is loaded by
the first request that validates, not by every cold start. A response is a
``TypedDict`` of ``chalicelib.schemas`` (the view returns it as a plain dict);
with ``PORTAL_VALIDATE_RESPONSES`` on (tests, the local stack) every answer is
checked against it, so an answer that drifts from ``/openapi.json`` fails.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Chalice, Request, Response

from chalicelib.api import cookie_session
from chalicelib.api.schema_ref import Model, check_response, load
from chalicelib.caller import Call as Call
from chalicelib.caller import Caller as Caller
from chalicelib.config import settings
from chalicelib.errors import (
    DEPENDENCY_FAILURES,
    BadRequest,
    PayloadTooLarge,
    PortalError,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)
from chalicelib.i18n import negotiate
from chalicelib.i18n.errors import message

if TYPE_CHECKING:
    from pydantic import BaseModel

log = logging.getLogger("portal.api")

# Pydantic error types that mean "this field's value is not acceptable" (422),
# mapped to the contract's stable reason codes. Every other built-in type error
# means the request itself is malformed (wrong JSON types: 400).
_REASONS = {
    "missing": "required",
    "literal_error": "invalid_choice",
    "enum": "invalid_choice",
    "string_too_long": "too_long",
    "string_too_short": "required",
    "too_long": "too_long",
    "too_short": "too_short",
    "string_pattern_mismatch": "invalid_format",
    "greater_than": "out_of_range",
    "greater_than_equal": "out_of_range",
    "less_than": "out_of_range",
    "less_than_equal": "out_of_range",
    "value_error": "invalid",
}


@dataclass(frozen=True)
class RouteDoc:
    """What the OpenAPI document says about one operation."""

    summary: str
    tags: tuple[str, ...]
    auth: bool
    status: int
    body: Model | None  # a SchemaRef or a model class: load() gives the class
    response: Model | None
    query: Model | None
    errors: tuple[int, ...]
    produces: str
    consumes: tuple[str, ...] = field(default=("application/json",))
    description: str = ""


# The authenticator is installed by the sessions service at import of the app;
# kept as a hook so this module does not import DynamoDB code.
Authenticator = Callable[[str | None, Call], Caller]
_authenticator: list[Authenticator] = []


def set_authenticator(authenticate: Authenticator) -> None:
    _authenticator[:] = [authenticate]


def error_response(
    status: int,
    code: str,
    language: str,
    *,
    fields: dict[str, str] | None = None,
    headers: Mapping[str, str | list[str]] | None = None,
    params: dict[str, object] | None = None,
) -> Response:
    text = message(code, language)
    if params:
        text = text.format(**params)
    error: dict[str, Any] = {"code": code, "message": text}
    if fields is not None:
        error["fields"] = fields
    return Response(
        body={"error": error},
        status_code=status,
        headers={
            "Content-Type": "application/json",
            "Content-Language": language,
            **(headers or {}),
        },
    )


def _parse_model(declared: Model, data: Any) -> BaseModel:
    model = load(declared)
    from pydantic import ValidationError  # already loaded with the model

    try:
        parsed: BaseModel = model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for err in exc.errors():
            loc = err.get("loc") or ()
            name = str(loc[0]) if loc else "body"
            kind = err["type"]
            reason = _REASONS.get(kind)
            if reason is None and (kind.endswith(("_type", "_parsing")) or kind == "json_invalid"):
                raise BadRequest(fields={name: kind}) from None
            fields.setdefault(name, reason or kind)
        raise ValidationFailed(fields) from None
    return parsed


# Every JSON body of the API is a few hundred bytes; parsing megabytes would only
# cost Lambda time and memory (binary uploads are not parsed here).
MAX_JSON_BODY_BYTES = 64 * 1024


def _parse_body(request: Request, model: Model) -> BaseModel:
    raw = request.raw_body or b""
    if len(raw) > MAX_JSON_BODY_BYTES:
        raise PayloadTooLarge()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("invalid_json") from None
    if not isinstance(data, dict):
        raise BadRequest()
    return _parse_model(model, data)


def _bearer_token(request: Request) -> str | None:
    value = request.headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _render(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(body="", status_code=204 if status in (200, 204) else status)
    if hasattr(result, "model_dump"):  # a pydantic model (pydantic may not be loaded)
        result = result.model_dump(mode="json")
    return Response(body=result, status_code=status, headers={"Content-Type": "application/json"})


def endpoint(
    router: Blueprint | Chalice,
    path: str,
    method: str,
    *,
    summary: str,
    tags: Sequence[str] = (),
    auth: bool = True,
    status: int = 200,
    body: Model | None = None,
    response: Model | None = None,
    query: Model | None = None,
    errors: Sequence[int] = (),
    produces: str = "application/json",
    content_types: Sequence[str] | None = None,
    description: str = "",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    doc = RouteDoc(
        summary=summary,
        tags=tuple(tags),
        auth=auth,
        status=status,
        body=body,
        response=response,
        query=query,
        errors=tuple(errors),
        produces=produces,
        consumes=tuple(content_types or ("application/json",)),
        description=description,
    )

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def handle(**path_params: str) -> Response:
            request = router.current_request
            assert request is not None  # Chalice sets it before calling a view
            call = Call(
                request=request,
                negotiated_language=negotiate(request.headers.get("accept-language")),
            )
            try:
                if auth:
                    if not _authenticator:
                        raise Unauthenticated()
                    token = _bearer_token(request) or cookie_session.token_of(request)
                    call.caller = _authenticator[0](token, call)
                if query is not None:
                    call.query = _parse_model(query, dict(request.query_params or {}))
                args: dict[str, Any] = dict(path_params)
                if body is not None:
                    args["body"] = _parse_body(request, body)
                result = view(call, **args)
                if response is not None and settings().validate_responses:
                    # A mismatch is a bug: 500, logged. A view's own Response (an
                    # attachment) carries the declared shape as its body.
                    answer = result.body if isinstance(result, Response) else result
                    check_response(
                        response, json.loads(answer) if isinstance(answer, str) else answer
                    )
                return _render(result, status)
            except PortalError as exc:
                return error_response(
                    exc.status,
                    exc.code,
                    call.language,
                    fields=exc.fields if exc.fields is not None and exc.status == 422 else None,
                    headers=exc.headers,
                    params=exc.params,
                )
            except DEPENDENCY_FAILURES as exc:
                # DynamoDB (or any AWS client) failed: 503, the rule of chalicelib.errors
                # (nothing is committed on a failed call; the retry is safe), never a 500.
                log.warning(
                    "dependency failed (request %s, route %s %s): %s",
                    call.request_id,
                    method,
                    path,
                    type(exc).__name__,
                )
                unavailable = Unavailable()
                return error_response(
                    unavailable.status, unavailable.code, call.language, headers=unavailable.headers
                )
            except Exception:
                # Only the request id and route: never the body, path values or headers.
                log.exception(
                    "unexpected error (request %s, route %s %s)", call.request_id, method, path
                )
                return error_response(500, "internal_error", call.language)

        handle.__portal_doc__ = doc  # type: ignore[attr-defined]
        kwargs: dict[str, Any] = {"methods": [method]}
        if content_types:
            kwargs["content_types"] = list(content_types)
        router.route(path, **kwargs)(handle)
        return handle

    return decorate
