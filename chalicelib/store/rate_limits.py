"""Fixed-window counters for sending limits, updated atomically, expired by TTL."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.store.base import region, table_name


class RateCounter(Model):
    class Meta:
        table_name = table_name("rate-limits")
        region = region()

    bucket = UnicodeAttribute(hash_key=True)  # "<scope>#<hashed key>#<window start>"
    count = NumberAttribute(default=0)
    expires_at = TTLAttribute()
