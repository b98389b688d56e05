"""Sessions: issuing tokens and authenticating every protected request.

A token is ``<account_id>.<session_id>.<secret>``; only SHA-256 of the secret
is stored, so a leaked table cannot be replayed, and the public session id
(shown in the sessions list) is never the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from chalicelib import limits
from chalicelib.adapters import clock
from chalicelib.caller import Call, Caller
from chalicelib.errors import Unauthenticated
from chalicelib.services import activity, codes
from chalicelib.store.accounts import Account
from chalicelib.store.base import expiry_day, transaction
from chalicelib.store.codes import Code
from chalicelib.store.ops import CONDITION_FAILED, cancelled_by, get_or_none
from chalicelib.store.sessions import Location, Session

if TYPE_CHECKING:  # types only (pydantic is not loaded by services)
    from chalicelib.schemas.sessions import LocationOut

ACTIVITY_RESOLUTION = timedelta(minutes=5)
_MAX_TOKEN_LENGTH = 200


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(12)}"


@dataclass(frozen=True)
class IssuedSession:
    token: str
    session: Session


def issue(
    account_id: str,
    email: str,
    *,
    user_agent: str | None,
    ip: str | None,
    location: LocationOut | None,
    consuming: Code | None = None,
) -> IssuedSession:
    """Start a session for an account; returns the token (shown once) and the item.

    ``consuming``: the sign-in code this session is exchanged for, used up in the
    same transaction as the session is written, so a failed write (503) leaves
    the code usable for the retry, and a code opens one session at most.
    """
    now = clock.now()
    session_id = new_id("s")
    secret = secrets.token_urlsafe(32)
    expires = now + limits.SESSION_LIFETIME
    session = Session(
        account_id,
        session_id,
        token_hash=_hash(secret),
        email=email,
        user_agent=(user_agent or "")[:512] or None,
        ip=ip or None,
        location=Location(**location) if location else None,
        created_at=now,
        last_active_at=now,
        expires_at=expires,
        expiry_day=expiry_day(expires),
    )
    if consuming is not None:
        _save_consuming(session, consuming)
        return IssuedSession(token=f"{account_id}.{session_id}.{secret}", session=session)
    session.save(condition=Session.session_id.does_not_exist())
    return IssuedSession(token=f"{account_id}.{session_id}.{secret}", session=session)


def _save_consuming(session: Session, code: Code) -> None:
    """One transaction: use up the code + write the session.

    Idempotent when its reply is lost: the request token derives from the code
    item, so botocore's retry is answered by DynamoDB as the first call was; and
    should a retry still find the code used, the session it wrote is looked for
    before answering 401 (our own write, not a concurrent sign-in).
    """
    token = hashlib.sha256(f"{code.code_id}:{code.digest}".encode()).hexdigest()[:36]
    try:
        with transaction(client_request_token=token) as write:
            write.delete(code, condition=codes.unused(code))
            write.save(session, condition=Session.session_id.does_not_exist())
            activity.add(write, activity.Actor.of_session(session), "sign_in")
    except TransactWriteError as exc:
        if cancelled_by(exc, code) == CONDITION_FAILED:
            if _written(session):
                return  # a retry of our own write, whose first reply was lost
            raise Unauthenticated("invalid_code") from None  # used by a concurrent sign-in
        raise


def _written(session: Session) -> bool:
    stored = get_or_none(Session, session.account_id, session.session_id, consistent_read=True)
    if stored is None:
        return False
    return hmac.compare_digest(stored.token_hash, session.token_hash)


def is_live(session: Session, now: datetime) -> bool:
    """Within ``expires_at`` *and* 90 days of its creation (an item written with a later
    ``expires_at`` cannot outlive the rule). TTL deletes lazily: checked on every read."""
    return session.expires_at > now and session.created_at + limits.SESSION_LIFETIME > now


def _load_account(account_id: str) -> Account:
    account = get_or_none(Account, account_id)
    if account is None:
        raise Unauthenticated()
    return account


def authenticate(token: str | None, call: Call) -> Caller:
    """Check a bearer token: one consistent read, constant-time compare, expiry."""
    if not token or len(token) > _MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise Unauthenticated()
    account_id, session_id, secret = token.split(".")
    if not (account_id and session_id and secret):
        raise Unauthenticated()
    session = get_or_none(Session, account_id, session_id, consistent_read=True)
    if session is None:
        raise Unauthenticated()
    now = clock.now()
    if not hmac.compare_digest(session.token_hash, _hash(secret)) or not is_live(session, now):
        raise Unauthenticated()
    touch(session, now)
    return Caller(account_id, session_id, session.email, _load_account)


def touch(session: Session, now: datetime) -> None:
    """Record activity at most once per 5 minutes (a conditional update, not one per request)."""
    if now - session.last_active_at < ACTIVITY_RESOLUTION:
        return
    # Best effort: refused (another request refreshed it first, the session just
    # ended) or failed, the request itself is authenticated.
    with suppress(PynamoDBException):
        session.update(
            actions=[Session.last_active_at.set(now)],
            condition=(Session.last_active_at < now - ACTIVITY_RESOLUTION)
            & Session.token_hash.exists(),
        )
