"""S3 objects the portal issued or wrote, until they are known to be kept.

A presigned upload key is recorded here when issued (so only keys issued to an
account are accepted), and a new photo object before it is written. When the
account is switched to the new photo the lease is deleted; the cleanup job
checks the leases past ``check_after`` and deletes the objects nobody points
to, reading only its due partitions.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from chalicelib.store.base import DayAttribute, PortalModel, region, table_name


class LeasesByCheckDay(GlobalSecondaryIndex["ObjectLease"]):
    class Meta:
        index_name = "by_check_day"
        projection = KeysOnlyProjection()

    check_day = DayAttribute(hash_key=True)
    check_after = NumberAttribute(range_key=True)  # epoch seconds


class ObjectLease(PortalModel):
    class Meta:
        table_name = table_name("object-leases")
        region = region()

    object_key = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # "upload" | "photo"
    created_at = UTCDateTimeAttribute()
    check_after = NumberAttribute()
    check_day = DayAttribute()
    by_check_day = LeasesByCheckDay()
