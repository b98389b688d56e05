"""An account's email addresses ("+ Courriel"): add with a code, verify, remove.

Rules (docs/api.md "Emails", docs/design.md "Emails"):

- an address is verified on one account at most: the ``EmailClaim`` item is
  written in the same DynamoDB transaction that adds the address to the account
  (condition: no claim yet), and deleted in the same transaction that removes it
  (condition: the claim is this account's);
- every account write is conditional on the account's ``version``; a concurrent
  change of the account (a profile save) is retried on a fresh read, a claim
  owned by someone else never is;
- the code is bound to the account *and* the address (purpose ``add-email``,
  subject ``<account_id>:<address>``), so a code sent for one account cannot
  verify the address into another;
- adding never reveals whether another account owns the address; verifying does,
  but only to someone who holds a valid code, i.e. who reads that mailbox;
- verifying and removing a verified address each record their portal event
  (``client.email_verified`` / ``client.email_removed``) in the same transaction.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import unquote

from pynamodb.exceptions import TransactWriteError

from chalicelib import limits
from chalicelib.adapters import clock, mail_queue
from chalicelib.errors import Conflict, NotFound, RateLimited, Unauthenticated, Unavailable
from chalicelib.i18n import email_texts
from chalicelib.i18n.mail import Email
from chalicelib.instants import utc_iso
from chalicelib.services import (
    activity,
    bounces,
    codes,
    email_address,
    outbound_mail,
    portal_events,
    rate_limits,
)
from chalicelib.services.activity import Actor
from chalicelib.store.accounts import Account, PendingEmail, VerifiedEmail
from chalicelib.store.base import transaction
from chalicelib.store.codes import Code
from chalicelib.store.email_claims import EmailClaim
from chalicelib.store.ops import (
    CONDITION_FAILED,
    TRANSACTION_CONFLICT,
    cancel_reasons,
    cancelled_by,
    conditional,
    get_or_none,
)

if TYPE_CHECKING:  # response shapes: types only (pydantic is not loaded by services)
    from chalicelib.schemas.emails import EmailsOut, PendingAdded

log = logging.getLogger("portal.emails")

PURPOSE = "add-email"
MAX_PENDING = 3
RESEND_INTERVAL = timedelta(seconds=60)
_WRITE_ATTEMPTS = 3  # version conflicts with a concurrent profile save are retried this often


class _VersionConflict(Exception):
    """The account changed between our read and our write."""


def code_subject(account_id: str, address: str) -> str:
    """What a verification code is bound to: this account and this (normalised) address."""
    return f"{account_id}:{address}"


# ---------------------------------------------------------------- public rules


def request_address(account_id: str, raw_email: str) -> PendingEmail:
    """Start adding an address (or resend its code): store it as pending, email a code.

    The code is issued and sent before the pending entry is stored, so a failed
    send (503) leaves no entry and no ``resend_after`` to wait for: the code is
    discarded and its sending-limit counts refunded, so an immediate retry goes through.
    """
    parsed = email_address.parse(raw_email)
    account = _load(account_id)
    now = clock.now()
    if _verified(account, parsed.address) is not None:
        raise Conflict("email_already_added")
    live = _live_pending(account, now)
    current = next((p for p in live if p.address == parsed.address), None)
    if current is not None and now < current.resend_after:
        raise RateLimited(math.ceil((current.resend_after - now).total_seconds()))
    if current is None and len(live) >= MAX_PENDING:
        raise Conflict("too_many_pending_emails")
    counted = [rate_limits.check_code_sending(parsed.address)]
    subject = code_subject(account_id, parsed.address)
    with rate_limits.refunded_on_failure(counted):
        nonce = codes.issue(PURPOSE, subject, account_id=account_id)
        try:
            mail_queue.enqueue(
                {
                    "kind": outbound_mail.VERIFICATION_CODE,
                    "account_id": account_id,
                    "address": parsed.address,
                    "display": parsed.display,
                    "nonce": nonce,
                }
            )
        except Unavailable:
            codes.discard(PURPOSE, subject)  # never sent: not left usable
            raise

    pending = PendingEmail(
        address=parsed.address,
        display=parsed.display,
        expires_at=now + limits.CODE_TTL,
        resend_after=now + RESEND_INTERVAL,
    )

    def add_pending(fresh: Account) -> bool:
        if _verified(fresh, parsed.address) is not None:
            return False  # verified meanwhile (another request): nothing to add
        others = [p for p in _live_pending(fresh, now) if p.address != parsed.address]
        fresh.pending_emails = [*others, pending]
        return True

    # The code is out: if this write fails the code still works (verification
    # needs the code, not the pending entry), so the person is not stuck.
    _save_with_retry(account, add_pending)
    return pending


def add_address(account_id: str, raw_email: str) -> PendingAdded:
    """``POST /profile/emails``: the pending entry of ``request_address``, as answered."""
    pending = request_address(account_id, raw_email)
    return {
        "pending": {
            "address": pending.display,
            "expires_at": utc_iso(pending.expires_at),
            "resend_after": utc_iso(pending.resend_after),
        }
    }


def verify_address(account_id: str, raw_email: str, code: str, actor: Actor) -> Account:
    """Check the code, then claim the address and add it to the account in one transaction.

    Another account owning the address -> 409 ``email_in_use`` and nothing is
    written (the pending entry stays until it expires or is cancelled).
    """
    parsed = email_address.parse(raw_email)
    account = _load(account_id)
    if _verified(account, parsed.address) is not None:
        raise Conflict("email_already_added")
    # Checked here, consumed by the transaction that adds the address: a failed
    # write (503) leaves the code usable, so the retry the 503 invites works.
    try:
        code_item = codes.check(PURPOSE, code_subject(account_id, parsed.address), code)
    except RateLimited as burned:
        if burned.code != "too_many_attempts":
            raise
        # Honest Retry-After: when a new code may be asked, not when this one expires.
        raise RateLimited(_resend_wait(account, parsed.address), code="too_many_attempts") from None

    for attempt in range(_WRITE_ATTEMPTS):
        if attempt:
            account = _load(account_id)
            if _verified(account, parsed.address) is not None:
                return account  # a concurrent request with the same code path won
        try:
            added = _claim_and_add(account, parsed.address, parsed.display, code_item, actor)
            break
        except _VersionConflict:
            continue
    else:
        raise Conflict("version_conflict")

    bounces.verified_again(parsed.address)
    _notify(
        account,
        [e for e in account.emails if e.address != parsed.address],
        email_texts.address_added(account.language, address=added.display),
        "added",
    )
    return account


def remove_address(account_id: str, raw_address: str, actor: Actor) -> Account:
    """Cancel a pending address, or remove a verified one and release its claim.

    The last verified address is never removed (409 ``last_email``). Sessions
    signed in with a removed address are left alone on purpose: they stay valid
    and keep showing the address they used.
    """
    address = email_address.normalise(unquote(raw_address or ""))
    if address is None:
        raise NotFound()
    for _attempt in range(_WRITE_ATTEMPTS):
        account = _load(account_id)
        removed = _verified(account, address)
        if removed is None:
            if not any(p.address == address for p in account.pending_emails):
                raise NotFound()
            codes.discard(PURPOSE, code_subject(account_id, address))
            return _save_with_retry(account, lambda fresh: _drop_pending(fresh, address))
        if len(account.emails) <= 1:
            raise Conflict("last_email")
        try:
            _release_and_remove(account, address, actor)
        except _VersionConflict:
            continue
        _notify(
            account,
            [removed],
            email_texts.address_removed(account.language, address=removed.display),
            "removed",
        )
        return account
    raise Conflict("version_conflict")


def send_verification_code(account_id: str, address: str, display: str, nonce: str) -> None:
    """(mail sender) Email the code of ``nonce``, unless it was replaced, used or expired
    meanwhile (a newer email is on its way, or none is needed)."""
    if not codes.still_issued(PURPOSE, code_subject(account_id, address), nonce):
        return
    account = get_or_none(Account, account_id, consistent_read=True)
    if account is None:
        return  # the account is gone
    email = email_texts.verification_code(
        account.language,
        address=display,
        code=codes.derived_code(PURPOSE, nonce),
        minutes=limits.CODE_TTL_MINUTES,
    )
    codes.mail(address, email)


def addresses_view(account: Account) -> EmailsOut:
    """The ``emails`` and ``pending_emails`` members of the Profile object."""
    from chalicelib.services.profile import profile_view  # the Profile's one shape

    view = profile_view(account)
    return {"emails": view["emails"], "pending_emails": view["pending_emails"]}


# ---------------------------------------------------------------- helpers


def _load(account_id: str) -> Account:
    """A strongly consistent read: its version is the condition of our write."""
    account = get_or_none(Account, account_id, consistent_read=True)
    if account is None:
        raise Unauthenticated()
    return account


def _verified(account: Account, address: str) -> VerifiedEmail | None:
    return next((e for e in account.emails or [] if e.address == address), None)


def _live_pending(account: Account, now: datetime) -> list[PendingEmail]:
    """Pending entries whose code can still work; expired ones are dropped on the next write."""
    return [p for p in account.pending_emails or [] if p.expires_at > now]


def _drop_pending(account: Account, address: str) -> bool:
    """False (nothing to write) when a concurrent request already cancelled it."""
    kept = [p for p in account.pending_emails or [] if p.address != address]
    if len(kept) == len(account.pending_emails or []):
        return False
    account.pending_emails = kept
    return True


def _resend_wait(account: Account, address: str) -> int:
    """Seconds until ``POST /profile/emails`` may send ``address`` a new code (at least 1)."""
    now = clock.now()
    pending = next((p for p in _live_pending(account, now) if p.address == address), None)
    resend = (pending.resend_after - now).total_seconds() if pending is not None else 0
    return max(1, math.ceil(resend), rate_limits.code_sending_wait(address))


def _save_with_retry(account: Account, change: Callable[[Account], bool]) -> Account:
    """Apply ``change`` and save on the account's version; re-read and redo on a conflict."""
    for attempt in range(_WRITE_ATTEMPTS):
        if attempt:
            account = _load(account.account_id)
        if not change(account):
            return account
        account.updated_at = clock.now()
        if conditional(account.save):  # pynamodb adds "version = <read version>"
            return account
    raise Conflict("version_conflict")


