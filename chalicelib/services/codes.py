"""One-time codes (sign-in flows, email verification): 6 digits, 10 minutes, 5 tries, single use.

Only ``HMAC-SHA256(key, "<purpose>:<subject>:<code>")`` is stored, so a leaked
table reveals no code, and a code is bound to what it was sent for. Every state
change is a conditional write: concurrent wrong tries cannot exceed the limit
and two concurrent uses of one code succeed once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PynamoDBException

from chalicelib import limits, observability
from chalicelib.adapters import clock, mailer
from chalicelib.errors import RateLimited, Unauthenticated
from chalicelib.i18n.mail import Email
from chalicelib.services.secrets_store import code_key
from chalicelib.store.base import expiry_day
from chalicelib.store.codes import Code
from chalicelib.store.ops import conditional, get_or_none

log = logging.getLogger("portal.codes")

MAX_ATTEMPTS = 5


def _code_id(purpose: str, subject: str) -> str:
    return f"{purpose}#{subject}"


def _digest(purpose: str, subject: str, code: str) -> str:
    message = f"{purpose}:{subject}:{code}".encode()
    return hmac.new(code_key(), message, hashlib.sha256).hexdigest()


def derived_code(purpose: str, seed: str) -> str:
    """The code of a random ``seed`` (a flow id, a nonce): ``HMAC(key, seed)`` as 6 digits.

    So queue messages carry the seed, never the code: without the server key
    the seed tells nothing, and a retried delivery emails the same code again.
    """
    mac = hmac.new(code_key(), f"code:{purpose}:{seed}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(mac[:8], 'big') % 10**limits.CODE_DIGITS:0{limits.CODE_DIGITS}d}"


def issue(purpose: str, subject: str, *, account_id: str | None = None) -> str:
    """A new code for (purpose, subject), replacing any previous one; returns the nonce
    the code derives from (``derived_code``), for the mail sender. No code in clear."""
    nonce = secrets.token_urlsafe(16)
    now = clock.now()
    expires = now + limits.CODE_TTL
    item = Code(
        _code_id(purpose, subject),
        digest=_digest(purpose, subject, derived_code(purpose, nonce)),
        attempts=0,
        sent_at=now,
        account_id=account_id,
        expires_at=expires,
        expiry_day=expiry_day(expires),
    )
    item.save()
    return nonce


def still_issued(purpose: str, subject: str, nonce: str) -> bool:
    """Whether the code of ``nonce`` is still the live one (not replaced, used or expired)."""
    item = get_or_none(Code, _code_id(purpose, subject), consistent_read=True)
    if item is None:
        return False
    live = item.expires_at > clock.now() and item.attempts < MAX_ATTEMPTS
    expected = _digest(purpose, subject, derived_code(purpose, nonce))
    return live and hmac.compare_digest(item.digest or "", expected)


# --- sign-in flows --------------------------------------------------------------------------
# A flow is a Code item keyed by a random id that only its requester holds: wrong
# codes are counted on the flow, so nobody without it can burn its code.


def _flow_subject(flow_id: str, address: str) -> str:
    return f"{flow_id}:{address}"


def open_flow(
    purpose: str, address: str, *, budget_at: float | None = None, user_agent: str | None = None
) -> str:
    """A new flow for ``address``, without a code yet (the mail sender arms it)."""
    flow_id = secrets.token_urlsafe(24)
    now = clock.now()
    expires = now + limits.CODE_TTL
    Code(
        _code_id(purpose, flow_id),
        email=address,
        attempts=0,
        sent_at=now,
        budget_at=budget_at,
        user_agent=user_agent,
        expires_at=expires,
        expiry_day=expiry_day(expires),
    ).save(condition=Code.code_id.does_not_exist())
    return flow_id


def load_flow(purpose: str, flow_id: str) -> Code | None:
    """The flow if it is still open (not expired, not burned, not used)."""
    item = get_or_none(Code, _code_id(purpose, flow_id), consistent_read=True)
    if item is None:
        return None
    if item.expires_at <= clock.now() or item.attempts >= MAX_ATTEMPTS:
        return None
    return item


def arm_flow(
    item: Code, purpose: str, flow_id: str, *, account_id: str | None, device: str | None = None
) -> str | None:
    """Store the HMAC of the flow's code (bound to purpose, flow and address) and the
    ``device`` its User-Agent describes; returns the code to email, or None if the flow
    was burned or used meanwhile. Idempotent: the code derives from the flow id, so a
    retried delivery stores and sends the same code."""
    code = derived_code(purpose, flow_id)
    digest = _digest(purpose, _flow_subject(flow_id, item.email or ""), code)
    armed = conditional(
        item.update,
        actions=[
            Code.digest.set(digest),
            # None is written as NULL (pynamodb's annotation leaves None out).
            Code.account_id.set(account_id),  # type: ignore[arg-type]
            Code.device.set(device),  # type: ignore[arg-type]
        ],
        condition=Code.code_id.exists()
        & (Code.attempts < MAX_ATTEMPTS)
        & (Code.digest.does_not_exist() | (Code.digest == digest)),
    )
    return code if armed else None


def flow_to_check(purpose: str, flow_id: str) -> Code:
    """The flow's item, to check a code against (``check_flow``).

    Unknown or expired -> 401 ``invalid_code``; burned -> 429 ``too_many_attempts``.
    """
    now = clock.now()
    item = get_or_none(Code, _code_id(purpose, flow_id), consistent_read=True)
    if item is None or item.expires_at <= now:
        raise Unauthenticated("invalid_code")
    if item.attempts >= MAX_ATTEMPTS:
        raise RateLimited(_seconds_until(item.expires_at, now), code="too_many_attempts")
    return item


def check_flow(item: Code, purpose: str, flow_id: str, address: str, code: str) -> Code:
    """``item`` (from ``flow_to_check``) if ``code`` is its code for ``address``, *without*
    using it up (consume it with ``unused(item)`` in the write it authorises).

    A wrong code (including a flow asked for another address, or one never armed: an
    unknown address) -> 401 ``invalid_code``; each counts on the flow, the 5th burns it.
    """
    given = _digest(purpose, _flow_subject(flow_id, address), (code or "").strip())
    if not hmac.compare_digest(given, item.digest or ""):
        _count_wrong_flow_try(item)
        raise Unauthenticated("invalid_code")
    return item


def _count_wrong_flow_try(item: Code) -> None:
    # Refused: the flow is gone or burned meanwhile (nothing left to count).
    conditional(
        item.update,
        actions=[Code.attempts.add(1)],
        condition=Code.code_id.exists() & (Code.attempts < MAX_ATTEMPTS),
    )


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, int((moment - now).total_seconds() + 0.999))


def check(purpose: str, subject: str, code: str) -> Code:
    """The stored code if ``code`` is right, *without* using it up.

    For a caller that consumes it in its own transaction, together with the
    write it authorises: ``transaction.delete(item, condition=unused(item))``.
    Then a failed write leaves the code usable, and the retry works.
    Missing, expired or wrong -> ``Unauthenticated("invalid_code")`` (a wrong try
    counts; the 5th burns the code); burned -> 429 ``too_many_attempts``.
    """
    now = clock.now()
    item = get_or_none(Code, _code_id(purpose, subject), consistent_read=True)
    if item is None or item.expires_at <= now:  # TTL deletes lazily: expiry is checked here
        raise Unauthenticated("invalid_code")
    if item.attempts >= MAX_ATTEMPTS:
        raise RateLimited(_seconds_until(item.expires_at, now), code="too_many_attempts")
    given = _digest(purpose, subject, (code or "").strip())
    if not hmac.compare_digest(given, item.digest or ""):
        _count_wrong_try(item)
        raise Unauthenticated("invalid_code")
    return item


def unused(item: Code) -> Any:
    """The condition for consuming ``item``: still this code, not burned meanwhile."""
    return (Code.digest == item.digest) & (Code.attempts < MAX_ATTEMPTS)


def _count_wrong_try(item: Code) -> None:
    conditional(
        item.update,
        actions=[Code.attempts.add(1)],
        # Same code still stored and not yet burned: tries never exceed the limit.
        condition=(Code.digest == item.digest) & (Code.attempts < MAX_ATTEMPTS),
    )


def mail(to: str, email: Email) -> None:
    """(mail sender) Email a code and count it among the codes sent (a metric)."""
    mailer.send_email(to, email.subject, email.text, email.html)
    observability.count(observability.CODES_SENT)


def discard(purpose: str, subject: str) -> None:
    """Remove the code for (purpose, subject), if any: its email could not be queued,
    or its address was cancelled.

    Best effort: a code left behind was never sent, and expires within limits.CODE_TTL."""
    try:
        Code(_code_id(purpose, subject)).delete()
    except PynamoDBException:
        log.warning("unsent code not discarded")


def forget(purpose: str, subject: str) -> None:
    """Delete the code for (purpose, subject), if any (an account deletion); raises on
    failure, so the deletion's marker stays and cleanup tries again."""
    Code(_code_id(purpose, subject)).delete()
