"""send_reminders: one SMS per booked appointment, 24 h before it starts.

How a run works (docs/scheduled-functions.md has the why):

- The window. ``JobState("send_reminders").covered_until`` says everything due
  up to then was handled. A run handles what falls due in
  ``(covered_until, now]`` and then moves ``covered_until`` to ``now``, so a
  late or missed run catches up and consecutive runs leave no gap. The very
  first run starts at ``now - 15 min`` (one schedule period). The query also
  looks 5 minutes back past ``covered_until``: a booking written while the
  previous run was reading (or not yet visible in the index, which is
  eventually consistent) is found there. Handled reminders have left the
  index, so that look-back costs nothing in the usual case and never sends
  twice.
- Finding. Only pending appointments carry the ``by_reminder_day`` keys
  (see ``reminders_schedule``): one query per UTC day of the window, with a
  range condition on ``reminder_due_at``. Never a scan.
- Sending. The index projects the whole item, so a send is decided on the
  index's copy: it is marked reminded with a write conditional on that copy
  being current *before* the SMS goes out, so a stale copy (the index is
  eventually consistent) or an overlapping run never sends. A skipped
  appointment (option off, no mobile, started) leaves the index by a write with
  the same condition. A failed write, and any other outcome, is decided again
  on a consistent read of the table.
- SNS failure. The mark is undone and the reminder is put back in the index
  due at ``now + 1 s``: inside the next run's window, so it is retried then
  (and dropped as ``started`` once the appointment has begun). After a few
  failures in a row the run stops sending (SNS is down) and only advances
  ``covered_until`` up to the first reminder it did not handle.
- Time budget. A run stops before ``budget_seconds`` the same way.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from chalicelib import observability
from chalicelib.adapters import clock, sms
from chalicelib.config import LANGUAGES, settings
from chalicelib.errors import Unavailable
from chalicelib.i18n.formatting import DisplayPrefs, format_datetime
from chalicelib.i18n.reminder_texts import reminder_sms
from chalicelib.instants import parse_utc, utc_iso
from chalicelib.services import phones
from chalicelib.services.profile import display_prefs
from chalicelib.services.reminders_schedule import set_due
from chalicelib.store.accounts import Account
from chalicelib.store.appointments import Appointment, AppointmentsByReminderDay
from chalicelib.store.base import expiry_day
from chalicelib.store.client_records import ClientRecord
from chalicelib.store.email_claims import ClaimContact, EmailClaim
from chalicelib.store.jobs import JobState
from chalicelib.store.ops import conditional, get_or_none
from chalicelib.store.professionals import Professional

log = logging.getLogger("portal.reminders")

JOB = "send_reminders"
FIRST_RUN_LOOKBACK = timedelta(minutes=15)  # one schedule period
REQUERY_OVERLAP = timedelta(minutes=5)
DEFAULT_BUDGET_SECONDS = 4 * 60  # the function's timeout is 300 s (.chalice/config.json)
SNS_FAILURES_IN_A_ROW = 3

# Why a found appointment was not reminded (the job's summary counts each).
Skip = Literal[
    "cancelled",
    "already_sent",
    "rescheduled",
    "started",
    "sms_disabled",
    "no_mobile",
    "changed",
    "sns_failed",
]
Outcome = Literal["sent"] | Skip
# Always listed in the summary (0 when none), in this order.
SKIP_REASONS: tuple[Skip, ...] = (
    "sms_disabled",
    "no_mobile",
    "cancelled",
    "started",
    "already_sent",
    "sns_failed",
)
ONE_SECOND = timedelta(seconds=1)

_monotonic = time.monotonic  # replaced in tests to exhaust the budget


@dataclass(frozen=True)
class Recipient:
    phone: str  # E.164
    prefs: DisplayPrefs


@dataclass(frozen=True)
class _Send:
    """The decision to send (any other decision is a skip reason)."""

    professional: Professional
    recipient: Recipient


_DROPPED = ("started", "sms_disabled", "no_mobile")  # skips that leave the index


@dataclass
class _Run:
    now: datetime
    sent: int = 0
    skipped: Counter[Skip] = field(default_factory=Counter)
    sns_failures_in_a_row: int = 0
    professionals: dict[str, Professional | None] = field(default_factory=dict)


def run(*, budget_seconds: float = DEFAULT_BUDGET_SECONDS) -> dict[str, Any]:
    """One run of the job; returns counts (no personal data)."""
    started = _monotonic()
    now = clock.now().replace(microsecond=0)
    covered = _covered_until()
    lower = covered - REQUERY_OVERLAP if covered else now - FIRST_RUN_LOOKBACK
    state = _Run(now=now)
    found = 0
    first_unhandled: datetime | None = None
    for found_item, due in _due(lower, now):
        out_of_time = _monotonic() - started >= budget_seconds
        if out_of_time or state.sns_failures_in_a_row >= SNS_FAILURES_IN_A_ROW:
            first_unhandled = due
            break
        found += 1
        outcome = _handle(found_item, state)
        if outcome == "sent":
            state.sent += 1
            state.sns_failures_in_a_row = 0
        else:
            state.skipped[outcome] += 1
            if outcome == "sns_failed":
                state.sns_failures_in_a_row += 1
    # Everything due before the first unhandled reminder was handled, in due order.
    covered_until = first_unhandled - ONE_SECOND if first_unhandled else now
    _advance(covered_until, now)
    summary = {
        "sent": state.sent,
        "skipped": {reason: state.skipped.get(reason, 0) for reason in SKIP_REASONS}
        | dict(state.skipped),
        "due": found,
        "covered_until": utc_iso(covered_until),
        "more": first_unhandled is not None,
    }
    failed = state.skipped.get("sns_failed", 0)
    observability.count(observability.REMINDERS_SENT, state.sent)
    observability.count(observability.REMINDERS_FAILED, failed)
    observability.count(observability.REMINDERS_SKIPPED, sum(state.skipped.values()) - failed)
    log.info(
        "send_reminders: %d due, %d sent, skipped %s, more=%s",
        found,
        state.sent,
        dict(state.skipped),
        summary["more"],
    )
    return summary


def _covered_until() -> datetime | None:
    state = get_or_none(JobState, JOB, consistent_read=True)
    return state.covered_until if state is not None else None


def _advance(covered_until: datetime, now: datetime) -> None:
    """Move covered_until forward only (an overlapping run may already be further)."""
    state = JobState(JOB, covered_until=covered_until, updated_at=now)
    conditional(
        state.update,
        actions=[
            JobState.covered_until.set(covered_until),
            JobState.updated_at.set(now),
        ],
        condition=JobState.covered_until.does_not_exist()
        | (JobState.covered_until < covered_until),
    )


def _due(lower: datetime, upper: datetime) -> Any:
    """Pending reminders due in (lower, upper], in due order, as the index's copies."""
    first, last = lower + ONE_SECOND, upper
    if first > last:
        return
    day = datetime(first.year, first.month, first.day, tzinfo=first.tzinfo)
    while day <= last:
        condition = AppointmentsByReminderDay.reminder_due_at.between(utc_iso(first), utc_iso(last))
        for item in Appointment.by_reminder_day.query(expiry_day(day), condition):
            yield item, parse_utc(item.reminder_due_at)
        day += timedelta(days=1)


