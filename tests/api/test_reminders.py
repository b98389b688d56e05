"""send_reminders: SMS 24 h before, in the person's language and formats, never twice."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters import clock, sms
from chalicelib.errors import Unavailable
from chalicelib.services import bookings, reminders
from chalicelib.store.appointments import Appointment
from chalicelib.store.client_records import ClientRecord
from tests.conftest import make_account

# frozen_clock starts at 2026-11-26 15:00 UTC. Toronto is UTC-5 in November.
START = "2026-11-27T14:30:00-05:00"  # Friday; reminder due 2026-11-26 19:30 UTC
DUE = datetime(2026, 11, 26, 19, 30, tzinfo=UTC)
RECORD_MOBILE = "+15145550123"
PROFILE_MOBILE = "+15145550199"


def send(event: dict) -> None:
    # Each event a second later than the previous one, as the platform would.
    send.tick += 1
    event["occurred_at"] = (
        datetime(2026, 11, 1, tzinfo=UTC) + timedelta(seconds=send.tick)
    ).isoformat()
    assert bookings.apply(bookings.parse(json.dumps(event)))


send.tick = 0


def professional(sms_on: bool = True) -> None:
    send(
        {
            "type": "professional.upserted",
            "professional": {
                "id": "p1",
                "name": "Clinique Rivière",
                "timezone": "America/Toronto",
                "sms_reminders_enabled": sms_on,
            },
        }
    )


def record(mobile: str | None = "514-555-0123", language: str = "fr") -> None:
    send(
        {
            "type": "client_record.upserted",
            "client_record": {
                "professional_id": "p1",
                "client_id": "c9",
                "first_name": "Camille",
                "last_name": "Tremblay",
                "email": "camille@example.com",
                "mobile_phone": mobile,
                "language": language,
                "created_at": "2026-01-05T15:00:00-05:00",
            },
        }
    )


def appointment(start: str = START, status: str = "booked", ap_id: str = "ap77") -> None:
    end = (datetime.fromisoformat(start) + timedelta(minutes=45)).isoformat()
    send(
        {
            "type": "appointment.upserted",
            "appointment": {
                "professional_id": "p1",
                "client_id": "c9",
                "id": ap_id,
                "start": start,
                "end": end,
                "service": "Physiothérapie",
                "status": status,
            },
        }
    )


def deleted(ap_id: str = "ap77") -> None:
    send(
        {
            "type": "appointment.deleted",
            "appointment": {"professional_id": "p1", "client_id": "c9", "id": ap_id},
        }
    )


@pytest.fixture
def booked(aws_env, frozen_clock):
    """Professional with SMS on, a client record with a mobile, one appointment 28.5 h ahead."""
    professional()
    record()
    appointment()
    return frozen_clock


def at(moment: datetime) -> None:
    clock.set_now(moment)


def texts(outbox) -> list[tuple[str, str]]:
    return [(m["to"], m["text"]) for m in outbox()["sms"]]


def test_reminder_sent_once_when_due_in_french_with_record_defaults(booked, outbox):
    assert reminders.run()["sent"] == 0  # not due yet
    at(DUE + timedelta(minutes=10))
    summary = reminders.run()
    assert summary["sent"] == 1
    assert texts(outbox) == [
        (
            RECORD_MOBILE,
            "Rappel : vous avez rendez-vous chez Clinique Rivière le 2026-11-27 à 14 h 30.",
        )
    ]
    at(DUE + timedelta(minutes=25))
    assert reminders.run()["sent"] == 0
    assert len(outbox()["sms"]) == 1
    stored = Appointment.get("p1#c9", "ap77")
    assert stored.reminded_start == "2026-11-27T19:30:00Z" and stored.reminder_day is None


def test_english_with_the_profile_formats_and_the_profile_mobile(booked, outbox):
    make_account(
        "camille@example.com",
        language="en",
        date_format="D MMMM YYYY",
        time_format="12h",
        timezone="America/Toronto",
        mobile_phone=PROFILE_MOBILE,
    )
    at(DUE + timedelta(minutes=1))
    assert reminders.run()["sent"] == 1
    assert texts(outbox) == [
        (
            PROFILE_MOBILE,
            "Reminder: you have an appointment with Clinique Rivière on "
            "Friday, November 27, 2026 at 2:30 PM.",
        )
    ]


def test_french_long_date_in_the_profile_time_zone(booked, outbox):
    make_account(
        "camille@example.com",
        language="fr",
        date_format="D MMMM YYYY",
        time_format="24h",
        timezone="Europe/Paris",
        mobile_phone=PROFILE_MOBILE,
    )
    at(DUE + timedelta(minutes=1))
    reminders.run()
    assert texts(outbox) == [
        (
            PROFILE_MOBILE,
            "Rappel : vous avez rendez-vous chez Clinique Rivière le "
            "vendredi 27 novembre 2026 à 20 h 30.",
        )
    ]


def test_sent_to_the_records_new_mobile_after_a_change(booked, outbox):
    record(mobile="514-555-0177")  # the professional updates the record after the booking
    at(DUE + timedelta(minutes=1))
    assert reminders.run()["sent"] == 1
    assert [to for to, _ in texts(outbox)] == ["+15145550177"]


def test_the_run_reads_the_appointments_copy_not_the_record(booked, outbox, monkeypatch):
    def no_record_reads(*args, **kwargs):
        raise AssertionError("the client record was read")

    monkeypatch.setattr(ClientRecord, "get", no_record_reads)
    at(DUE + timedelta(minutes=1))
    assert reminders.run()["sent"] == 1
    assert [to for to, _ in texts(outbox)] == [RECORD_MOBILE]


def test_not_sent_when_the_professional_has_reminders_off(booked, outbox):
    professional(sms_on=False)
    at(DUE + timedelta(minutes=1))
    summary = reminders.run()
    assert summary["sent"] == 0 and summary["skipped"]["sms_disabled"] == 1
    assert outbox()["sms"] == []


def test_not_sent_when_the_record_number_is_not_a_valid_mobile(booked, outbox):
    record(mobile="poste 12")
    at(DUE + timedelta(minutes=1))
    summary = reminders.run()
    assert summary["skipped"]["no_mobile"] == 1
    assert outbox()["sms"] == []


def test_profile_without_mobile_wins_over_the_record_number(booked, outbox):
    # The record's email belongs to an account: the person's profile decides.
    make_account("camille@example.com", mobile_phone=None)
    at(DUE + timedelta(minutes=1))
    assert reminders.run()["skipped"]["no_mobile"] == 1
    assert outbox()["sms"] == []


@pytest.mark.parametrize("how", ["cancelled", "deleted"])
def test_cancelled_or_deleted_appointment_is_not_reminded(booked, outbox, how):
    if how == "cancelled":
        appointment(status="cancelled")
    else:
        deleted()
    at(DUE + timedelta(minutes=1))
    assert reminders.run()["sent"] == 0
    assert outbox()["sms"] == []


def index_hands_out_stale_copies(monkeypatch, change) -> None:
    """The reminder index is eventually consistent: make every run find copies taken
    before ``change`` (a booking event) was applied to the table."""
    original = reminders._due

    def stale(lower, upper):
        found = list(original(lower - timedelta(days=2), upper))
        change()
        yield from found

    monkeypatch.setattr(reminders, "_due", stale)


def test_cancelled_between_finding_and_sending_is_skipped(booked, outbox, monkeypatch):
    index_hands_out_stale_copies(monkeypatch, lambda: appointment(status="cancelled"))
    at(DUE + timedelta(minutes=1))
    summary = reminders.run()
    assert summary["skipped"]["cancelled"] == 1 and outbox()["sms"] == []
    assert Appointment.get("p1#c9", "ap77").reminder_due_at is None  # left the index


def test_a_stale_copy_that_looks_started_is_checked_on_the_table(booked, outbox, monkeypatch):
    # The copy says the appointment has begun; it was in fact moved to tomorrow,
    # so its reminder is due now and must be sent, not dropped.
    now = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # the original START + 30 min
    moved = "2026-11-28T09:00:00-05:00"
    index_hands_out_stale_copies(monkeypatch, lambda: appointment(start=moved))
    at(now)
    summary = reminders.run()
    assert summary["sent"] == 1 and summary["skipped"]["started"] == 0
    [(_, text)] = texts(outbox)
    assert text.endswith("le 2026-11-28 à 9 h.")


def test_moved_appointment_is_reminded_for_its_new_time_only(booked, outbox):
    appointment(start="2026-11-29T09:00:00-05:00")  # moved two days later
    at(DUE + timedelta(minutes=1))
    assert reminders.run()["sent"] == 0
    at(datetime(2026, 11, 28, 14, 5, tzinfo=UTC))
    assert reminders.run()["sent"] == 1
    [(_, text)] = texts(outbox)
    assert "2026-11-29 à 9 h" in text


def test_moved_after_its_reminder_is_reminded_again_for_the_new_time(booked, outbox):
    at(DUE + timedelta(minutes=1))
    reminders.run()
    appointment(start="2026-11-28T16:00:00-05:00")
    at(datetime(2026, 11, 27, 21, 1, tzinfo=UTC))
    assert reminders.run()["sent"] == 1
    [first, second] = [text for _, text in texts(outbox)]
    assert first.endswith("le 2026-11-27 à 14 h 30.")
    assert second.endswith("le 2026-11-28 à 16 h.")


def test_two_overlapping_runs_send_one_sms(booked, outbox, monkeypatch, serialised_moto):
    # Both runs decide to send before either marks: the conditional write decides.
    both_decided = threading.Barrier(2, timeout=10)
    original = reminders._mark
    marks = []

    def wait_then_mark(*args, **kwargs):
        marks.append(1)
        if len(marks) <= 2:  # the first mark of each run
            both_decided.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(reminders, "_mark", wait_then_mark)
    at(DUE + timedelta(minutes=1))
    results: list[dict] = []
    runs = [threading.Thread(target=lambda: results.append(reminders.run())) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(20)
    assert sorted(r["sent"] for r in results) == [0, 1]
    assert len(outbox()["sms"]) == 1


def test_sns_failure_is_retried_by_the_next_run(booked, outbox, monkeypatch):
    real_send = sms.send_sms
    calls = []

    def fail_once(phone, text):
        calls.append(phone)
        if len(calls) == 1:
            raise Unavailable("sns")
        return real_send(phone, text)

    monkeypatch.setattr(sms, "send_sms", fail_once)
    at(DUE + timedelta(minutes=1))
    first = reminders.run()
    assert first["sent"] == 0 and first["skipped"]["sns_failed"] == 1
    assert outbox()["sms"] == []
    at(DUE + timedelta(minutes=16))
    assert reminders.run()["sent"] == 1
    at(DUE + timedelta(minutes=31))
    assert reminders.run()["sent"] == 0
    assert len(outbox()["sms"]) == 1


def test_sns_down_stops_the_run_and_the_rest_is_sent_later(
    aws_env, frozen_clock, outbox, monkeypatch
):
    professional()
    record()
    for n in range(5):  # due 19:30, 19:31, ... 19:34
        appointment(start=f"2026-11-27T14:3{n}:00-05:00", ap_id=f"ap{n}")

    def down(phone, text):
        raise Unavailable("sns")

    real_send = sms.send_sms
    monkeypatch.setattr(sms, "send_sms", down)
    at(DUE + timedelta(minutes=10))
    first = reminders.run()
    assert first["skipped"]["sns_failed"] == reminders.SNS_FAILURES_IN_A_ROW
    assert first["more"] is True and first["covered_until"] < "2026-11-26T19:33:00Z"
    monkeypatch.setattr(sms, "send_sms", real_send)
    at(DUE + timedelta(minutes=25))
    assert reminders.run()["sent"] == 5
    assert len(outbox()["sms"]) == 5


def test_late_run_catches_up_without_duplicates(aws_env, frozen_clock, outbox):
    professional()
    record()
    for n, start in enumerate(["14:40", "15:20", "16:10", "16:50", "17:30"]):
        appointment(start=f"2026-11-27T{start}:00-05:00", ap_id=f"ap{n}")
    at(datetime(2026, 11, 26, 19, 45, tzinfo=UTC))
    assert reminders.run()["sent"] == 1  # 14:40 (due 19:40 UTC)
    at(datetime(2026, 11, 26, 21, 45, tzinfo=UTC))  # two hours without a run
    assert reminders.run()["sent"] == 2  # due 20:20 and 21:10 UTC
    at(datetime(2026, 11, 26, 22, 0, tzinfo=UTC))
    assert reminders.run()["sent"] == 1  # 21:50
    at(datetime(2026, 11, 26, 22, 35, tzinfo=UTC))
    assert reminders.run()["sent"] == 1
    assert len(outbox()["sms"]) == 5
    assert len({text for _, text in texts(outbox)}) == 5


def test_booked_less_than_24h_ahead_is_reminded_by_the_next_run(aws_env, frozen_clock, outbox):
    professional()
    record()
    assert reminders.run()["sent"] == 0  # the job has covered up to 15:00
    at(datetime(2026, 11, 26, 15, 5, tzinfo=UTC))
    appointment(start="2026-11-26T15:00:00-05:00")  # 20:00 UTC today, 5 h ahead
    at(datetime(2026, 11, 26, 15, 15, tzinfo=UTC))
    assert reminders.run()["sent"] == 1
    at(datetime(2026, 11, 26, 15, 30, tzinfo=UTC))
    assert reminders.run()["sent"] == 0
    assert "2026-11-26 à 15 h" in texts(outbox)[0][1]


def test_appointment_already_started_gets_no_reminder(booked, outbox):
    # The job did not run for a whole day: the appointment has begun.
    reminders.run()
    at(datetime(2026, 11, 27, 19, 40, tzinfo=UTC))
    summary = reminders.run()
    assert summary["sent"] == 0 and summary["skipped"]["started"] == 1
    assert outbox()["sms"] == []


def test_booking_in_the_past_is_never_pending(aws_env, frozen_clock):
    professional()
    record()
    appointment(start="2026-11-26T09:00:00-05:00")  # 14:00 UTC, an hour ago
    assert Appointment.get("p1#c9", "ap77").reminder_day is None


def test_out_of_time_run_leaves_the_rest_to_the_next(booked, outbox):
    at(DUE + timedelta(minutes=1))
    first = reminders.run(budget_seconds=0)
    assert first["sent"] == 0 and first["more"] is True
    at(DUE + timedelta(minutes=16))
    assert reminders.run()["sent"] == 1


def test_a_profile_save_reaches_the_reminder_through_the_claims_copy(
    booked, outbox, client, dynamodb_calls
):
    """The SMS reads the account's contact from the email claim (one read, not two); a save
    updates every claim of the account in its own transaction."""
    from chalicelib.services import sessions
    from chalicelib.services.profile import claim_for
    from chalicelib.store.accounts import VerifiedEmail
    from chalicelib.store.email_claims import EmailClaim
    from tests.support.profiles import PROFILE_UPDATE

    account = make_account("camille@example.com", mobile_phone=PROFILE_MOBILE)
    second = "camille.t@example.net"  # a second verified address
    added = VerifiedEmail(address=second, display=second, verified_at=clock.now())
    account.emails = [*account.emails, added]
    account.save()
    claim_for(second, account, clock.now()).save()
    issued = sessions.issue(
        account.account_id, "camille@example.com", user_agent="t", ip="", location=None
    )
    changes = {"language": "en", "mobile_phone": "514 555 0142", "version": account.version}
    body = {**PROFILE_UPDATE, **changes}
    saved = client.http.put(
        "/profile",
        headers={"Authorization": f"Bearer {issued.token}", "Content-Type": "application/json"},
        body=json.dumps(body),
    )
    assert saved.status_code == 200, saved.body

    for address in ("camille@example.com", second):
        contact = EmailClaim.get(address).contact
        assert (contact.mobile_phone, contact.language) == ("+15145550142", "en")
    at(DUE + timedelta(minutes=1))
    dynamodb_calls.clear()
    assert reminders.run()["sent"] == 1
    assert texts(outbox)[0][0] == "+15145550142"
    assert texts(outbox)[0][1].startswith("Reminder: ")
    assert not [call for call in dynamodb_calls if call[1].endswith("-accounts")]
