"""Benchmark of the scheduled functions: DynamoDB items read per item due / deleted.

Run from the repository root:  python -m bench.bench_jobs

Everything runs in-process against moto (``mock_aws``). Seeded with batch
writes: 10 000 appointments spread over 30 days (20 professionals, 2 000 client
records, 30 % of them with a portal account), 10 000 sessions of which 1 %
expired, 2 000 codes of which 10 % expired, and 160 object leases.

Items read are counted by a botocore ``after-call`` hook on pynamodb's client:
``Count`` of every Query/Scan answer, 1 per GetItem and per key of a
BatchGetItem, found or not (DynamoDB bills a read of a missing item too).

The 15-minute reminders run is measured with at least ``WINDOW_DUE`` reminders
due (extra appointments start within its window), so its per-reminder ratio is
not dominated by the run's constant: 1 read of the job's cursor plus 1 per
distinct professional of the due reminders (cached for the run).
``run()`` returns the rows; ``main()`` prints them.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
from infra.local.moto_env import use_in_process_moto  # noqa: E402

use_in_process_moto(code_secret="bench-secret")

import moto  # noqa: E402  (before any botocore client)

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
APPOINTMENTS = 10_000
SESSIONS = 10_000
EXPIRED_SESSION_SHARE = 0.01
CODES = 2_000
EXPIRED_CODE_SHARE = 0.10
PROFESSIONALS = 20
CLIENTS_PER_PROFESSIONAL = 100
ACCOUNT_SHARE = 0.3
TARGET_RATIO = 2.0
WINDOW_DUE = 25  # extra reminders due within the 15-minute run's window
JUDGED_FROM_DUE = 20  # fewer due: the per-reminder ratio says little (shown, not judged)


class ReadCounter:
    """Items read by DynamoDB calls, per table (and index)."""

    def __init__(self) -> None:
        self.by_source: Counter = Counter()
        self._hooked: set[int] = set()

    def install(self) -> None:
        from chalicelib.store import ALL_MODELS

        for model in ALL_MODELS:  # one shared client today; hooked once
            client = model._get_connection().connection.client
            if id(client) in self._hooked:
                continue
            self._hooked.add(id(client))
            client.meta.events.register("before-parameter-build.dynamodb", self._before)
            client.meta.events.register("after-call.dynamodb", self._after)

    def reset(self) -> None:
        self.by_source.clear()

    @property
    def total(self) -> int:
        return sum(self.by_source.values())

    def _before(self, params: dict, context: dict, **_: Any) -> None:
        table = params.get("TableName", "")
        context["bench_source"] = table.removeprefix("portal-local-") + (
            f"/{params['IndexName']}" if params.get("IndexName") else ""
        )
        context["bench_batch"] = {
            name: len(request.get("Keys", []))
            for name, request in params.get("RequestItems", {}).items()
            if isinstance(request, dict)  # BatchGetItem's (BatchWriteItem's are lists)
        }

    def _after(self, parsed: dict, model: Any, context: dict, **_: Any) -> None:
        source = context.get("bench_source", "?")
        if model.name in ("Query", "Scan"):
            self.by_source[source] += int(parsed.get("Count", 0))
        elif model.name == "GetItem":
            self.by_source[source] += 1  # billed whether or not the item exists
        elif model.name == "BatchGetItem":
            unprocessed = parsed.get("UnprocessedKeys", {})
            for table, request in context.get("bench_batch", {}).items():
                retried = len(unprocessed.get(table, {}).get("Keys", []))
                self.by_source[table.removeprefix("portal-local-")] += request - retried


# --------------------------------------------------------------------------- seeding


def _mobile(n: int) -> str:
    return f"+1514555{n % 10_000:04d}"


def seed_people(rnd: random.Random) -> dict[tuple[int, int], Any]:
    """Professionals, client records (returned by (p, c)), accounts and claims."""
    from chalicelib.services.profile import claim_for
    from chalicelib.services.sessions import new_id
    from chalicelib.store import Account, ClientRecord, EmailClaim, Professional
    from chalicelib.store.accounts import VerifiedEmail

    with Professional.batch_write() as batch:
        for p in range(PROFESSIONALS):
            batch.save(
                Professional(
                    f"p{p}",
                    name=f"Clinique {p}",
                    timezone="America/Toronto",
                    sms_reminders_enabled=p % 4 != 0,  # three in four have SMS on
                    occurred_at=NOW - timedelta(days=60),
                )
            )
    seeded = {}
    with (
        ClientRecord.batch_write() as records,
        Account.batch_write() as accounts,
        EmailClaim.batch_write() as claims,
    ):
        for p in range(PROFESSIONALS):
            for c in range(CLIENTS_PER_PROFESSIONAL):
                n = p * CLIENTS_PER_PROFESSIONAL + c
                email = f"client{n}@example.com"
                seeded[p, c] = ClientRecord(
                    f"p{p}",
                    f"c{c}",
                    email=email,
                    email_display=email,
                    mobile_phone=_mobile(n),
                    language="fr",
                    created_at="2026-01-01T00:00:00Z",
                    occurred_at=NOW - timedelta(days=60),
                )
                records.save(seeded[p, c])
                if rnd.random() < ACCOUNT_SHARE:
                    account_id = new_id("a")
                    account = Account(
                        account_id,
                        mobile_phone=_mobile(n + 5000),
                        language="en",
                        emails=[VerifiedEmail(address=email, display=email, verified_at=NOW)],
                        created_at=NOW,
                        updated_at=NOW,
                    )
                    accounts.save(account)
                    claims.save(claim_for(email, account, NOW))  # as the service writes it
    return seeded


def seed_appointments(rnd: random.Random, records: dict[tuple[int, int], Any]) -> None:
    """Booked 7 h before NOW, starting from NOW + 18 h over the next 30 days, each with
    the copy of its record's contact that the booking-events consumer makes."""
    from chalicelib.adapters import clock
    from chalicelib.instants import utc_iso
    from chalicelib.services.bookings import contact_copy
    from chalicelib.services.reminders_schedule import REMINDER_LEAD, refresh_pending_reminder
    from chalicelib.store import Appointment
    from chalicelib.store.appointments import record_key

    clock.set_now(NOW - timedelta(hours=7))
    span = int(timedelta(days=30).total_seconds())
    with Appointment.batch_write() as batch:

        def book(appointment_id: str, p: int, c: int, start: datetime) -> None:
            item = Appointment(
                record_key(f"p{p}", f"c{c}"),
                appointment_id,
                professional_id=f"p{p}",
                client_id=f"c{c}",
                start=utc_iso(start),
                end=utc_iso(start + timedelta(minutes=45)),
                service="Physiothérapie",
                status="booked",
                occurred_at=NOW - timedelta(hours=7),
                **contact_copy(records[p, c]),
            )
            refresh_pending_reminder(item)
            batch.save(item)

        for a in range(APPOINTMENTS):
            p = rnd.randrange(PROFESSIONALS)
            c = rnd.randrange(CLIENTS_PER_PROFESSIONAL)
            book(f"ap{a}", p, c, NOW + timedelta(hours=18, seconds=rnd.randrange(span)))
        for w in range(WINDOW_DUE):  # due within the 15-minute run's window
            p, c = rnd.randrange(PROFESSIONALS), rnd.randrange(CLIENTS_PER_PROFESSIONAL)
            book(f"apw{w}", p, c, NOW + REMINDER_LEAD - timedelta(seconds=rnd.randrange(0, 900)))
    clock.set_now(None)


