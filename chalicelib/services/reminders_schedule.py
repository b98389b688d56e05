"""When an appointment is owed a reminder (kept beside the reminders job's rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.store.appointments import Appointment
from chalicelib.store.base import expiry_day

REMINDER_LEAD = timedelta(hours=24)


def refresh_pending_reminder(appointment: Appointment) -> None:
    """Set or clear the sparse reminder-index keys after a change.

    Pending iff booked, not deleted, and not already reminded for this start
    (a moved appointment is reminded again for its new time).
    """
    pending = (
        appointment.status == "booked"
        and not appointment.deleted
        and appointment.start is not None
        and appointment.reminded_start != appointment.start
    )
    if not pending:
        appointment.reminder_day = None
        appointment.reminder_due_at = None
        return
    due = datetime.fromisoformat(appointment.start) - REMINDER_LEAD
    appointment.reminder_due_at = utc_iso(due)
    appointment.reminder_day = expiry_day(due)


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a fixed width, so strings sort like times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