def _handle(found: Appointment, state: _Run) -> Outcome:
    """Check one found appointment and remind it; returns "sent" or a skip reason.

    The first look is at the index's copy. A send or a skip that takes the reminder
    out of the index is settled by a write conditional on that copy being current;
    if it fails, and for any other outcome, the table is read (consistent) and the
    reminder decided again."""
    appointment: Appointment | None = found
    confirmed = False  # read consistently from the table
    for _ in range(4):  # the index's copy, then up to three reads (concurrent changes)
        if appointment is None:
            return "cancelled"  # deleted from the table since it was found
        decision = _decide(appointment, state)
        if isinstance(decision, _Send):
            previous = (
                appointment.reminded_start,
                appointment.reminder_sent_at,
                appointment.occurred_at,
            )
            if _mark(appointment, state.now):
                return _send(appointment, decision, previous, state)
        elif decision in _DROPPED:
            if _drop(appointment):  # conditional on the copy being current, like the mark
                return decision
        elif confirmed:
            return decision
        appointment = _read(found)
        confirmed = True
    return "changed"


def _decide(appointment: Appointment, state: _Run) -> _Send | Skip:
    if appointment.deleted or appointment.status != "booked":
        return "cancelled"
    if appointment.reminder_due_at is None or appointment.reminded_start == appointment.start:
        return "already_sent"
    if parse_utc(appointment.reminder_due_at) > state.now:
        return "rescheduled"  # moved later meanwhile: its new time will be found
    if parse_utc(appointment.start) <= state.now:
        return "started"
    professional = _professional(appointment.professional_id, state)
    if professional is None or not professional.sms_reminders_enabled:
        return "sms_disabled"
    recipient = _recipient(appointment, professional)
    if recipient is None:
        return "no_mobile"
    return _Send(professional, recipient)


