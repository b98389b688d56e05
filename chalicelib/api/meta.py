"""Health check and the API's own description."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.api.endpoint import Call, endpoint
from chalicelib.api.schema_ref import schema

if TYPE_CHECKING:
    from chalicelib.schemas.common import Health

bp = Blueprint(__name__)
_spec: dict[str, Any] = {}


@endpoint(
    bp,
    "/health",
    "GET",
    summary="Liveness check",
    tags=["meta"],
    auth=False,
    response=schema("common.Health"),
)
def health(call: Call) -> Health:
    return {"status": "ok"}


@endpoint(
    bp, "/openapi.json", "GET", summary="This API's OpenAPI 3.1 document", tags=["meta"], auth=False
)
def openapi_document(call: Call) -> dict[str, Any]:
    if not _spec:
        from chalicelib.api import openapi

        _spec.update(openapi.build(bp.current_app))
    return _spec
