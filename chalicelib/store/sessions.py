"""Signed-in sessions; only the SHA-256 of each token's secret is stored."""

from __future__ import annotations

from pynamodb.attributes import (
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.store.base import DayAttribute, PortalMap, PortalModel, region, table_name


class Location(PortalMap):
    city = UnicodeAttribute(null=True)
    region = UnicodeAttribute(null=True)
    country = UnicodeAttribute(null=True)
    country_code = UnicodeAttribute(null=True)
    label = UnicodeAttribute(null=True)


class SessionsByExpiryDay(GlobalSecondaryIndex["Session"]):
    class Meta:
        index_name = "by_expiry_day"
        projection = KeysOnlyProjection()

    expiry_day = DayAttribute(hash_key=True)
    expires_at = NumberAttribute(range_key=True)


class Session(PortalModel):
    class Meta:
        table_name = table_name("sessions")
        region = region()

    account_id = UnicodeAttribute(hash_key=True)
    session_id = UnicodeAttribute(range_key=True)
    token_hash = UnicodeAttribute()  # SHA-256 of the token's secret, hex
    email = UnicodeAttribute()  # the address used to sign in
    user_agent = UnicodeAttribute(null=True)
    ip = UnicodeAttribute(null=True)
    location = Location(null=True)
    created_at = UTCDateTimeAttribute()
    last_active_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()
    expiry_day = DayAttribute()
    by_expiry_day = SessionsByExpiryDay()
