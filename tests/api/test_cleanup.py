"""cleanup: expired sessions and codes, orphaned uploads and photos; nothing live; resumes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from pynamodb.exceptions import DoesNotExist

from chalicelib import limits
from chalicelib.adapters import clock, objects
from chalicelib.services import cleanup, codes, sessions
from chalicelib.store.accounts import Photo
from chalicelib.store.base import expiry_day
from chalicelib.store.codes import Code
from chalicelib.store.jobs import JobState
from chalicelib.store.object_leases import ObjectLease
from chalicelib.store.sessions import Session
from tests.conftest import make_account

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # frozen_clock's start
JPEG = b"\xff\xd8\xff\xe0 not really a jpeg"


@pytest.fixture
def s3(aws_env):
    objects.reset()  # a client for this test's moto backend
    yield
    objects.reset()


def session_expiring_at(expires: datetime) -> tuple[str, str]:
    clock.set_now(expires - limits.SESSION_LIFETIME)
    issued = sessions.issue("a_1", "camille@example.com", user_agent=None, ip=None, location=None)
    clock.set_now(NOW)
    return issued.session.account_id, issued.session.session_id


def code_issued_at(moment: datetime, subject: str) -> str:
    clock.set_now(moment)
    codes.issue("login", subject)
    clock.set_now(NOW)
    return Code.get(f"login#{subject}").code_id


def lease(key: str, kind: str, account_id: str, check_after: datetime) -> None:
    ObjectLease(
        key,
        account_id=account_id,
        kind=kind,
        created_at=check_after - timedelta(hours=1),
        check_after=int(check_after.timestamp()),
        check_day=expiry_day(check_after),
    ).save()


def exists(model, *key) -> bool:
    try:
        model.get(*key, consistent_read=True)
    except DoesNotExist:
        return False
    return True


def test_cleanup_deletes_what_expired_or_was_orphaned_and_nothing_live(s3, frozen_clock):
    expired_sessions = [
        session_expiring_at(NOW - timedelta(days=3)),
        session_expiring_at(NOW - timedelta(days=1, hours=2)),
        session_expiring_at(NOW - timedelta(hours=1)),  # earlier today
    ]
    live_sessions = [
        session_expiring_at(NOW + timedelta(hours=1)),  # later today: same day partition
        session_expiring_at(NOW + timedelta(days=60)),
    ]
    expired_code = code_issued_at(NOW - timedelta(minutes=30), "old@example.com")
    live_code = code_issued_at(NOW - timedelta(minutes=2), "new@example.com")

    account = make_account(
        "camille@example.com",
        photo=Photo(key="photos/a/current.jpg", width=10, height=10, updated_at=NOW),
    )
    for key in (
        "uploads/a/old",
        "uploads/a/fresh",
        "photos/a/current.jpg",
        "photos/a/replaced.jpg",
    ):
        objects.put_jpeg(key, JPEG)
    an_hour_ago, in_an_hour = NOW - timedelta(hours=1), NOW + timedelta(hours=1)
    lease("uploads/a/old", "upload", account.account_id, an_hour_ago)
    lease("uploads/a/fresh", "upload", account.account_id, in_an_hour)
    lease("photos/a/current.jpg", "photo", account.account_id, an_hour_ago)
    lease("photos/a/replaced.jpg", "photo", account.account_id, NOW - timedelta(days=2))

    summary = cleanup.run()

    assert summary == {
        "deleted": {
            "sessions": 3,
            "codes": 1,
            "uploads": 1,
            "photos": 1,
            "leases": 3,
            "accounts": 0,
        },
        "more": False,
        "failed": 0,
    }
    assert not any(exists(Session, *key) for key in expired_sessions)
    assert all(exists(Session, *key) for key in live_sessions)
    assert not exists(Code, expired_code) and exists(Code, live_code)
    assert objects.head_size("uploads/a/old") is None
    assert objects.head_size("photos/a/replaced.jpg") is None
    assert objects.head_size("uploads/a/fresh") == len(JPEG)
    assert objects.head_size("photos/a/current.jpg") == len(JPEG)
    assert exists(ObjectLease, "uploads/a/fresh")
    assert not exists(ObjectLease, "photos/a/current.jpg")

    # Tomorrow the sessions that were live later today have expired in turn.
    clock.set_now(NOW + timedelta(days=1))
    again = cleanup.run()
    assert again["deleted"]["sessions"] == 1 and again["deleted"]["uploads"] == 1
    assert exists(Session, *live_sessions[1])


def test_cursor_moves_past_finished_days_but_stays_on_today(s3, frozen_clock):
    session_expiring_at(NOW - timedelta(days=2))
    cleanup.run()
    cursor = JobState.get("cleanup").cursor.as_dict()
    assert cursor == {"sessions": "2026-11-26", "codes": "2026-11-26", "leases": "2026-11-26"}


def test_out_of_time_run_resumes_from_its_cursor(s3, frozen_clock, monkeypatch):
    expired = [session_expiring_at(NOW - timedelta(days=d, hours=1)) for d in (0, 0, 1, 1, 2, 2)]
    live = session_expiring_at(NOW + timedelta(days=5))
    ticks = itertools.count()
    monkeypatch.setattr(cleanup, "_monotonic", lambda: float(next(ticks)))  # 1 s per look

    first = cleanup.run(budget_seconds=4)
    assert first["more"] is True
    assert 0 < first["deleted"]["sessions"] < len(expired)

    monkeypatch.setattr(cleanup, "_monotonic", lambda: 0.0)
    second = cleanup.run()
    assert second["more"] is False
    assert first["deleted"]["sessions"] + second["deleted"]["sessions"] == len(expired)
    assert not any(exists(Session, *key) for key in expired)
    assert exists(Session, *live)
    assert cleanup.run()["deleted"]["sessions"] == 0


def test_s3_failure_keeps_the_lease_for_the_next_run(s3, frozen_clock, monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    objects.put_jpeg("uploads/a/old", JPEG)
    lease("uploads/a/old", "upload", "a_1", NOW - timedelta(days=1))

    def unreachable(**kwargs):
        raise EndpointConnectionError(endpoint_url="https://s3")

    # The S3 client fails (the adapter turns that into Unavailable("s3")).
    real_delete = objects._s3().delete_object
    monkeypatch.setattr(objects._s3(), "delete_object", unreachable)
    first = cleanup.run()
    assert first["failed"] == 1 and first["deleted"]["uploads"] == 0
    assert exists(ObjectLease, "uploads/a/old")

    monkeypatch.setattr(objects._s3(), "delete_object", real_delete)
    assert cleanup.run()["deleted"]["uploads"] == 1
    assert objects.head_size("uploads/a/old") is None
    assert not exists(ObjectLease, "uploads/a/old")
