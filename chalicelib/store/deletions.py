"""Account deletions in progress: the marker written before anything is deleted.

An item exists only from the moment a deletion is confirmed until every step
is done; the cleanup job finishes what a crash interrupted. Every marker is in
one partition (``state`` = ``"pending"``), so cleanup finds them with one Query
(no Scan permission needed); deletions are rare, the partition almost always empty.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.store.base import PortalModel, region, table_name

PENDING = "pending"


class AccountDeletion(PortalModel):
    class Meta:
        table_name = table_name("deletions")
        region = region()

    state = UnicodeAttribute(hash_key=True, default=PENDING)
    account_id = UnicodeAttribute(range_key=True)
    requested_at = UTCDateTimeAttribute()
    language = UnicodeAttribute()  # of the confirmation email
    # What the account item held and the steps still need once it is gone.
    emails = ListAttribute(of=UnicodeAttribute, default=list)  # verified, normalised
    displays = ListAttribute(of=UnicodeAttribute, default=list)  # as typed, same order
    pending = ListAttribute(of=UnicodeAttribute, default=list)  # pending addresses
    photo_key = UnicodeAttribute(null=True)
