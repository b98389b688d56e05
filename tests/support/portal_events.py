"""Portal events in tests: the local stream poller drives the real publisher on in-process moto."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import jsonschema

from chalicelib.config import settings
from infra.local.outbox import read_events
from infra.local.stream_poller import StreamPoller

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "events"


def stream_publisher(handler: Any = None) -> StreamPoller:
    """A poller (not started: call ``drain()``) feeding the outbox stream to ``handler``
    (default: the app's ``publish_events``)."""
    if handler is None:
        from app import publish_events as handler
    region = settings().region
    return StreamPoller(
        boto3.client("dynamodb", region_name=region),
        boto3.client("dynamodbstreams", region_name=region),
        settings().table_name("outbox"),
        handler,
    )


@cache
def schema(event_type: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{event_type}.schema.json").read_text(encoding="utf-8"))


def validate(event: dict[str, Any]) -> None:
    """The event against its JSON Schema (draft 2020-12), formats checked too."""
    checker = jsonschema.Draft202012Validator(
        schema(event["type"]), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    checker.validate(event)


def published() -> list[dict[str, Any]]:
    """Every event put on the bus so far, oldest first, each checked against its schema."""
    events = read_events()
    for event in events:
        validate(event)
    return events
