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
    # pynamodb's annotations read ``of=UnicodeAttribute`` as a list of attributes; the
    # values are strings.
    # verified, normalised
    emails: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    # as typed, same order
    displays: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    # pending addresses
    pending: ListAttribute[str] = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    photo_key = UnicodeAttribute(null=True)
