"""cleanup: delete what expired or was orphaned, at a cost that follows what it deletes.

- Sessions and codes past ``expires_at`` that DynamoDB TTL has not removed yet
  (TTL is lazy, often days late). Both tables have a KEYS_ONLY index
  ``by_expiry_day`` (hash: UTC day of expiry, range: ``expires_at``): the job
  queries one partition per day, from its cursor up to today, with
  ``expires_at <= now``, and deletes each item by key on the condition that it
  is still expired.
- S3 objects recorded in ``object_leases`` whose ``check_after`` has passed
  (index ``by_check_day``): an *upload* lease means an upload nobody finished
  processing: the object and the lease go. A *photo* lease means a photo
  object written before its account was switched to it: the object goes
  unless it is the account's current photo; the lease goes either way.

Every handled item leaves its index partition, so a partition read again
(today's, or after an interrupted run) only returns what is left. Partitions of
past days that were fully handled are never read again: the cursor
(``JobState("cleanup").cursor``: first day still to read, per kind) moves past
them. A run stops before its time budget (12 of Lambda's 15 minutes) and the
next run resumes at the cursor; ``more`` says that it stopped early.

First, it finishes every account deletion a crash interrupted (the
``deletions`` table holds a marker per deletion in progress: almost always
none, one Query; see services/account_deletion.py), counted as ``accounts``.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from chalicelib.adapters import clock, objects
from chalicelib.errors import Unavailable
from chalicelib.store.accounts import Account
from chalicelib.store.codes import Code
from chalicelib.store.jobs import JobState
from chalicelib.store.object_leases import LeasesByCheckDay, ObjectLease
from chalicelib.store.ops import conditional, get_or_none
from chalicelib.store.sessions import Session

log = logging.getLogger("portal.cleanup")

JOB = "cleanup"
DEFAULT_BUDGET_SECONDS = 12 * 60  # of Lambda's 15 minutes
# First run ever: older leftovers are DynamoDB TTL's (it gets there within days).
FIRST_RUN_LOOKBACK = timedelta(days=30)
COUNTS = ("sessions", "codes", "uploads", "photos", "leases", "accounts")

_monotonic = time.monotonic  # replaced in tests to exhaust the budget


class _Budget:
    def __init__(self, seconds: float) -> None:
        self._deadline = _monotonic() + seconds

    def exhausted(self) -> bool:
        return _monotonic() >= self._deadline


class _Sweep:
    """One run: what was deleted, and whether a partition must be read again."""

    def __init__(self, now: datetime, budget: _Budget) -> None:
        self.now = now
        self.epoch = int(now.timestamp())
        self.budget = budget
        self.deleted: Counter[str] = Counter()
        self.failures = 0


def run(*, budget_seconds: float = DEFAULT_BUDGET_SECONDS) -> dict[str, Any]:
    """One run of the job; returns counts (no personal data)."""
    now = clock.now()
    sweep = _Sweep(now, _Budget(budget_seconds))
    today = now.date()
    cursor = _load_cursor()
    more = _finish_account_deletions(sweep)
    kinds = () if more else _KINDS.items()  # out of time already: the next run goes on
    for kind, handle_day in kinds:
        day = _parse_day(cursor.get(kind)) or (now - FIRST_RUN_LOOKBACK).date()
        while True:
            failures_before = sweep.failures
            finished = handle_day(day.isoformat(), sweep)
            if not finished:
                more = True
                break
            if day >= today or sweep.failures > failures_before:
                break  # today keeps filling; a failed item is retried next run
            day += timedelta(days=1)
        cursor[kind] = day.isoformat()
        if more:
            break
    _save_cursor(cursor, now)
    summary = {
        "deleted": {name: sweep.deleted.get(name, 0) for name in COUNTS},
        "more": more,
        "failed": sweep.failures,
    }
    log.info("cleanup: deleted %s, %d failed, more=%s", summary["deleted"], sweep.failures, more)
    return summary


def _finish_account_deletions(sweep: _Sweep) -> bool:
    """Account deletions a crash interrupted (their markers); True when out of time."""
    from chalicelib.services import account_deletion

    resumed = account_deletion.finish_interrupted(sweep.budget.exhausted)
    sweep.deleted["accounts"] += resumed.finished
    sweep.failures += resumed.failed
    return resumed.more


def _expired_day(model: Any, kind: str, day: str, sweep: _Sweep) -> bool:
    """Delete the expired items (sessions or codes) of one expiry day; False when out of time."""
    index = model.by_expiry_day
    expired = type(index).expires_at <= sweep.epoch
    for found in index.query(day, expired):
        if sweep.budget.exhausted():
            return False
        if _delete(found, model.expires_at <= sweep.now):
            sweep.deleted[kind] += 1
    return True


def _leases_day(day: str, sweep: _Sweep) -> bool:
    passed = LeasesByCheckDay.check_after <= sweep.epoch
    for found in ObjectLease.by_check_day.query(day, passed):
        if sweep.budget.exhausted():
            return False
        _handle_lease(found.object_key, sweep)
    return True


_KINDS: dict[str, Callable[[str, _Sweep], bool]] = {
    "sessions": partial(_expired_day, Session, "sessions"),
    "codes": partial(_expired_day, Code, "codes"),
    "leases": _leases_day,
}


def _handle_lease(object_key: str, sweep: _Sweep) -> None:
    lease = get_or_none(ObjectLease, object_key, consistent_read=True)
    if lease is None:
        return  # the photo service finished with it meanwhile
    if lease.check_after > sweep.epoch:
        return  # pushed back meanwhile: its new day's partition will find it
    if lease.kind == "upload":
        orphan, counter = True, "uploads"
    elif lease.kind == "photo":
        orphan, counter = _current_photo_key(lease.account_id) != object_key, "photos"
    else:
        log.warning("cleanup: lease of unknown kind left alone")
        return
    if orphan:
        try:
            objects.delete(object_key)
        except Unavailable as exc:
            # The lease stays, so a later run tries again.
            log.warning("cleanup: S3 delete failed: %s", type(exc.__cause__).__name__)
            sweep.failures += 1
            return
        sweep.deleted[counter] += 1
    if _delete(lease, ObjectLease.check_after == lease.check_after):
        sweep.deleted["leases"] += 1


def _current_photo_key(account_id: str) -> str | None:
    account = get_or_none(Account, account_id, consistent_read=True)
    return account.photo.key if account is not None and account.photo else None


def _delete(item: Any, condition: Any) -> bool:
    """Delete by key if the condition still holds; False when it no longer does."""
    return conditional(item.delete, condition=condition)


def _load_cursor() -> dict[str, str]:
    state = get_or_none(JobState, JOB, consistent_read=True)
    return dict(state.cursor.as_dict()) if state is not None and state.cursor else {}


def _save_cursor(cursor: dict[str, str], now: datetime) -> None:
    JobState(JOB, cursor=cursor, updated_at=now).save()


def _parse_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
