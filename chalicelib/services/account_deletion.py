"""Closing a portal account: a code by email, then everything that is only the portal's goes.

What goes: the account, every session, the email claims (each address is free
to start a new account), pending codes, the sending-limit items of its
addresses, object leases and photo objects in S3, the activity. What stays:
client records and appointments, which belong to the professionals.

Crash-safety. ``delete_account`` commits one transaction that consumes the code,
deletes the account item and writes an ``AccountDeletion`` marker holding what
the remaining steps need (addresses, language, photo key). From then on the
account is gone for every route; ``finish`` runs the remaining steps, each
idempotent, and deletes the marker last. A failure (or a Lambda that dies)
half-way leaves the marker; the daily ``cleanup`` calls ``finish_interrupted``,
which runs ``finish`` again for every marker older than ``RESUME_AFTER``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from pynamodb.exceptions import TransactWriteError

from chalicelib import limits
from chalicelib.adapters import clock, mail_queue, objects
from chalicelib.caller import Caller
from chalicelib.errors import DEPENDENCY_FAILURES, Conflict, Unauthenticated, Unavailable
from chalicelib.i18n import email_texts
from chalicelib.i18n.mail import Email
from chalicelib.services import activity, codes, outbound_mail, portal_events, rate_limits
from chalicelib.services.activity import Actor
from chalicelib.store.accounts import Account
from chalicelib.store.base import delete_partition, transaction
from chalicelib.store.codes import Code
from chalicelib.store.deletions import PENDING, AccountDeletion
from chalicelib.store.email_claims import EmailClaim
from chalicelib.store.object_leases import ObjectLease
from chalicelib.store.ops import (
    CONDITION_FAILED,
    TRANSACTION_CONFLICT,
    cancel_reasons,
    cancelled_by,
    conditional,
    get_or_none,
)
from chalicelib.store.sessions import Session

log = logging.getLogger("portal.account_deletion")

PURPOSE = "delete-account"  # code purpose; the subject is the account id
# Far longer than a request: cleanup never runs the steps alongside the request doing them.
RESUME_AFTER = timedelta(minutes=15)
# Every S3 prefix an account's objects live under (photos.py writes them).
OBJECT_PREFIXES = ("photos/{account_id}/", "uploads/{account_id}/")
# Code purposes bound to an address (subject = the address) or to account + address.
_LOGIN_PURPOSE = "login"
_ADD_EMAIL_PURPOSE = "add-email"

_WRITE_ATTEMPTS = 3  # the account changed between read and delete: read it again


def _send_mail(to: str, email: Email) -> None:
    """The one place this module sends a notice: recorded for the mail sender."""
    outbound_mail.notice(to, email)


# ---------------------------------------------------------------- POST /account/deletion


def request_deletion(caller: Caller, actor: Actor) -> int:
    """Have a deletion code emailed to the session's address; returns its lifetime in seconds.

    Same limits as every code sent to an address. The queue message carries a
    nonce, never the code; a message that cannot be queued discards the code and
    refunds the limit (503)."""
    counted = [rate_limits.check_code_sending(caller.email)]
    with rate_limits.refunded_on_failure(counted):
        nonce = codes.issue(PURPOSE, caller.account_id, account_id=caller.account_id)
        try:
            mail_queue.enqueue(
                {
                    "kind": outbound_mail.DELETION_CODE,
                    "account_id": caller.account_id,
                    "address": caller.email,
                    "nonce": nonce,
                }
            )
        except Unavailable:
            codes.discard(PURPOSE, caller.account_id)  # never sent: not left usable
            raise
    activity.record(actor, "deletion_requested")
    return limits.CODE_TTL_SECONDS


def send_deletion_code(account_id: str, address: str, nonce: str) -> None:
    """(mail sender) Email the code of ``nonce`` in the account's language, unless it
    was replaced, used or expired meanwhile, or the account is gone."""
    if not codes.still_issued(PURPOSE, account_id, nonce):
        return
    account = get_or_none(Account, account_id, consistent_read=True)
    if account is None:
        return
    email = email_texts.deletion_code(
        account.language,
        code=codes.derived_code(PURPOSE, nonce),
        minutes=limits.CODE_TTL_MINUTES,
    )
    codes.mail(address, email)


# ---------------------------------------------------------------- DELETE /account


def delete_account(caller: Caller, code: str) -> None:
    """Check the code, then delete the account at once (see the module docstring).

    401 ``invalid_code`` / 429 ``too_many_attempts`` as for sign-in codes. Once
    the first transaction is committed the answer is a success: what a failure
    leaves undone is finished by cleanup.
    """
    checked = codes.check(PURPOSE, caller.account_id, code)
    for _attempt in range(_WRITE_ATTEMPTS):
        marker = _commit(caller.account_id, checked)
        if marker is not None:
            break
    else:
        raise Conflict("version_conflict")
    account_id = marker.account_id
    log.info("account %s deleted; finishing", account_id)
    try:
        finish(marker)
    except DEPENDENCY_FAILURES as exc:
        log.warning("account %s deletion left for cleanup: %s", account_id, type(exc).__name__)


def _commit(account_id: str, checked: Code) -> AccountDeletion | None:
    """One transaction: use up the code, delete the account (on the version read, so
    the marker lists every address it had), write the marker. None: the account
    changed meanwhile (an address added, a photo): read it again."""
    account = get_or_none(Account, account_id, consistent_read=True)
    if account is None:
        raise Unauthenticated()
    marker = AccountDeletion(
        PENDING,
        account.account_id,
        requested_at=clock.now(),
        language=account.language,
        emails=[e.address for e in account.emails or []],
        displays=[e.display or e.address for e in account.emails or []],
        pending=[p.address for p in account.pending_emails or []],
        photo_key=account.photo.key if account.photo is not None else None,
    )
    try:
        with transaction() as write:
            write.delete(checked, condition=codes.unused(checked))
            write.delete(account)  # pynamodb adds "version = <read version>"
            write.save(marker)
            portal_events.record(write, portal_events.account_deleted(account))
    except TransactWriteError as exc:
        if cancelled_by(exc, checked) == CONDITION_FAILED:
            raise Unauthenticated("invalid_code") from None  # used by a concurrent request
        if cancelled_by(exc, account) == CONDITION_FAILED or TRANSACTION_CONFLICT in cancel_reasons(
            exc
        ):
            return None
        raise
    return marker


def finish(marker: AccountDeletion, *, last_try: bool = False) -> None:
    """The steps after the marker, in order, each safe to run again; the marker goes last.

    A confirmation email that cannot be sent keeps the marker for cleanup's retry;
    on that ``last_try`` it is logged and the marker goes anyway, so the addresses
    it holds are not kept for an email that may never leave."""
    account_id = marker.account_id
    _end_sessions(account_id)
    for address in marker.emails or []:
        _release_claim(address, account_id)
    for address in marker.emails or []:
        codes.forget(_LOGIN_PURPOSE, address)
    for address in marker.pending or []:
        codes.forget(_ADD_EMAIL_PURPOSE, f"{account_id}:{address}")
    for address in {*(marker.emails or []), *(marker.pending or [])}:
        rate_limits.forget_address(address)
    _delete_objects(account_id, marker.photo_key)
    activity.delete_all(account_id)
    for address, display in zip(marker.emails or [], marker.displays or [], strict=False):
        try:
            _send_mail(address, email_texts.account_deleted(marker.language, address=display))
        except Unavailable:
            if not last_try:
                raise
            log.warning("account %s: a deletion confirmation was not sent", account_id)
    marker.delete()


def _end_sessions(account_id: str) -> int:
    """Every token of the account stops working: one query, one batch call per 25."""
    return delete_partition(Session, account_id, ["account_id", "session_id"])


def _release_claim(address: str, account_id: str) -> None:
    """Free the address, unless (inconsistent data) another account holds its claim."""
    conditional(EmailClaim(address).delete, condition=EmailClaim.account_id == account_id)


def _delete_objects(account_id: str, photo_key: str | None) -> None:
    """Every object under the account's prefixes, then the leases of those objects.

    Leases of uploads that were never posted have no object to list: the cleanup
    job removes them when they come due (their account is gone)."""
    keys = [
        k
        for prefix in OBJECT_PREFIXES
        for k in objects.delete_prefix(prefix.format(account_id=account_id))
    ]
    for key in {*keys, *([photo_key] if photo_key else [])}:
        ObjectLease(key).delete()


# ---------------------------------------------------------------- cleanup


@dataclass(frozen=True)
class ResumedDeletions:
    """What one cleanup run did with interrupted deletions."""

    finished: int
    failed: int
    more: bool  # out of time with markers left: the next run goes on


def finish_interrupted(budget_exhausted: Callable[[], bool]) -> ResumedDeletions:
    """Finish the deletions a crash left (markers older than ``RESUME_AFTER``).

    ``budget_exhausted()`` is asked before each one."""
    finished = failed = 0
    cutoff = clock.now() - RESUME_AFTER
    for marker in AccountDeletion.query(PENDING, consistent_read=True):
        if marker.requested_at > cutoff:
            continue  # its request may still be working on it
        if budget_exhausted():
            return ResumedDeletions(finished, failed, more=True)
        try:
            finish(marker, last_try=True)
        except DEPENDENCY_FAILURES as exc:
            log.warning("cleanup: account deletion not finished: %s", type(exc).__name__)
            failed += 1
            continue
        finished += 1
    return ResumedDeletions(finished, failed, more=False)
