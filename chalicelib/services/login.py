"""Passwordless sign-in: emailing a code, then exchanging it for a session.

Who may sign in: an address that is a verified email of an account
(``EmailClaim``) or that is on at least one professional's client record.
Everyone else gets exactly the same answer, and nothing is sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError

from chalicelib import observability
from chalicelib.adapters import clock, mailer, useragent
from chalicelib.config import LANGUAGES, settings
from chalicelib.errors import PortalError, Unavailable
from chalicelib.i18n import auth_texts
from chalicelib.i18n.formatting import format_datetime
from chalicelib.services import bounces, codes, email_address, phones, rate_limits, sessions
from chalicelib.services.email_address import EmailAddress
from chalicelib.services.session_list import device_fingerprint, live_sessions
from chalicelib.store.accounts import Account, VerifiedEmail
from chalicelib.store.base import transaction
from chalicelib.store.client_records import ClientRecord
from chalicelib.store.email_claims import EmailClaim
from chalicelib.store.sessions import Session

log = logging.getLogger("portal.login")

LOGIN = "login"  # purpose of sign-in codes
CODE_LIFETIME_SECONDS = int(codes.CODE_TTL.total_seconds())


@dataclass(frozen=True)
class SignedIn:
    token: str
    session: Session
    account: Account
    created: bool  # this sign-in created the account


# --- lookups ------------------------------------------------------------------------------


def _claim(address: str) -> EmailClaim | None:
    try:
        return EmailClaim.get(address, consistent_read=True)
    except DoesNotExist:
        return None


def _account(account_id: str) -> Account:
    try:
        return Account.get(account_id, consistent_read=True)
    except DoesNotExist:  # a claim always points to an account: a broken invariant
        log.error("claim points to a missing account %s", account_id)
        raise Unavailable("dynamodb") from None


def _client_record(address: str, *, earliest: bool) -> ClientRecord | None:
    """The first (earliest ``created_at``) or latest client record carrying the address."""
    for record in ClientRecord.by_email.query(address, scan_index_forward=earliest, limit=1):
        return record
    return None


# --- POST /auth/code ----------------------------------------------------------------------


def request_code(raw_email: str, *, ip: str, language: str) -> int:
    """Email a sign-in code to a known address; returns its lifetime in seconds.

    Unknown addresses go through the same limits and lookups and get the same
    answer; only the code and the email are skipped. ``language`` (the
    request's) is used when neither an account nor a client record has one.
    SES or DynamoDB failure -> 503, the code is discarded and the sending limits
    refunded, so an immediate retry is clean.
    """
    email = email_address.parse(raw_email)
    counted = [rate_limits.check_caller(ip), rate_limits.check_code_sending(email.address)]
    with rate_limits.refunded_on_failure(counted):
        _send_code(email.address, language)
    return CODE_LIFETIME_SECONDS


def _send_code(address: str, language: str) -> None:
    """Issue and email a code if the address is known; silently nothing otherwise."""
    claim = _claim(address)
    record = _client_record(address, earliest=False)
    if claim is not None:
        account = _account(claim.account_id)
        account_id: str | None = account.account_id
        language = account.language
    elif record is not None:
        account_id = None
        language = record.language or language
    else:
        return
    texts_language = _language(language)

    def compose(code: str) -> tuple[str, str, str]:
        message = auth_texts.code_email(code, texts_language)
        return message.subject, message.text, message.html

    codes.send(LOGIN, address, to=address, compose=compose, account_id=account_id)


def _language(value: str | None) -> str:
    return value if value in LANGUAGES else settings().default_language


# --- POST /auth/login ---------------------------------------------------------------------


def sign_in(
    raw_email: str,
    code: str,
    *,
    user_agent: str | None,
    ip: str,
    location: dict | None,
    language: str,
) -> SignedIn:
    """Exchange a code for a session; the first sign-in creates the account."""
    email = email_address.parse(raw_email)
    # Checked now, used up with the session write: a 503 on the way leaves it usable.
    checked = codes.check(LOGIN, email.address, code)
    account, created = account_for(email, language=language)
    issued = sessions.issue(
        account.account_id,
        email.address,
        user_agent=user_agent,
        ip=ip,
        location=location,
        consuming=checked,
    )
    bounces.verified_again(email.address)
    if not created:
        _notify_if_new_device(account, issued.session)
    observability.count(observability.SIGN_INS)
    return SignedIn(issued.token, issued.session, account, created)


def account_for(email: EmailAddress, *, language: str) -> tuple[Account, bool]:
    """The account owning the address, or a new one claiming it: (account, created).

    The account and its claim are written in one transaction that fails if the
    address is already claimed, so two simultaneous first sign-ins end in one
    account: the loser re-reads the claim and signs in to the winner's.
    """
    claim = _claim(email.address)
    if claim is not None:
        return _account(claim.account_id), False
    account = _new_account(email, language=language)
    claim = EmailClaim(email.address, account_id=account.account_id, claimed_at=account.created_at)
    try:
        with transaction() as write:
            write.save(account, condition=Account.account_id.does_not_exist())
            write.save(claim, condition=EmailClaim.email.does_not_exist())
    except TransactWriteError as exc:
        if exc.cause_response_code != "TransactionCanceledException":
            raise Unavailable("dynamodb") from exc
        winner = _claim(email.address)
        if winner is None:  # cancelled for another reason (conflict, throttling): retry later
            raise Unavailable("dynamodb") from exc
        return _account(winner.account_id), False
    return account, True


def _valid_e164(value: str | None) -> str | None:
    """Client records keep numbers as typed when they are not valid; only E.164 is copied."""
    if not value or not value.startswith("+"):
        return None
    return value if phones.to_e164(value) == value else None


def _new_account(email: EmailAddress, *, language: str) -> Account:
    """Profile defaults from the client record of the person's first booking."""
    now = clock.now()
    record = _client_record(email.address, earliest=True)
    return Account(
        sessions.new_id("a"),
        first_name=record.first_name if record else None,
        last_name=record.last_name if record else None,
        mobile_phone=_valid_e164(record.mobile_phone) if record else None,
        home_phone=_valid_e164(record.home_phone) if record else None,
        language=_language((record.language if record else None) or language),
        date_format="YYYY-MM-DD",
        time_format="24h",
        timezone=settings().default_timezone,
        emails=[VerifiedEmail(address=email.address, display=email.display, verified_at=now)],
        pending_emails=[],
        created_at=now,
        updated_at=now,
    )


# --- new sign-in notice -------------------------------------------------------------------


def _notify_if_new_device(account: Account, session: Session) -> None:
    """Tell every verified address about a sign-in from a device + browser not seen on the
    account's other live sessions. Never fails the sign-in."""
    try:
        fingerprint = device_fingerprint(session.user_agent)
        others = [
            s for s in live_sessions(account.account_id) if s.session_id != session.session_id
        ]
        if any(device_fingerprint(s.user_agent) == fingerprint for s in others):
            return
        message = _notice(account, session)
        for address in bounces.deliverable([v.address for v in account.emails or []]):
            mailer.send_email(address, message.subject, message.text, message.html)
    except (PortalError, PynamoDBException):
        log.warning("new sign-in notice not sent (account %s)", account.account_id)


def _notice(account: Account, session: Session) -> auth_texts.Email:
    from chalicelib.services.profile import display_prefs

    prefs = display_prefs(account)
    info = useragent.describe(session.user_agent)
    device = ", ".join(part for part in (info.name, info.os) if part) or None
    location = session.location.label if session.location is not None else None
    return auth_texts.new_sign_in_email(
        prefs.language,
        when=format_datetime(session.created_at, prefs),
        device=device,
        browser=info.browser,
        location=location,
    )


# --- the response -------------------------------------------------------------------------


def profile_of(account: Account) -> dict[str, Any]:
    """The Profile object (the profile service's view; imported here, off the code path)."""
    from chalicelib.services.profile import profile_view

    return profile_view(account)
