"""One item per verified address: an address belongs to one account at most."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store.base import PortalModel, region, table_name


class EmailClaim(PortalModel):
    class Meta:
        table_name = table_name("email-claims")
        region = region()

    email = UnicodeAttribute(hash_key=True)  # normalised
    account_id = UnicodeAttribute()
    claimed_at = UTCDateTimeAttribute()
