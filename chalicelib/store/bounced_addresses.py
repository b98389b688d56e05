"""Addresses SES reported as hard-bounced or complained about: not mailed until verified again."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store.base import PortalModel, region, table_name


class BouncedAddress(PortalModel):
    class Meta:
        table_name = table_name("bounced-addresses")
        region = region()

    email = UnicodeAttribute(hash_key=True)  # normalised
    kind = UnicodeAttribute()  # "bounce" (permanent) or "complaint"
    reported_at = UTCDateTimeAttribute()