def seed_expiring(rnd: random.Random) -> dict[str, int]:
    """Sessions, codes and leases; returns how many of each should be deleted."""
    from chalicelib.limits import SESSION_LIFETIME
    from chalicelib.services.sessions import new_id
    from chalicelib.store import Account, Code, ObjectLease, Session
    from chalicelib.store.accounts import Photo
    from chalicelib.store.base import expiry_day

    expired_sessions = int(SESSIONS * EXPIRED_SESSION_SHARE)
    with Session.batch_write() as batch:
        for s in range(SESSIONS):
            if s < expired_sessions:  # expired since the previous daily run
                expires = NOW - timedelta(seconds=rnd.randrange(1, 86_400))
            else:  # live: later today up to 90 days ahead
                expires = NOW + timedelta(seconds=rnd.randrange(60, 90 * 86_400))
            created = expires - SESSION_LIFETIME
            batch.save(
                Session(
                    f"a_{s % 3000}",
                    new_id("s"),
                    token_hash="0" * 64,
                    email="someone@example.com",
                    created_at=created,
                    last_active_at=created,
                    expires_at=expires,
                    expiry_day=expiry_day(expires),
                )
            )
    expired_codes = int(CODES * EXPIRED_CODE_SHARE)
    with Code.batch_write() as batch:
        for c in range(CODES):
            if c < expired_codes:
                expires = NOW - timedelta(seconds=rnd.randrange(1, 86_400))
            else:
                expires = NOW + timedelta(seconds=rnd.randrange(1, 600))
            batch.save(
                Code(
                    f"login#bench{c}",
                    digest="0" * 64,
                    sent_at=expires - timedelta(minutes=10),
                    expires_at=expires,
                    expiry_day=expiry_day(expires),
                )
            )
    # Leases: 50 stale uploads, 50 fresh ones, 40 replaced photos, 20 current photos.
    owner = new_id("a")
    Account(
        owner,
        photo=Photo(key="photos/current-0.jpg", width=1, height=1, updated_at=NOW),
        created_at=NOW,
        updated_at=NOW,
    ).save()
    leases = (
        [(f"uploads/old-{i}", "upload", -1) for i in range(50)]
        + [(f"uploads/fresh-{i}", "upload", +1) for i in range(50)]
        + [(f"photos/replaced-{i}.jpg", "photo", -1) for i in range(40)]
        + [(f"photos/current-{i}.jpg", "photo", -1) for i in range(20)]
    )
    with ObjectLease.batch_write() as batch:
        for key, kind, sign in leases:
            check_after = NOW + sign * timedelta(seconds=rnd.randrange(60, 86_400))
            batch.save(
                ObjectLease(
                    key,
                    account_id=owner,
                    kind=kind,
                    created_at=check_after - timedelta(days=1),
                    check_after=int(check_after.timestamp()),
                    check_day=expiry_day(check_after),
                )
            )
    # Every photo lease but the one of the account's current photo is an orphan.
    return {"expected_deleted": expired_sessions + expired_codes + 50 + 59 + (50 + 60)}


