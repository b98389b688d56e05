"""Booking events from the booking platform: validated, idempotent upserts.

Every write is conditional on the stored ``occurred_at`` being older than the
event's, so replays and out-of-order deliveries change nothing. Deleted
appointments leave a tombstone, so an older upsert arriving late cannot bring
them back.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from pynamodb.expressions.condition import Condition

from chalicelib import observability
from chalicelib.adapters import clock
from chalicelib.instants import utc_iso
from chalicelib.schemas.bookings import (
    AppointmentData,
    AppointmentDeleted,
    AppointmentRef,
    AppointmentUpserted,
    BookingEvent,
    ClientRecordUpserted,
    ProfessionalUpserted,
)
from chalicelib.services import email_address, phones
from chalicelib.services.reminders_schedule import refresh_pending_reminder
from chalicelib.store.appointments import Appointment, record_key
from chalicelib.store.client_records import ClientRecord
from chalicelib.store.ops import conditional, get_or_none
from chalicelib.store.professionals import Professional

log = logging.getLogger("portal.bookings")


_WRITE_ATTEMPTS = 3


class ConcurrentChange(RuntimeError):
    """The item kept changing under us; the message is retried by the queue."""


class InvalidEvent(ValueError):
    """A message that can never be applied (bad JSON, unknown type, bad fields)."""


@dataclass
class BatchResult:
    applied: int = 0
    stale: int = 0
    failed: list[str] = field(default_factory=list)  # message ids, for the DLQ


Event = ProfessionalUpserted | ClientRecordUpserted | AppointmentUpserted | AppointmentDeleted


def parse(body: str) -> Event:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidEvent("not JSON") from None
    try:
        event: Event = BookingEvent.model_validate({"event": data}).event
        return event
    except ValidationError as exc:
        # Field locations and error types only: never the values (personal data).
        where = sorted(
            {".".join(str(p) for p in e["loc"][1:]) + ":" + e["type"] for e in exc.errors()}
        )
        raise InvalidEvent("; ".join(where)[:300]) from None


def _save_if_newer(item: Professional | ClientRecord, occurred_at: datetime) -> bool:
    """Written unless the stored item comes from an event at least as recent."""
    stored = type(item).occurred_at
    newer = stored.does_not_exist() | (stored < occurred_at)
    return conditional(item.save, condition=newer)


def apply(event: Event) -> bool:
    """Apply one validated event; False when it was stale (or a replay)."""
    if isinstance(event, ProfessionalUpserted):
        p = event.professional
        professional = Professional(
            p.id,
            name=p.name,
            timezone=p.timezone,
            sms_reminders_enabled=p.sms_reminders_enabled,
            occurred_at=event.occurred_at,
        )
        return _save_if_newer(professional, event.occurred_at)
    if isinstance(event, ClientRecordUpserted):
        r = event.client_record
        email = email_address.normalise(r.email) if r.email else None
        record = ClientRecord(
            r.professional_id,
            r.client_id,
            first_name=r.first_name or None,
            last_name=r.last_name or None,
            email=email,
            email_display=r.email.strip() if email and r.email else None,
            # Normalised when valid; kept as typed otherwise (the professional's data).
            mobile_phone=phones.to_e164(r.mobile_phone) or (r.mobile_phone or None),
            home_phone=phones.to_e164(r.home_phone) or (r.home_phone or None),
            language=r.language,
            created_at=utc_iso(r.created_at),
            occurred_at=event.occurred_at,
        )
        applied = _save_if_newer(record, event.occurred_at)
        _copy_contact_to_upcoming(r.professional_id, r.client_id, record if applied else None)
        return applied
    return _apply_appointment(event)


def _apply_appointment(event: AppointmentUpserted | AppointmentDeleted) -> bool:
    # A write can lose a race with a newer event (then it is stale) or with the
    # reminders job marking the appointment (then it is re-read and applied).
    for _ in range(_WRITE_ATTEMPTS):
        outcome = _try_apply_appointment(event)
        if outcome != "lost_race":
            if isinstance(event, AppointmentUpserted):
                _copy_contact_from_record(event.appointment)
            return outcome == "applied"
    raise ConcurrentChange("appointment kept changing")


AppointmentWrite = Literal["applied", "stale", "lost_race"]  # lost_race: read again, retry


def _try_apply_appointment(event: AppointmentUpserted | AppointmentDeleted) -> AppointmentWrite:
    ref = event.appointment
    key = record_key(ref.professional_id, ref.client_id)
    found = get_or_none(Appointment, key, ref.id, consistent_read=True)
    if found is not None and found.occurred_at >= event.occurred_at:
        return "stale"
    item = found or Appointment(
        key, ref.id, professional_id=ref.professional_id, client_id=ref.client_id
    )
    previous = item.occurred_at if item.occurred_at else None
    reminded_start = item.reminded_start
    item.occurred_at = event.occurred_at
    if isinstance(event, AppointmentDeleted):
        item.deleted = True
    else:
        a = event.appointment
        item.deleted = False
        item.start = utc_iso(a.start)
        item.end = utc_iso(a.end)
        item.service = a.service
        item.status = a.status
    refresh_pending_reminder(item)
    # Conditional on what was read: a concurrent newer event is never overwritten,
    # and neither is a reminder the send_reminders job marked in between (which
    # would otherwise be put back as pending and sent twice).
    condition: Condition
    if previous is None:
        condition = Appointment.occurred_at.does_not_exist()
    else:
        condition = Appointment.occurred_at == previous
        if reminded_start is None:
            condition &= Appointment.reminded_start.does_not_exist()
        else:
            condition &= Appointment.reminded_start == reminded_start
    return "applied" if conditional(item.save, condition=condition) else "lost_race"


# --- the client record's contact, copied onto its appointments ------------------------
#
# send_reminders needs the record's email (whose account?), mobile and language for each
# SMS; a copy on the appointment saves reading the record for every reminder. Both
# writers write first and read second (a record event saves the record, then reads its
# appointments; an appointment event saves the appointment, then reads its record), so
# of two concurrent events the later reader always sees the other's write. A copy is
# only replaced by one from a newer record (``contact_of``). Events that turn out stale
# copy too: a replay after a failed copy completes it.


def contact_copy(record: ClientRecord) -> dict[str, Any]:
    """The appointment attributes that copy ``record``'s contact."""
    return {
        "contact_of": record.occurred_at,
        "contact_email": record.email,
        "contact_mobile": record.mobile_phone,
        "contact_language": record.language,
    }