def _send(
    appointment: Appointment,
    decision: _Send,
    previous: tuple[str | None, datetime | None, datetime],
    state: _Run,
) -> Outcome:
    """The reminder is marked: send it, or undo the mark if SNS fails."""
    recipient = decision.recipient
    text = reminder_sms(
        recipient.prefs.language,
        professional=decision.professional.name,
        when=format_datetime(parse_utc(appointment.start), recipient.prefs),
    )
    try:
        sms.send_sms(recipient.phone, text)
    except Unavailable:
        _unmark(appointment, previous, state.now)
        return "sns_failed"
    return "sent"


def _read(found: Appointment) -> Appointment | None:
    return get_or_none(Appointment, found.record_key, found.appointment_id, consistent_read=True)


def _unchanged_since_read(appointment: Appointment) -> Any:
    return (Appointment.reminder_due_at == appointment.reminder_due_at) & (
        Appointment.occurred_at == appointment.occurred_at
    )


def _conditional_update(appointment: Appointment, actions: list[Any], condition: Any) -> bool:
    return conditional(appointment.update, actions=actions, condition=condition)


def _drop(appointment: Appointment) -> bool:
    """Take a reminder that will not be sent out of the index; False if it changed."""
    return _conditional_update(
        appointment,
        [Appointment.reminder_day.remove(), Appointment.reminder_due_at.remove()],
        _unchanged_since_read(appointment),
    )


def _mark(appointment: Appointment, now: datetime) -> bool:
    """Claim the reminder: only one run can win this write for a given start."""
    start = appointment.start
    return _conditional_update(
        appointment,
        [
            Appointment.reminded_start.set(start),
            Appointment.reminder_sent_at.set(now),
            Appointment.reminder_day.remove(),
            Appointment.reminder_due_at.remove(),
        ],
        _unchanged_since_read(appointment)
        & (Appointment.reminded_start.does_not_exist() | (Appointment.reminded_start != start)),
    )


def _unmark(
    appointment: Appointment,
    previous: tuple[str | None, datetime | None, datetime],
    now: datetime,
) -> None:
    """Put a reminder whose SMS failed back in the index, due in the next run's window."""
    reminded_start, sent_at, read_occurred_at = previous
    retry = Appointment(appointment.record_key, appointment.appointment_id)
    set_due(retry, now + ONE_SECOND)
    actions = [
        Appointment.reminder_day.set(retry.reminder_day),
        Appointment.reminder_due_at.set(retry.reminder_due_at),
        Appointment.reminded_start.set(reminded_start)
        if reminded_start
        else Appointment.reminded_start.remove(),
        Appointment.reminder_sent_at.set(sent_at)
        if sent_at
        else Appointment.reminder_sent_at.remove(),
    ]
    # Only our own mark is undone: a booking change since then has decided already.
    condition = (
        (Appointment.reminded_start == appointment.start)
        & (Appointment.reminder_sent_at == now)
        & (Appointment.occurred_at == read_occurred_at)
    )
    if not _conditional_update(retry, actions, condition):
        log.info("send_reminders: appointment changed before its retry was scheduled")


def _professional(professional_id: str, state: _Run) -> Professional | None:
    if professional_id not in state.professionals:
        state.professionals[professional_id] = get_or_none(Professional, professional_id)
    return state.professionals[professional_id]


def _recipient(appointment: Appointment, professional: Professional) -> Recipient | None:
    """Where and how to write: the portal profile when the record's email has an account."""
    contact = _record_contact(appointment)
    if contact is None:
        return None
    email, mobile, language = contact
    owner = _owner_contact(email)
    if owner is not None:
        phone = phones.valid_e164(owner.mobile_phone)
        if phone is None:
            return None  # the person's own choice: no mobile on their profile
        return Recipient(phone, display_prefs(owner))
    phone = phones.valid_e164(mobile)
    record_language = language if language in LANGUAGES else None
    defaults = settings()
    fallback = DisplayPrefs(
        record_language or defaults.default_language,
        defaults.default_date_format,
        defaults.default_time_format,
        professional.timezone,
    )
    return Recipient(phone, fallback) if phone else None


def _record_contact(appointment: Appointment) -> tuple[str | None, str | None, str | None] | None:
    """(email, mobile, language) of the client record: the appointment's copy, or the
    record itself while no copy has been made."""
    if appointment.contact_of is not None:
        return appointment.contact_email, appointment.contact_mobile, appointment.contact_language
    record = get_or_none(ClientRecord, appointment.professional_id, appointment.client_id)
    if record is None:
        return None
    return record.email, record.mobile_phone, record.language


def _owner_contact(email: str | None) -> Account | ClaimContact | None:
    """The portal account's contact when the address is claimed: the claim's copy (one
    read), or the account itself for a claim written before the copy existed."""
    if not email:
        return None
    claim = get_or_none(EmailClaim, email)
    if claim is None:
        return None
    if claim.contact is not None:
        return claim.contact
    return get_or_none(Account, claim.account_id)
