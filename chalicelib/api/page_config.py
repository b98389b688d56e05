"""Routes: what the web page reads from the server (defaults, choices, limits, time zones)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib.api.endpoint import Call, endpoint
from chalicelib.api.schema_ref import schema
from chalicelib.services import page_config, timezones

if TYPE_CHECKING:
    from chalicelib.schemas.page_config import PageConfig

bp = Blueprint(__name__)


@endpoint(
    bp,
    "/config",
    "GET",
    summary="Display defaults, profile choices and limits the page shows",
    tags=["meta"],
    auth=False,
    response=schema("page_config.PageConfig"),
)
def get_config(call: Call) -> PageConfig:
    return page_config.page_config()


@endpoint(
    bp,
    "/timezones",
    "GET",
    summary="The time zones to pick from, named in a language, with their UTC offset now",
    tags=["meta"],
    auth=False,
    query=schema("page_config.TimezonesQuery"),
    response=schema("page_config.TimeZones"),
    errors=(422,),
)
def list_timezones(call: Call) -> Response:
    text = timezones.timezones_json(call.query.lang or call.language)
    return Response(text, headers={"Content-Type": "application/json; charset=utf-8"})
