"""One item per verified address: an address belongs to one account at most."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store.base import PortalMap, PortalModel, region, table_name


class ClaimContact(PortalMap):
    """The owner's fields an SMS reminder needs, copied from the account (services/profile.py
    keeps it in step in the same transactions), so a reminder reads the claim, not the account."""

    mobile_phone = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)
    date_format = UnicodeAttribute(null=True)
    time_format = UnicodeAttribute(null=True)
    timezone = UnicodeAttribute(null=True)


class EmailClaim(PortalModel):
    class Meta:
        table_name = table_name("email-claims")
        region = region()

    email = UnicodeAttribute(hash_key=True)  # normalised
    account_id = UnicodeAttribute()
    claimed_at = UTCDateTimeAttribute()
    contact = ClaimContact(null=True)  # absent on claims written before the copy existed
