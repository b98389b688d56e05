"""Progress of the scheduled functions (where the previous run stopped)."""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store.base import PortalModel, region, table_name


class JobState(PortalModel):
    class Meta:
        table_name = table_name("jobs")
        region = region()

    job = UnicodeAttribute(hash_key=True)
    covered_until = UTCDateTimeAttribute(null=True)  # everything due before this was handled
    cursor: MapAttribute[str, str] = MapAttribute(null=True)  # resume point of an unfinished run
    updated_at = UTCDateTimeAttribute(null=True)
