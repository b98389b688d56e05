"""Appointments, grouped by client record; a sparse index finds due reminders."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.store.base import DayAttribute, PortalModel, region, table_name


def record_key(professional_id: str, client_id: str) -> str:
    return f"{professional_id}#{client_id}"


class AppointmentsByReminderDay(GlobalSecondaryIndex["Appointment"]):
    """Only appointments still owed a reminder carry ``reminder_day``.

    The attribute is removed once the reminder is sent or the appointment is
    cancelled or deleted, so the index holds pending reminders only and a run
    reads what is due, not the table. It projects every attribute: a run decides
    to send on the index's copy (its conditional mark catches a stale one) and
    reads the table only to confirm anything else.
    """

    class Meta:
        index_name = "by_reminder_day"
        projection = AllProjection()

    reminder_day = DayAttribute(hash_key=True)  # UTC day the reminder falls due
    reminder_due_at = UnicodeAttribute(range_key=True)  # ISO 8601 UTC


class Appointment(PortalModel):
    class Meta:
        table_name = table_name("appointments")
        region = region()

    record_key = UnicodeAttribute(hash_key=True)  # "<professional_id>#<client_id>"
    appointment_id = UnicodeAttribute(range_key=True)
    professional_id = UnicodeAttribute()
    client_id = UnicodeAttribute()
    start = UnicodeAttribute(null=True)  # ISO 8601 UTC
    end = UnicodeAttribute(null=True)
    service = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)  # booked | cancelled
    deleted = BooleanAttribute(default=False)  # tombstone: stale upserts stay ignored
    occurred_at = UTCDateTimeAttribute()
    reminder_day = DayAttribute(null=True)
    reminder_due_at = UnicodeAttribute(null=True)
    reminder_sent_at = UTCDateTimeAttribute(null=True)
    reminded_start = UnicodeAttribute(null=True)  # the start time the reminder was sent for
    # A copy of the client record's contact, for reminders (services/bookings.py keeps it
    # in step); ``contact_of`` is the record's occurred_at, absent until first copied.
    contact_of = UTCDateTimeAttribute(null=True)
    contact_email = UnicodeAttribute(null=True)
    contact_mobile = UnicodeAttribute(null=True)
    contact_language = UnicodeAttribute(null=True)
    by_reminder_day = AppointmentsByReminderDay()
