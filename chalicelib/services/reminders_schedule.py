"""When an appointment is owed a reminder (kept beside the reminders job's rules).

An appointment is *pending* when it is booked, not deleted, not started, and not
yet reminded for its current start. A pending appointment carries the sparse
index keys ``reminder_day`` / ``reminder_due_at``; nothing else does, so the
``send_reminders`` job reads what is due and never the table.

Due time = ``max(start - 24 h, now)`` where *now* is when the change is written
(``clock.now()``), not the event's ``occurred_at``: an event delivered late (SQS
retries, an outage) could carry an ``occurred_at`` the job has already passed,
and the reminder would never be found. So an appointment booked less than 24 h
ahead is reminded once, by the next run, if it has not started by then.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.adapters import clock
from chalicelib.instants import parse_utc, utc_iso
from chalicelib.store.appointments import Appointment
from chalicelib.store.base import expiry_day

REMINDER_LEAD = timedelta(hours=24)


def refresh_pending_reminder(appointment: Appointment) -> None:
    """Set or clear the sparse reminder-index keys after a change.

    Pending iff booked, not deleted, not started, and not already reminded for
    this start (a moved appointment is reminded again for its new time).
    """
    now = clock.now()
    start = parse_utc(appointment.start) if appointment.start else None
    pending = (
        appointment.status == "booked"
        and not appointment.deleted
        and appointment.reminded_start != appointment.start
    )
    if start is None or not pending or start <= now:
        appointment.reminder_day = None
        appointment.reminder_due_at = None
        return
    set_due(appointment, max(start - REMINDER_LEAD, now))


def set_due(appointment: Appointment, due: datetime) -> None:
    """Both index keys from one moment, so they always agree."""
    appointment.reminder_due_at = utc_iso(due)
    appointment.reminder_day = expiry_day(due)
