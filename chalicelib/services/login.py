"""Passwordless sign-in: emailing a code, then exchanging it for a session.

Who may sign in: an address that is a verified email of an account
(``EmailClaim``) or that is on at least one professional's client record.
Everyone else gets exactly the same answer, and nothing is sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pynamodb.exceptions import TransactWriteError

from chalicelib import limits, observability
from chalicelib.adapters import clock, mail_queue, useragent
from chalicelib.config import LANGUAGES, settings
from chalicelib.errors import (
    DEPENDENCY_FAILURES,
    PortalError,
    RateLimited,
    Unauthenticated,
    Unavailable,
)
from chalicelib.i18n import auth_texts
from chalicelib.i18n.formatting import format_datetime
from chalicelib.i18n.mail import Email
from chalicelib.services import (
    bounces,
    codes,
    email_address,
    outbound_mail,
    phones,
    rate_limits,
    sessions,
)
from chalicelib.services.email_address import EmailAddress
from chalicelib.services.session_list import device_fingerprint, live_sessions
from chalicelib.store.accounts import Account, VerifiedEmail
from chalicelib.store.base import transaction
from chalicelib.store.client_records import ClientRecord
from chalicelib.store.codes import Code
from chalicelib.store.email_claims import EmailClaim
from chalicelib.store.ops import get_or_none
from chalicelib.store.sessions import Session

if TYPE_CHECKING:  # types only (pydantic is not loaded by services)
    from chalicelib.schemas.profile import Profile
    from chalicelib.schemas.sessions import LocationOut

log = logging.getLogger("portal.login")

# What ends a sign-in before its write; an invalid address is still told first (422).
_REFUSED_OR_FAILED: tuple[type[Exception], ...] = (
    Unauthenticated,
    RateLimited,
    *DEPENDENCY_FAILURES,
)

LOGIN = "login"  # purpose of sign-in codes


@dataclass(frozen=True)
class SignedIn:
    token: str
    session: Session
    account: Account
    created: bool  # this sign-in created the account


# --- lookups ------------------------------------------------------------------------------


def _claim(address: str) -> EmailClaim | None:
    return get_or_none(EmailClaim, address, consistent_read=True)


def _account(account_id: str) -> Account:
    account = get_or_none(Account, account_id, consistent_read=True)
    if account is None:  # a claim always points to an account: a broken invariant
        log.error("claim points to a missing account %s", account_id)
        raise Unavailable("dynamodb")
    return account


def _first_booking(address: str) -> ClientRecord | None:
    """The first (earliest ``created_at``) client record carrying the address."""
    for record in ClientRecord.by_email.query(address, scan_index_forward=True, limit=1):
        return record
    return None


def _new_account_language(record: ClientRecord | None, requested: str) -> str:
    """A new account's language: its first booking's, else the one asked for. The first
    sign-in code email is written in it too, so both speak the same language."""
    return _language((record.language if record else None) or requested)


# --- POST /auth/code ----------------------------------------------------------------------


@dataclass(frozen=True)
class CodeFlow:
    flow: str
    expires_in: int


def request_code(
    raw_email: str, *, ip: str, language: str, user_agent: str | None = None
) -> CodeFlow:
    """Open a sign-in flow for any valid address and record its code email for sending.

    Known and unknown addresses take the same path here, with the same reads and
    writes (limits, the flow item, one queue message): whether the address may
    sign in is decided by the mail sender (``send_sign_in_code``), off the request
    path, so neither the answer nor its time tells. Queue or DynamoDB failure ->
    503 and the limits refunded, for every address alike.
    """
    email = email_address.parse(raw_email)
    counted = [rate_limits.check_caller(ip), rate_limits.check_code_sending(email.address)]
    unused = rate_limits.check_unused_sign_in_codes(email.address)
    counted.append(unused)
    with rate_limits.refunded_on_failure(counted):
        flow = codes.open_flow(
            LOGIN, email.address, budget_at=unused.at, user_agent=_cut(user_agent)
        )
        mail_queue.enqueue(
            {"kind": outbound_mail.SIGN_IN_CODE, "flow": flow, "language": _language(language)}
        )
    return CodeFlow(flow, limits.CODE_TTL_SECONDS)


def send_sign_in_code(flow: str, language: str) -> None:
    """(mail sender) Arm the flow and email its code if its address may sign in; for an
    unknown address nothing: the flow keeps no code, so every code is wrong on it."""
    item = codes.load_flow(LOGIN, flow)
    if item is None or not item.email:
        return  # expired, burned or used meanwhile: nothing worth sending
    address = item.email
    claim = _claim(address)
    if claim is not None:
        account = _account(claim.account_id)
        account_id: str | None = account.account_id
        language = account.language
    else:
        record = _first_booking(address)
        if record is None:
            return
        account_id = None
        language = _new_account_language(record, language)
    # The sender parses the flow's User-Agent, so the sign-in that follows need not.
    device = useragent.stored(item.user_agent) if item.user_agent else None
    code = codes.arm_flow(item, LOGIN, flow, account_id=account_id, device=device)
    if code is None:
        return
    codes.mail(
        address, auth_texts.code_email(code, _language(language), minutes=limits.CODE_TTL_MINUTES)
    )


def _cut(user_agent: str | None) -> str | None:
    return (user_agent or "")[: useragent.MAX_LENGTH] or None


def _language(value: str | None) -> str:
    return value if value in LANGUAGES else settings().default_language


# --- POST /auth/login ---------------------------------------------------------------------


def sign_in(
    raw_email: str,
    code: str,
    flow: str,
    *,
    user_agent: str | None,
    ip: str,
    location: LocationOut | None,
    language: str,
) -> SignedIn:
    """Exchange a flow's code for a session; the first sign-in creates the account.

    Wrong codes count on the flow (5 burn it) and on the caller (20 an hour per
    IPv4 address or IPv6 /64), never on the address: a stranger cannot burn the
    code someone else just received.
    """
    try:
        rate_limits.check_wrong_codes(ip)
        item = codes.flow_to_check(LOGIN, flow)
        email = _flow_address(raw_email, item)
        # Checked now, used up with the session write: a 503 on the way leaves it usable.
        checked = codes.check_flow(item, LOGIN, flow, email.address, code)
    except _REFUSED_OR_FAILED as refused:
        email = email_address.parse(raw_email)  # an invalid address is told first (422)
        if isinstance(refused, Unauthenticated):
            rate_limits.count_wrong_code(ip)
        elif isinstance(refused, RateLimited) and refused.code == "too_many_attempts":
            # Burned: a new code is the way on.
            raise RateLimited(
                rate_limits.sign_in_code_wait(email.address), code="too_many_attempts"
            ) from None
        raise
    if checked.device and checked.user_agent == _cut(user_agent):  # the same browser
        useragent.remember(user_agent, checked.device)
    account, created = account_for(email, language=language)
    if account.mobile_phone or account.home_phone:  # shown in the answer's profile
        phones.load_in_background()
    issued = sessions.issue(
        account.account_id,
        email.address,
        user_agent=user_agent,
        ip=ip,
        location=location,
        consuming=checked,
    )
    bounces.verified_again(email.address)
    if checked.budget_at is not None:
        rate_limits.refund_unused_sign_in_code(email.address, checked.budget_at)
    if not created:
        _record_new_sign_in(account, issued.session)
    observability.count(observability.SIGN_INS)
    return SignedIn(issued.token, issued.session, account, created)


def _flow_address(raw_email: str, item: Code) -> EmailAddress:
    """The typed address, normalised. When it is the flow's own address (validated when
    the flow was opened) up to ASCII case, that is its normal form: email-validator
    (~20 ms to load on a new instance) is needed only for another address."""
    typed = (raw_email or "").strip()
    if item.email and typed.isascii() and typed.lower() == item.email:
        return EmailAddress(address=item.email, display=typed)
    return email_address.parse(raw_email)


def account_for(email: EmailAddress, *, language: str) -> tuple[Account, bool]:
    """The account owning the address, or a new one claiming it: (account, created).

    The account and its claim are written in one transaction that fails if the
    address is already claimed, so two simultaneous first sign-ins end in one
    account: the loser re-reads the claim and signs in to the winner's.
    """
    claim = _claim(email.address)
    if claim is not None:
        return _account(claim.account_id), False
    from chalicelib.services.profile import claim_for  # the profile's rule, off the cold path

    account = _new_account(email, language=language)
    claim = claim_for(email.address, account, account.created_at)
    try:
        with transaction() as write:
            write.save(account, condition=Account.account_id.does_not_exist())
            write.save(claim, condition=EmailClaim.email.does_not_exist())
    except TransactWriteError as exc:
        if exc.cause_response_code != "TransactionCanceledException":
            raise
        winner = _claim(email.address)
        if winner is None:  # cancelled for another reason (conflict, throttling): retry later
            raise
        return _account(winner.account_id), False
    return account, True


def _new_account(email: EmailAddress, *, language: str) -> Account:
    """Profile defaults from the client record of the person's first booking."""
    now = clock.now()
    record = _first_booking(email.address)
    return Account(
        sessions.new_id("a"),
        first_name=record.first_name if record else None,
        last_name=record.last_name if record else None,
        mobile_phone=phones.valid_e164(record.mobile_phone) if record else None,
        home_phone=phones.valid_e164(record.home_phone) if record else None,
        language=_new_account_language(record, language),
        date_format=settings().default_date_format,
        time_format=settings().default_time_format,
        timezone=settings().default_timezone,
        emails=[VerifiedEmail(address=email.address, display=email.display, verified_at=now)],
        pending_emails=[],
        created_at=now,
        updated_at=now,
    )