def _copy_contact(appointment_key: tuple[str, str], record: ClientRecord) -> None:
    """Copy onto one stored appointment, unless its copy is as new already."""
    actions = [
        getattr(Appointment, name).set(value)
        if value is not None
        else getattr(Appointment, name).remove()
        for name, value in contact_copy(record).items()
    ]
    condition = Appointment.occurred_at.exists() & (
        Appointment.contact_of.does_not_exist() | (Appointment.contact_of < record.occurred_at)
    )
    conditional(Appointment(*appointment_key).update, actions=actions, condition=condition)


def _copy_contact_to_upcoming(
    professional_id: str, client_id: str, record: ClientRecord | None
) -> None:
    """After a record event: copy the stored record onto its appointments not yet started
    (a started one is never reminded again; a later move copies on its own event)."""
    if record is None:
        record = get_or_none(ClientRecord, professional_id, client_id, consistent_read=True)
        if record is None:
            return
    upcoming = Appointment.query(
        record_key(professional_id, client_id),
        filter_condition=Appointment.start > utc_iso(clock.now()),
        consistent_read=True,
    )
    for appointment in upcoming:
        if appointment.contact_of is None or appointment.contact_of < record.occurred_at:
            _copy_contact((appointment.record_key, appointment.appointment_id), record)


def _copy_contact_from_record(ref: AppointmentRef | AppointmentData) -> None:
    """After an appointment event: copy its record, if the record has arrived yet (its
    own event copies it otherwise)."""
    record = get_or_none(ClientRecord, ref.professional_id, ref.client_id, consistent_read=True)
    if record is None:
        return
    _copy_contact((record_key(ref.professional_id, ref.client_id), ref.id), record)


def handle_batch(messages: list[tuple[str, str]]) -> BatchResult:
    """Apply a batch of (message id, body); failures are reported, never block the rest."""
    result = BatchResult()
    for message_id, body in messages:
        try:
            event = parse(body)
            if apply(event):
                result.applied += 1
            else:
                result.stale += 1
        except InvalidEvent as exc:
            log.warning("invalid booking event %s: %s", message_id, exc)
            result.failed.append(message_id)
        except Exception:
            # DynamoDB trouble: the message goes back to the queue and is retried.
            log.exception("booking event %s could not be applied", message_id)
            result.failed.append(message_id)
    observability.count(observability.BOOKING_EVENTS_APPLIED, result.applied)
    observability.count(observability.BOOKING_EVENTS_FAILED, len(result.failed))
    log.info(
        "booking events: %d applied, %d stale, %d failed",
        result.applied,
        result.stale,
        len(result.failed),
    )
    return result
