"""The OpenAPI 3.1 document, built from the route declarations (``endpoint``)."""

from __future__ import annotations

import re
from typing import Any

from chalice.app import Chalice
from pydantic.json_schema import JsonSchemaMode

from chalicelib.api import cookie_session
from chalicelib.api.endpoint import RouteDoc
from chalicelib.api.schema_ref import Model, adapter, load
from chalicelib.schemas.common import ErrorResponse

_ERROR_TEXT = {
    400: "Malformed request (bad JSON, wrong types).",
    401: "Missing, malformed, revoked or expired token (`unauthenticated`), or a wrong code.",
    403: "Forbidden.",
    404: "Not found.",
    409: "Conflict.",
    413: "Too large.",
    415: "Unsupported media type.",
    422: "`validation_failed` with `fields`.",
    429: "Rate limited; see `Retry-After`.",
    503: "A dependency failed; nothing was lost, retry is safe.",
}


class _Schemas:
    """Collects component schemas, renaming pydantic's $defs into components."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, declared: Model, mode: JsonSchemaMode = "validation") -> dict[str, str]:
        model = load(declared)
        schema = adapter(model).json_schema(mode=mode, ref_template=_REF_TEMPLATE)
        for name, definition in schema.pop("$defs", {}).items():
            self.components.setdefault(name, _open(definition))
        self.components.setdefault(model.__name__, _open(schema))
        return {"$ref": f"#/components/schemas/{model.__name__}"}


_REF_TEMPLATE = "#/components/schemas/{model}"


def _open(schema: dict[str, Any]) -> dict[str, Any]:
    """Responses are validated with no undeclared key (``schemas.common.OUT``); the
    document leaves objects open, so that adding a member later breaks no client."""
    if schema.get("additionalProperties") is False:
        schema = {k: v for k, v in schema.items() if k != "additionalProperties"}
    return schema


def _query_value(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a string, never JSON null: drop the null branch."""
    prop = dict(prop)
    branches = [b for b in prop.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        del prop["anyOf"]
        prop.update(branches[0])
    if prop.get("default", ...) is None:
        del prop["default"]
    return prop


def _query_parameters(declared: Model) -> list[dict[str, Any]]:
    schema = load(declared).model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": _query_value(prop)}
        for name, prop in schema.get("properties", {}).items()
    ]


def build(app: Chalice) -> dict[str, Any]:
    schemas = _Schemas()
    error_ref = schemas.ref(ErrorResponse)
    paths: dict[str, Any] = {}
    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            doc: RouteDoc | None = getattr(entry.view_function, "__portal_doc__", None)
            if doc is None:
                continue
            operation: dict[str, Any] = {
                "operationId": entry.view_name,
                "summary": doc.summary,
                "tags": list(doc.tags),
            }
            if doc.description:
                operation["description"] = doc.description
            params = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in re.findall(r"{(\w+)}", path)
            ]
            if doc.query is not None:
                params += _query_parameters(doc.query)
            if params:
                operation["parameters"] = params
            if doc.body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": schemas.ref(doc.body)}},
                }
            elif doc.consumes != ("application/json",):
                operation["requestBody"] = {
                    "required": True,
                    "content": {
                        ct: {"schema": {"type": "string", "format": "binary"}}
                        for ct in doc.consumes
                    },
                }
            responses: dict[str, Any] = {}
            if doc.status == 204:
                responses["204"] = {"description": "Done."}
            elif doc.response is not None:
                responses[str(doc.status)] = {
                    "description": "Success.",
                    "content": {
                        doc.produces: {"schema": schemas.ref(doc.response, "serialization")}
                    },
                }
            else:
                responses[str(doc.status)] = {
                    "description": "Success.",
                    "content": {doc.produces: {"schema": {"type": "string"}}},
                }
            statuses = set(doc.errors) | {400}
            if doc.auth:
                statuses.add(401)
                operation["security"] = [{"bearer": []}, {"pageCookie": []}]
                if method not in ("GET", "HEAD"):
                    statuses.add(403)  # a cookie-authenticated request failing the CSRF check
            if doc.body is not None:
                statuses.update((413, 422))  # 413: over MAX_JSON_BODY_BYTES
            for status in sorted(statuses):
                responses[str(status)] = {
                    "description": _ERROR_TEXT.get(status, "Error."),
                    "content": {"application/json": {"schema": error_ref}},
                }
            responses["default"] = {
                "description": "Any other error, in the same shape.",
                "content": {"application/json": {"schema": error_ref}},
            }
            operation["responses"] = responses
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Client portal API",
            "version": "1.0.0",
            "description": "Client portal of a booking platform (French first, English second).",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "pageCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": cookie_session.COOKIE,
                    "description": "The portal page's session (set by `POST /auth/login` "
                    "sent with `X-Portal-Page: 1`; HttpOnly, Secure, SameSite=Strict). A "
                    "request it authenticates, other than GET/HEAD, must carry "
                    "`X-Portal-Page: 1` and, if sent, `Sec-Fetch-Site: same-origin`, "
                    "else 403 `forbidden` (CSRF).",
                },
            },
        },
    }
