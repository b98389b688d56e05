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


class CodesByExpiryDay(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_expiry_day"
        projection = KeysOnlyProjection()

    expiry_day = DayAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class Code(PortalModel):
    class Meta:
        table_name = table_name("codes")
        region = region()

    code_id = UnicodeAttribute(hash_key=True)  # "<purpose>#<subject>"
    digest = UnicodeAttribute()  # HMAC-SHA256 of the code, hex
    attempts = NumberAttribute(default=0)
    sent_at = UTCDateTimeAttribute()
    account_id = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()
    expiry_day = DayAttribute()
    by_expiry_day = CodesByExpiryDay()
