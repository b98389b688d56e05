"""Booking events: validation, idempotent upserts, stale events, deletion, batches."""

from __future__ import annotations

import json
import logging

import pytest

from chalicelib.instants import parse_utc
from chalicelib.services import bookings
from chalicelib.store.appointments import Appointment
from chalicelib.store.client_records import ClientRecord
from chalicelib.store.professionals import Professional

T0 = "2026-11-20T10:00:00Z"
T1 = "2026-11-21T10:00:00Z"
T2 = "2026-11-22T10:00:00Z"


def professional(occurred_at=T1, name="Clinique Rivière", sms=True):
    return {
        "type": "professional.upserted",
        "occurred_at": occurred_at,
        "professional": {
            "id": "p1",
            "name": name,
            "timezone": "America/Toronto",
            "sms_reminders_enabled": sms,
        },
    }


def record(occurred_at=T1, email=" Camille@Example.COM ", mobile="514-555-0123"):
    return {
        "type": "client_record.upserted",
        "occurred_at": occurred_at,
        "client_record": {
            "professional_id": "p1",
            "client_id": "c9",
            "first_name": "Camille",
            "last_name": "Tremblay",
            "email": email,
            "mobile_phone": mobile,
            "home_phone": None,
            "language": "fr",
            "created_at": "2026-01-05T15:00:00-05:00",
        },
    }


def appointment(occurred_at=T1, start="2026-12-01T14:30:00-05:00", status="booked"):
    return {
        "type": "appointment.upserted",
        "occurred_at": occurred_at,
        "appointment": {
            "professional_id": "p1",
            "client_id": "c9",
            "id": "ap77",
            "start": start,
            "end": "2026-12-01T15:15:00-05:00",
            "service": "Physiothérapie",
            "status": status,
        },
    }


def deleted(occurred_at=T2):
    return {
        "type": "appointment.deleted",
        "occurred_at": occurred_at,
        "appointment": {"professional_id": "p1", "client_id": "c9", "id": "ap77"},
    }


def send(*events):
    return bookings.handle_batch([(f"m{i}", json.dumps(e)) for i, e in enumerate(events)])


def test_professional_upsert_is_stored_and_idempotent(aws_env):
    assert send(professional()).applied == 1
    again = send(professional())
    assert again.applied == 0 and again.stale == 1 and again.failed == []
    stored = Professional.get("p1")
    assert stored.name == "Clinique Rivière" and stored.sms_reminders_enabled is True


def test_stale_event_is_ignored(aws_env):
    send(professional(occurred_at=T2, name="Nouveau nom"))
    result = send(professional(occurred_at=T0, name="Ancien nom"))
    assert result.stale == 1
    assert Professional.get("p1").name == "Nouveau nom"


def test_newer_event_replaces(aws_env):
    send(professional(occurred_at=T0, sms=False))
    send(professional(occurred_at=T2, sms=True))
    assert Professional.get("p1").sms_reminders_enabled is True


def test_client_record_email_normalised_and_phone_e164(aws_env):
    send(record())
    stored = ClientRecord.get("p1", "c9")
    assert stored.email == "camille@example.com"
    assert stored.email_display == "Camille@Example.COM"
    assert stored.mobile_phone == "+15145550123"
    assert stored.created_at == "2026-01-05T20:00:00Z"
    found = list(ClientRecord.by_email.query("camille@example.com"))
    assert [r.client_id for r in found] == ["c9"]


def test_client_record_invalid_phone_kept_as_typed(aws_env):
    send(record(mobile="poste 12"))
    assert ClientRecord.get("p1", "c9").mobile_phone == "poste 12"


def test_appointment_upsert_then_delete_leaves_tombstone(aws_env, frozen_clock):
    send(appointment())
    stored = Appointment.get("p1#c9", "ap77")
    assert stored.start == "2026-12-01T19:30:00Z" and stored.status == "booked"
    assert stored.reminder_due_at == "2026-11-30T19:30:00Z"
    send(deleted())
    gone = Appointment.get("p1#c9", "ap77")
    assert gone.deleted is True and gone.reminder_day is None


def test_late_upsert_does_not_resurrect_deleted_appointment(aws_env, frozen_clock):
    send(appointment(occurred_at=T1))
    send(deleted(occurred_at=T2))
    result = send(appointment(occurred_at=T0))
    assert result.stale == 1
    assert Appointment.get("p1#c9", "ap77").deleted is True


def test_cancelled_appointment_has_no_pending_reminder(aws_env, frozen_clock):
    send(appointment(status="cancelled"))
    stored = Appointment.get("p1#c9", "ap77")
    assert stored.reminder_day is None and stored.status == "cancelled"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"type": "unknown.kind", "occurred_at": T1}),
        json.dumps({**professional(), "occurred_at": "yesterday"}),
        json.dumps({**professional(), "professional": {"id": "p1"}}),
        json.dumps(
            {**appointment(), "appointment": {**appointment()["appointment"], "status": "maybe"}}
        ),
        json.dumps(
            {
                **professional(),
                "professional": {**professional()["professional"], "timezone": "Mars/Base"},
            }
        ),
        json.dumps([1, 2, 3]),
        "[" * 5000,
    ],
)
def test_invalid_message_is_reported_without_blocking_the_batch(aws_env, body):
    result = bookings.handle_batch(
        [("good-1", json.dumps(professional())), ("bad", body), ("good-2", json.dumps(record()))]
    )
    assert result.failed == ["bad"]
    assert result.applied == 2


