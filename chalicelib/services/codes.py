"""One-time codes (sign-in, email verification): 6 digits, 10 minutes, 5 tries, single use.

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
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PynamoDBException, UpdateError

from chalicelib.adapters import clock, mailer
from chalicelib.errors import RateLimited, Unauthenticated, Unavailable
from chalicelib.services.secrets_store import code_key
from chalicelib.store.base import condition_failed, expiry_day
from chalicelib.store.codes import Code

log = logging.getLogger("portal.codes")

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
CODE_DIGITS = 6


def _code_id(purpose: str, subject: str) -> str:
    return f"{purpose}#{subject}"


def _digest(purpose: str, subject: str, code: str) -> str:
    message = f"{purpose}:{subject}:{code}".encode()
    return hmac.new(code_key(), message, hashlib.sha256).hexdigest()


def issue(purpose: str, subject: str, *, account_id: str | None = None) -> str:
    """A new code for (purpose, subject), replacing any previous one; returns it in clear
    (to be emailed, never stored or logged)."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = clock.now()
    expires = now + CODE_TTL
    item = Code(
        _code_id(purpose, subject),
        digest=_digest(purpose, subject, code),
        attempts=0,
        sent_at=now,
        account_id=account_id,
        expires_at=expires,
        expiry_day=expiry_day(expires),
    )
    item.save()
    return code


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
    try:
        item = Code.get(_code_id(purpose, subject), consistent_read=True)
    except DoesNotExist:
        raise Unauthenticated("invalid_code") from None
    if item.expires_at <= now:  # TTL deletes lazily: expiry is checked here
        raise Unauthenticated("invalid_code")
    if item.attempts >= MAX_ATTEMPTS:
        raise RateLimited(_seconds_until(item.expires_at, now), code="too_many_attempts")
    given = _digest(purpose, subject, (code or "").strip())
    if not hmac.compare_digest(given, item.digest):
        _count_wrong_try(item)
        raise Unauthenticated("invalid_code")
    return item


def unused(item: Code) -> Any:
    """The condition for consuming ``item``: still this code, not burned meanwhile."""
    return (Code.digest == item.digest) & (Code.attempts < MAX_ATTEMPTS)


def verify(purpose: str, subject: str, code: str) -> Code:
    """Check and consume the code (see ``check`` and the module docstring for the rules)."""
    item = check(purpose, subject, code)
    try:
        item.delete(condition=unused(item))
    except DeleteError as exc:
        if condition_failed(exc):  # used, replaced or burned meanwhile
            raise Unauthenticated("invalid_code") from None
        raise Unavailable("dynamodb") from exc
    return item


def _count_wrong_try(item: Code) -> None:
    try:
        item.update(
            actions=[Code.attempts.add(1)],
            # Same code still stored and not yet burned: tries never exceed the limit.
            condition=(Code.digest == item.digest) & (Code.attempts < MAX_ATTEMPTS),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise Unavailable("dynamodb") from exc


def send(
    purpose: str,
    subject: str,
    *,
    to: str,
    compose: Callable[[str], tuple[str, str, str]],
    account_id: str | None = None,
) -> None:
    """Issue a code and email it to ``to``: ``compose(code)`` -> (subject, text, html).

    A code whose email could not be sent (503) is discarded, never left usable."""
    code = issue(purpose, subject, account_id=account_id)
    try:
        mailer.send_email(to, *compose(code))
    except Unavailable:
        discard(purpose, subject)
        raise


def discard(purpose: str, subject: str) -> None:
    """Remove the code for (purpose, subject), if any: its email could not be sent.

    Best effort: a code left behind was never sent, and expires within CODE_TTL."""
    try:
        Code(_code_id(purpose, subject)).delete()
    except PynamoDBException:
        log.warning("unsent code not discarded")


def forget(purpose: str, subject: str) -> None:
    """Delete the code for (purpose, subject), if any (an account deletion); raises on
    failure, so the deletion's marker stays and cleanup tries again."""
    Code(_code_id(purpose, subject)).delete()
