"""Portal accounts: profile, verified and pending emails, photo; optimistic locking."""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)

from chalicelib.config import settings
from chalicelib.store.base import PortalMap, PortalModel, region, table_name


class VerifiedEmail(PortalMap):
    address = UnicodeAttribute()  # normalised form (identity, claims)
    display = UnicodeAttribute()  # as the person typed it
    verified_at = UTCDateTimeAttribute()


class PendingEmail(PortalMap):
    address = UnicodeAttribute()
    display = UnicodeAttribute()
    expires_at = UTCDateTimeAttribute()
    resend_after = UTCDateTimeAttribute()


class Photo(PortalMap):
    key = UnicodeAttribute()
    width = NumberAttribute()
    height = NumberAttribute()
    updated_at = UTCDateTimeAttribute()


class Account(PortalModel):
    class Meta:
        table_name = table_name("accounts")
        region = region()

    account_id = UnicodeAttribute(hash_key=True)
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    mobile_phone = UnicodeAttribute(null=True)  # E.164
    home_phone = UnicodeAttribute(null=True)  # E.164
    # Display defaults: the configured ones (config.py), read when an Account is made.
    language = UnicodeAttribute(default=lambda: settings().default_language)
    date_format = UnicodeAttribute(default=lambda: settings().default_date_format)
    time_format = UnicodeAttribute(default=lambda: settings().default_time_format)
    timezone = UnicodeAttribute(default=lambda: settings().default_timezone)
    emails = ListAttribute(of=VerifiedEmail, default=list)
    pending_emails = ListAttribute(of=PendingEmail, default=list)
    photo = Photo(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()