def test_logs_hold_no_personal_data(aws_env, caplog):
    caplog.set_level(logging.INFO)  # the level the Lambda runs at
    bad = {**record(email="secret.person@example.com", mobile="514 555 9999")}
    bad["client_record"]["created_at"] = "not a date"
    bookings.handle_batch([("m1", json.dumps(bad)), ("m2", json.dumps(record()))])
    text = caplog.text
    for personal in ("secret.person", "example.com", "555", "Camille", "Tremblay"):
        assert personal not in text
    assert "m1" in text  # the message id is what identifies it


def test_sqs_handler_reports_batch_item_failures(app):
    from app import booking_events

    event = {
        "Records": [
            {
                "messageId": "ok",
                "receiptHandle": "r1",
                "body": json.dumps(professional()),
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ca-central-1:123456789012:q",
                "awsRegion": "ca-central-1",
            },
            {
                "messageId": "broken",
                "receiptHandle": "r2",
                "body": "{",
                "attributes": {},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:ca-central-1:123456789012:q",
                "awsRegion": "ca-central-1",
            },
        ]
    }
    assert booking_events(event, None) == {"batchItemFailures": [{"itemIdentifier": "broken"}]}
    assert Professional.get("p1").name == "Clinique Rivière"


def test_booking_save_never_undoes_a_reminder_marked_meanwhile(aws_env, frozen_clock, monkeypatch):
    """A reminder marked between the booking's read and its write must not become pending
    again (no second SMS), and the booking change is still applied."""
    send(appointment(occurred_at=T0))
    original_get = Appointment.get

    def get_then_job_marks(*args, **kwargs):
        read = original_get(*args, **kwargs)
        marked = original_get(*args, **kwargs)
        marked.update(
            actions=[
                Appointment.reminded_start.set(marked.start),
                Appointment.reminder_day.remove(),
                Appointment.reminder_due_at.remove(),
            ]
        )
        return read

    calls = iter([get_then_job_marks, original_get, original_get])
    monkeypatch.setattr(Appointment, "get", lambda *a, **k: next(calls)(*a, **k))
    result = send(
        {
            **appointment(occurred_at=T1),
            "appointment": {**appointment()["appointment"], "service": "Autre"},
        }
    )
    monkeypatch.setattr(Appointment, "get", original_get)
    assert result.applied == 1  # re-read and applied on the second attempt
    stored = Appointment.get("p1#c9", "ap77")
    assert stored.service == "Autre"
    assert stored.reminded_start == stored.start and stored.reminder_day is None


# --- the record's contact, copied onto appointments (send_reminders reads the copy) ------


def contact(ap_id: str = "ap77") -> tuple:
    item = Appointment.get("p1#c9", ap_id, consistent_read=True)
    return (item.contact_of, item.contact_email, item.contact_mobile, item.contact_language)


def appointment_as(ap_id: str, start: str, occurred_at: str = T1) -> dict:
    event = appointment(occurred_at=occurred_at, start=start)
    event["appointment"]["id"] = ap_id
    return event


def test_an_appointment_carries_a_copy_of_its_records_contact(aws_env, frozen_clock):
    send(record(), appointment())
    assert contact() == (parse_utc(T1), "camille@example.com", "+15145550123", "fr")


def test_an_appointment_booked_before_its_record_arrives_gets_the_copy_then(aws_env, frozen_clock):
    send(appointment())
    assert contact() == (None, None, None, None)  # reminders read the record meanwhile
    send(record())
    assert contact() == (parse_utc(T1), "camille@example.com", "+15145550123", "fr")


def test_a_changed_record_is_copied_onto_its_upcoming_appointments(aws_env, frozen_clock):
    # frozen_clock: 2026-11-26 15:00 UTC. ap1 has started; ap77 has not.
    send(record(), appointment_as("ap1", "2026-11-25T09:00:00-05:00"), appointment())
    send(record(occurred_at=T2, email="camille@example.net", mobile="514-555-0199"))
    assert contact() == (parse_utc(T2), "camille@example.net", "+15145550199", "fr")
    assert contact("ap1") == (parse_utc(T1), "camille@example.com", "+15145550123", "fr")


def test_an_older_record_event_never_replaces_a_newer_copy(aws_env, frozen_clock):
    send(record(occurred_at=T2, mobile="514-555-0199"), appointment())
    send(record(occurred_at=T1, mobile="514-555-0123"))  # arrives late: stale
    assert contact()[:3] == (parse_utc(T2), "camille@example.com", "+15145550199")


def test_a_record_without_email_or_mobile_clears_the_copy(aws_env, frozen_clock):
    send(record(), appointment())
    send(record(occurred_at=T2, email=None, mobile=None))
    assert contact() == (parse_utc(T2), None, None, "fr")


def test_a_replayed_record_event_completes_a_copy_that_failed(aws_env, frozen_clock, monkeypatch):
    send(appointment(), record(occurred_at=T0))
    original = bookings._copy_contact

    def fail(*args, **kwargs):
        raise RuntimeError("DynamoDB unavailable")

    monkeypatch.setattr(bookings, "_copy_contact", fail)
    assert send(record(occurred_at=T2, mobile="514-555-0199")).failed == ["m0"]  # retried
    monkeypatch.setattr(bookings, "_copy_contact", original)
    result = send(record(occurred_at=T2, mobile="514-555-0199"))  # the queue's retry
    assert result.stale == 1 and result.failed == []
    assert contact()[2] == "+15145550199"
