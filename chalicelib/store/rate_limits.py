"""Recent events of one rate-limited key, rewritten with a conditional put, expired by TTL."""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)

from chalicelib.store.base import PortalModel, region, table_name


class RateCounter(PortalModel):
    class Meta:
        table_name = table_name("rate-limits")
        region = region()

    bucket = UnicodeAttribute(hash_key=True)  # "<scope>#<hashed key>"
    # Epoch seconds of the latest events, oldest first (no more than the largest limit).
    # Event times (epoch seconds). pynamodb's annotations read ``of=NumberAttribute``
    # as a list of attributes; the values are floats.
    sent: ListAttribute[float] = ListAttribute(of=NumberAttribute, default=list)  # type: ignore[arg-type]
    version = VersionAttribute()  # every save is conditional on the version read
    expires_at = TTLAttribute()