# --------------------------------------------------------------------------- runs


def _row(job: str, work: int, counter: ReadCounter, note: str, reads: int | None = None) -> dict:
    read = counter.total if reads is None else reads
    ratio = read / work if work else float("inf")
    return {
        "job": job,
        "work": work,
        "items_read": read,
        "ratio": round(ratio, 2),
        "target": f"<= {TARGET_RATIO:g}",
        "ok": ratio <= TARGET_RATIO,
        "breakdown": dict(sorted(counter.by_source.items())),
        "note": note,
    }


def _reminder_rows(name: str, summary: dict, counter: ReadCounter) -> list[dict]:
    due = summary["due"]
    finding = counter.by_source["appointments/by_reminder_day"] + counter.by_source["appointments"]
    note = f"sent {summary['sent']}, skipped {sum(summary['skipped'].values())}"
    # Paid once per run whatever is due: the job's cursor and each professional once.
    constant = counter.by_source["jobs"] + counter.by_source["professionals"]
    per_reminder = _row(
        f"{name}: all reads, per reminder",
        due,
        counter,
        f"+ claims (found or not), accounts; per-run constant {constant} "
        f"(cursor + professionals) not counted",
        reads=counter.total - constant,
    )
    per_reminder["ok"] = per_reminder["ok"] if due >= JUDGED_FROM_DUE else None
    return [_row(f"{name}: finding what is due", due, counter, note, reads=finding), per_reminder]


def run() -> list[dict]:
    from chalicelib.adapters import aws, clock, objects
    from chalicelib.config import settings
    from chalicelib.services import cleanup, reminders
    from chalicelib.store import JobState
    from infra.provision import provision

    rnd = random.Random(20261126)
    rows: list[dict] = []
    settings.cache_clear()
    with moto.mock_aws():
        aws.reset()
        objects.reset()
        provision()
        counter = ReadCounter()
        counter.install()
        records = seed_people(rnd)
        seed_appointments(rnd, records)
        expectations = seed_expiring(rnd)
        for key in ("photos/current-0.jpg", "uploads/old-0", "photos/replaced-0.jpg"):
            objects.put_jpeg(key, b"x")

        # A previous run at NOW - 15 min, so the measured run is an ordinary one.
        JobState("send_reminders", covered_until=NOW - timedelta(minutes=30)).save()
        clock.set_now(NOW - timedelta(minutes=15))
        reminders.run()
        for name, moment in (
            ("send_reminders (15 min)", NOW),
            ("send_reminders (6 h late)", NOW + timedelta(hours=6)),
        ):
            clock.set_now(moment)
            counter.reset()
            started = time.perf_counter()
            summary = reminders.run()
            elapsed = time.perf_counter() - started
            for row in _reminder_rows(name, summary, counter):
                row["seconds"] = round(elapsed, 2)
                rows.append(row)

        # The previous daily cleanup ran yesterday: the cursor is on yesterday.
        yesterday = (NOW - timedelta(days=1)).date().isoformat()
        JobState(
            "cleanup", cursor={"sessions": yesterday, "codes": yesterday, "leases": yesterday}
        ).save()
        clock.set_now(NOW)
        counter.reset()
        started = time.perf_counter()
        summary = cleanup.run()
        elapsed = time.perf_counter() - started
        deleted = sum(summary["deleted"].values())
        note = f"deleted {summary['deleted']} (expected {expectations['expected_deleted']})"
        row = _row("cleanup (daily)", deleted, counter, note)
        row["seconds"] = round(elapsed, 2)
        rows.append(row)
        clock.set_now(None)
    return rows


def main() -> None:
    rows = run()
    print(f"{'job':<40} {'due/deleted':>11} {'items read':>10} {'ratio':>6} {'target':>7}  ok")
    for row in rows:
        mark = "✓" if row["ok"] else "✗"
        print(
            f"{row['job']:<40} {row['work']:>11} {row['items_read']:>10} "
            f"{row['ratio']:>6} {row['target']:>7}  {mark}"
        )
    print()
    for row in rows:
        print(f"{row['job']}: {row['note']}; {row['seconds']} s; reads {row['breakdown']}")


if __name__ == "__main__":
    main()
