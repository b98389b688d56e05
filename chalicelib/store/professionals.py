"""Professionals, as the booking platform last described them."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store.base import PortalModel, region, table_name


class Professional(PortalModel):
    class Meta:
        table_name = table_name("professionals")
        region = region()

    professional_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    timezone = UnicodeAttribute()
    sms_reminders_enabled = BooleanAttribute(default=False)
    occurred_at = UTCDateTimeAttribute()  # of the event that wrote this version
