"""One-time codes (sign-in, email verification), stored only as HMACs."""

from __future__ import annotations

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.store.base import DayAttribute, PortalModel, region, table_name


class CodesByExpiryDay(GlobalSecondaryIndex["Code"]):
    class Meta:
        index_name = "by_expiry_day"
        projection = KeysOnlyProjection()

    expiry_day = DayAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class Code(PortalModel):
    class Meta:
        table_name = table_name("codes")
        region = region()

    code_id = UnicodeAttribute(hash_key=True)  # "<purpose>#<subject>", sign-in: "login#<flow>"
    # HMAC-SHA256 of the code, hex. A sign-in flow has none until the mail sender
    # armed it, and never for an unknown address: then every code is wrong.
    digest = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)  # sign-in flows: the address the flow was asked for
    budget_at = NumberAttribute(null=True)  # sign-in flows: its unused-codes count (refunded)
    # sign-in flows: the User-Agent that asked for it, and what the mail sender found it
    # describes (adapters/useragent.stored), so the sign-in need not parse it again
    user_agent = UnicodeAttribute(null=True)
    device = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    sent_at = UTCDateTimeAttribute()
    account_id = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()
    expiry_day = DayAttribute()
    by_expiry_day = CodesByExpiryDay()
