"""Each professional's record of a client, keyed by email for the portal."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.store.base import PortalModel, region, table_name


class ClientRecordsByEmail(GlobalSecondaryIndex["ClientRecord"]):
    class Meta:
        index_name = "by_email"
        projection = AllProjection()

    email = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ClientRecord(PortalModel):
    class Meta:
        table_name = table_name("client-records")
        region = region()

    professional_id = UnicodeAttribute(hash_key=True)
    client_id = UnicodeAttribute(range_key=True)
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)  # normalised; absent when the record has none
    email_display = UnicodeAttribute(null=True)
    mobile_phone = UnicodeAttribute(null=True)  # E.164 when valid, else as typed
    home_phone = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()  # ISO 8601 UTC, sortable: finds the first booking
    occurred_at = UTCDateTimeAttribute()
    by_email = ClientRecordsByEmail()