def _claim_and_add(
    account: Account, address: str, display: str, code_item: Code, actor: Actor
) -> VerifiedEmail:
    """One transaction: claim the address (if nobody has) + add it to the account (on
    version) + consume the code that authorises it (if still unused)."""
    now = clock.now()
    pending = next((p for p in account.pending_emails or [] if p.address == address), None)
    shown = pending.display if pending is not None else display  # as first typed
    added = VerifiedEmail(address=address, display=shown, verified_at=now)
    account.emails = [*(account.emails or []), added]
    account.pending_emails = [p for p in _live_pending(account, now) if p.address != address]
    account.updated_at = now
    from chalicelib.services.profile import claim_for  # the profile's rule

    claim = claim_for(address, account, now)
    event = portal_events.email_verified(account, address, portal_events.next_version(account))
    try:
        with transaction() as write:
            write.delete(code_item, condition=codes.unused(code_item))
            write.save(claim, condition=EmailClaim.email.does_not_exist())
            write.save(account)  # version condition added by pynamodb
            portal_events.record(write, event)
            activity.add(write, actor, "email_added", {"address": shown})
    except TransactWriteError as exc:
        if cancelled_by(exc, claim) == CONDITION_FAILED:
            if _claim_owner(address) == account.account_id:
                raise _VersionConflict() from None  # our own concurrent request won: re-read
            codes.discard(PURPOSE, code_subject(account.account_id, address))  # single use
            raise Conflict("email_in_use") from None
        if cancelled_by(exc, account) == CONDITION_FAILED or TRANSACTION_CONFLICT in cancel_reasons(
            exc
        ):
            # Our account changed, or a concurrent transaction touched the same
            # items (DynamoDB cancels one of two racing claims this way): retry
            # on a fresh read, where a claim taken meanwhile shows as email_in_use.
            raise _VersionConflict() from None
        if cancelled_by(exc, code_item) == CONDITION_FAILED:  # used or replaced meanwhile
            raise Unauthenticated("invalid_code") from None
        raise
    return added