# --- new sign-in notice -------------------------------------------------------------------


def _record_new_sign_in(account: Account, session: Session) -> None:
    """One small message; the mail sender decides whether the device is new and writes the
    notice (``send_new_sign_in_notice``). Never fails the sign-in."""
    try:
        outbound_mail.new_sign_in(account.account_id, session.session_id, session.created_at)
    except PortalError:
        log.warning("new sign-in notice not recorded (account %s)", account.account_id)


def send_new_sign_in_notice(account_id: str, session_id: str, at: datetime) -> None:
    """(mail sender) Tell every verified address about a sign-in from a device + browser
    not seen on the account's other live sessions. A session already ended is still
    told about (with what is known of it): ending it at once must not hide a sign-in."""
    account = get_or_none(Account, account_id, consistent_read=True)
    if account is None:
        return  # the account was deleted meanwhile: nobody to tell
    live = live_sessions(account_id)
    session = next((s for s in live if s.session_id == session_id), None)
    if session is not None:
        fingerprint = device_fingerprint(session.user_agent)
        others = [s for s in live if s.session_id != session_id]
        if any(device_fingerprint(s.user_agent) == fingerprint for s in others):
            return
    message = _notice(account, session, at)
    for verified in account.emails or []:
        outbound_mail.send_notice(verified.address, message)


def _notice(account: Account, session: Session | None, at: datetime) -> Email:
    from chalicelib.services.profile import display_prefs

    prefs = display_prefs(account)
    info = useragent.describe(session.user_agent if session else None)
    device = ", ".join(part for part in (info.name, info.os) if part) or None
    location = session.location.label if session and session.location is not None else None
    return auth_texts.new_sign_in_email(
        prefs.language,
        when=format_datetime(session.created_at if session else at, prefs),
        device=device,
        browser=info.browser,
        location=location,
    )


# --- the response -------------------------------------------------------------------------


def profile_of(account: Account) -> Profile:
    """The Profile object (the profile service's view; imported here, off the code path)."""
    from chalicelib.services.profile import profile_view

    return profile_view(account)
