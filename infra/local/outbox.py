"""What moto's SES and SNS recorded as sent, and the portal events put on the bus:
the local outbox (dev and tests only)."""

from __future__ import annotations

import json
import threading
from email import message_from_string, policy
from typing import Any


def _email(recorded: Any) -> dict[str, Any]:
    """to/subject/text/html of a message moto recorded (simple or raw MIME)."""
    body = getattr(recorded, "body", None)
    if isinstance(body, str):  # a simple message: moto keeps one body
        to = (recorded.destinations.get("ToAddresses") or [None])[0]
        return {"to": to, "subject": recorded.subject, "text": body, "html": None}
    parsed = message_from_string(getattr(recorded, "raw_data", "") or "", policy=policy.default)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    return {
        "to": str(parsed["To"] or ""),
        "subject": str(parsed["Subject"] or ""),
        "text": text_part.get_content() if text_part else "",
        "html": html_part.get_content() if html_part else None,
    }


def read_outbox(
    account_id: str = "123456789012", region: str | None = None
) -> dict[str, list[dict]]:
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    from chalicelib.config import settings

    region = region or settings().region
    emails = [_email(msg) for msg in ses_backends[account_id][region].sent_messages]
    sms = [
        {"to": phone, "text": text}
        for phone, text, *_ in sns_backends[account_id][region].sms_messages.values()
    ]
    return {"emails": emails, "sms": sms, "events": read_events(account_id, region)}


def read_events(account_id: str = "123456789012", region: str | None = None) -> list[dict]:
    """The portal events put on the bus, oldest first: what the local tap rule copied
    to its queue (infra/provision.py), read without consuming it."""
    from moto.sqs.models import sqs_backends

    from chalicelib.config import settings
    from infra.provision import events_tap_queue

    queue = sqs_backends[account_id][region or settings().region].queues.get(events_tap_queue())
    if queue is None:
        return []
    return [json.loads(message.body)["detail"] for message in list(queue._messages)]


class Outbox:
    """Everything sent so far, oldest first, stamped when first seen (moto keeps no time).

    The terminal printer's thread and ``/_dev/outbox`` requests collect at the same
    time: one lock around read-and-append, or both would append what is new (an email
    listed twice); callers get copies of the lists, never the ones being appended to.
    """

    def __init__(self, printer: Any = None) -> None:
        self._seen = {"emails": 0, "sms": 0, "events": 0}
        self._items: dict[str, list[dict]] = {"emails": [], "sms": [], "events": []}
        self._printer = printer
        self._lock = threading.Lock()

    def collect(self) -> dict[str, list[dict]]:
        from datetime import UTC, datetime

        with self._lock:
            current = read_outbox()
            stamp = datetime.now(UTC).isoformat()
            for kind in ("emails", "sms", "events"):
                for item in current[kind][self._seen[kind] :]:
                    if kind != "events":  # an event is shown as published: it has occurred_at
                        item["sent_at"] = stamp
                    self._items[kind].append(item)
                    if self._printer:
                        self._printer(kind, item)
                self._seen[kind] = len(current[kind])
            return {kind: list(items) for kind, items in self._items.items()}
