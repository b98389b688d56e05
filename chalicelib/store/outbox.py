"""The transactional outbox: portal events written in the same transaction as their change.

An item is put once and never updated; the table's stream (NEW_IMAGE) feeds the
publisher, which puts the event on the EventBridge bus. Items expire after
``RETENTION`` (TTL): long enough to replay what the publisher's dead-letter
queue reports, short enough not to keep personal data around.
"""

from __future__ import annotations

from datetime import timedelta

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store.base import PortalModel, region, table_name

RETENTION = timedelta(days=7)


class OutboxEvent(PortalModel):
    class Meta:
        table_name = table_name("outbox")
        region = region()

    event_id = UnicodeAttribute(hash_key=True)  # the event's ``id``
    event_type = UnicodeAttribute()
    account_id = UnicodeAttribute()
    detail = UnicodeAttribute()  # the event, as JSON: published exactly as written
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


def stream_arn_placeholder() -> str:
    """What the publisher's event source names until the stack exists.

    A table's stream ARN carries its creation time, so it is known only once
    deployed: ``make package`` replaces this by the table's ``StreamArn``, the
    local stack reads the stream itself (infra/local/stream_poller.py).
    """
    return f"arn:aws:dynamodb:{region()}:000000000000:table/{table_name('outbox')}/stream/*"