def _claim_owner(address: str) -> str | None:
    claim = get_or_none(EmailClaim, address, consistent_read=True)
    return claim.account_id if claim is not None else None


def _release_and_remove(account: Account, address: str, actor: Actor) -> None:
    """One transaction: delete this account's claim + remove the address from the account."""
    removed = _verified(account, address)
    account.emails = [e for e in account.emails if e.address != address]
    account.pending_emails = _live_pending(account, clock.now())
    account.updated_at = clock.now()
    # A claim missing altogether (data written before claims existed) is no reason to refuse.
    owned = (EmailClaim.account_id == account.account_id) | EmailClaim.email.does_not_exist()
    claim = EmailClaim(address)
    event = portal_events.email_removed(account, address, portal_events.next_version(account))
    try:
        with transaction() as write:
            write.delete(claim, condition=owned)
            write.save(account)
            portal_events.record(write, event)
            shown = removed.display if removed is not None else address
            activity.add(write, actor, "email_removed", {"address": shown})
    except TransactWriteError as exc:
        if cancelled_by(exc, account) == CONDITION_FAILED or TRANSACTION_CONFLICT in cancel_reasons(
            exc
        ):
            raise _VersionConflict() from None
        if cancelled_by(exc, claim) == CONDITION_FAILED:
            # The claim is another account's: the data is inconsistent; refuse, change nothing.
            log.error(
                "claim of a verified address of account %s is not its own", account.account_id
            )
            raise Conflict() from None
        raise


def _notify(account: Account, recipients: list[VerifiedEmail], email: Email, what: str) -> None:
    """Best-effort notices, recorded for the mail sender: the change is done; a failed
    queue is logged (ids only), not raised."""
    for recipient in recipients:
        try:
            outbound_mail.notice(recipient.address, email)
        except Unavailable:
            log.warning("address-%s notice not sent (account %s)", what, account.account_id)
