"""Outgoing portal events on the EventBridge bus (``PORTAL_EVENTS_BUS``)."""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import client
from chalicelib.config import settings
from chalicelib.errors import Unavailable

log = logging.getLogger("portal.event_bus")

SOURCE = "client-portal"  # the events' ``source``: what subscribers' rules match on
MAX_ENTRIES_PER_CALL = 10  # PutEvents' limit


def put_events(events: list[tuple[str, str]]) -> list[bool]:
    """Put ``(detail_type, detail_json)`` events on the bus, at most 10 per call.

    Returns, per event, whether the bus accepted it (PutEvents accepts or
    refuses each entry on its own). The call itself failing -> Unavailable.
    """
    if len(events) > MAX_ENTRIES_PER_CALL:
        raise ValueError(f"at most {MAX_ENTRIES_PER_CALL} events per call")
    bus = settings().events_bus
    entries = [
        {"Source": SOURCE, "DetailType": detail_type, "Detail": detail, "EventBusName": bus}
        for detail_type, detail in events
    ]
    try:
        answer = client("events").put_events(Entries=entries)
    except (BotoCoreError, ClientError) as exc:
        log.warning("EventBridge PutEvents failed: %s", type(exc).__name__)
        raise Unavailable("events") from exc
    results = answer.get("Entries", [])
    accepted = [
        index < len(results) and "EventId" in results[index] and not results[index].get("ErrorCode")
        for index in range(len(entries))
    ]
    if not all(accepted):
        codes = sorted({r.get("ErrorCode") or "missing" for r in results if not r.get("EventId")})
        log.warning(
            "EventBridge refused %d of %d events: %s", accepted.count(False), len(entries), codes
        )
    return accepted
