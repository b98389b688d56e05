"""The profile: what it shows, the rules for saving it, and the display preferences.

Saving is all or nothing: every field is checked first and every failing field
is reported in one 422; then one DynamoDB transaction writes the whole profile,
guarded by the account's ``version`` (pynamodb's ``VersionAttribute``), so two
saves of the same version cannot both win, together with the
``client.profile_updated`` event for the booking platform (services/portal_events.py)
and the ``profile_saved`` activity event (services/activity.py).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.adapters import clock
from chalicelib.caller import Caller
from chalicelib.config import DATE_FORMATS, LANGUAGES, TIME_FORMATS, settings
from chalicelib.errors import Conflict, Unavailable, ValidationFailed
from chalicelib.i18n.formatting import DisplayPrefs
from chalicelib.instants import utc_iso
from chalicelib.profile_facts import NAME_MAX_LENGTH, zone_names
from chalicelib.services import activity, phones, portal_events
from chalicelib.services.activity import Actor
from chalicelib.store.accounts import Account, Photo
from chalicelib.store.base import transaction
from chalicelib.store.email_claims import ClaimContact, EmailClaim
from chalicelib.store.ops import (
    CONDITION_FAILED,
    TRANSACTION_CONFLICT,
    cancel_reasons,
    cancelled_by,
)

if TYPE_CHECKING:  # pydantic is loaded by the route that parses the body, not at import
    from chalicelib.schemas.photo import PhotoOut
    from chalicelib.schemas.profile import Profile, ProfileUpdate

NAME_MAX_COMBINING_MARKS = 2  # on one character, after NFC

# Name punctuation besides letters and spaces: hyphen, straight and typographic
# apostrophes, period ("Jean-Éric", "O'Brien", "O’Brien", "St. John").
_NAME_PUNCTUATION = frozenset("-'\u2019.")
# Tries of the save when DynamoDB cancels it for another transaction in flight on the
# account (a concurrent save or address change): botocore does not retry those.
_WRITE_ATTEMPTS = 3


# ---------------------------------------------------------------- view


def _photo(photo: Photo | None) -> PhotoOut | None:
    from chalicelib.services.photos import photo_view  # lazy: S3 code only when shown

    return photo_view(photo)


def profile_view(account: Account) -> Profile:
    """The Profile object of docs/api.md."""
    now = clock.now()
    return {
        "account_id": account.account_id,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "photo": _photo(account.photo),
        "mobile_phone": phones.phone_view(account.mobile_phone),
        "home_phone": phones.phone_view(account.home_phone),
        "language": account.language,
        "date_format": account.date_format,
        "time_format": account.time_format,
        "timezone": account.timezone,
        "emails": [
            {
                "address": email.display or email.address,
                "verified_at": utc_iso(email.verified_at),
            }
            for email in account.emails or []
        ],
        # Expired entries may linger until cleanup: never shown.
        "pending_emails": [
            {
                "address": pending.display or pending.address,
                "expires_at": utc_iso(pending.expires_at),
                "resend_after": utc_iso(pending.resend_after),
            }
            for pending in account.pending_emails or []
            if pending.expires_at > now
        ],
        "version": account.version or 0,
        "updated_at": utc_iso(account.updated_at),
    }


def get_profile(caller: Caller) -> Profile:
    return profile_view(caller.account())


CONTACT_FIELDS = ("mobile_phone", "language", "date_format", "time_format", "timezone")


def claim_contact(account: Account) -> ClaimContact:
    """What a reminder needs of the account, as copied onto each of its email claims."""
    return ClaimContact(**{field: getattr(account, field) for field in CONTACT_FIELDS})


def claim_for(address: str, account: Account, claimed_at: datetime) -> EmailClaim:
    """A new claim of ``address`` by ``account``, carrying the account's contact copy."""
    return EmailClaim(
        address,
        account_id=account.account_id,
        claimed_at=claimed_at,
        contact=claim_contact(account),
    )


def display_prefs(account: Account | ClaimContact) -> DisplayPrefs:
    """How dates and times are written for this person (emails, SMS).

    Stored values were validated when saved; an unexpected one falls back to
    the default rather than failing a reminder.
    """
    defaults = settings()
    timezone = account.timezone
    if not _is_zone(timezone):
        timezone = defaults.default_timezone
    return DisplayPrefs(
        language=account.language if account.language in LANGUAGES else defaults.default_language,
        date_format=account.date_format
        if account.date_format in DATE_FORMATS
        else defaults.default_date_format,
        time_format=account.time_format
        if account.time_format in TIME_FORMATS
        else defaults.default_time_format,
        timezone=timezone,
    )


# ---------------------------------------------------------------- rules


def clean_name(raw: str | None) -> tuple[str | None, str | None]:
    """(cleaned name, None) or (None, reason): ``required``, ``too_long``, ``invalid_characters``.

    Trimmed, NFC-normalised (so "é" typed as e + combining accent is stored as
    one character), runs of whitespace collapsed to one space. Letters of any
    script and combining marks (at most 2 on one character after NFC: real names
    need no more, and stacks of them ("Zalgo" text) break every layout that shows
    the name), plus space, hyphen, apostrophes and period; at least one letter.
    """
    if raw is None:
        return None, "required"
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        return None, "required"
    if len(name) > NAME_MAX_LENGTH:
        return None, "too_long"
    has_letter = False
    marks_in_a_row = 0
    for char in name:
        category = unicodedata.category(char)
        marks_in_a_row = marks_in_a_row + 1 if category.startswith("M") else 0
        if marks_in_a_row > NAME_MAX_COMBINING_MARKS:
            return None, "invalid_characters"
        if category.startswith("L"):
            has_letter = True
        elif not (category.startswith("M") or char == " " or char in _NAME_PUNCTUATION):
            return None, "invalid_characters"
    if not has_letter:
        return None, "invalid_characters"
    return name, None


def clean_phone(raw: str | None, *, mobile: bool) -> tuple[str | None, str | None]:
    """(E.164 or None to clear, None) or (None, reason): ``invalid_phone``, ``not_mobile``."""
    if raw is None or not raw.strip():
        return None, None
    parsed = phones.parse_phone(raw)
    if parsed is None:
        return None, "invalid_phone"
    if mobile and not parsed.is_mobile:
        return None, "not_mobile"
    return parsed.e164, None


def _is_zone(name: str | None) -> bool:
    if not name or name not in zone_names():
        return False
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # on first use: not on the cold path

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _choice(value: str | None, choices: Any) -> str | None:
    if value is None:
        return "required"
    return None if value in choices else "invalid_choice"


def validate_update(update: ProfileUpdate) -> dict[str, Any]:
    """The values to store, or ValidationFailed with every failing field and its reason."""
    reasons: dict[str, str] = {}
    values: dict[str, Any] = {}

    def keep(field: str, value: Any, reason: str | None) -> None:
        if reason:
            reasons[field] = reason
        else:
            values[field] = value

    if update.version is None:
        reasons["version"] = "required"
    keep("first_name", *clean_name(update.first_name))
    keep("last_name", *clean_name(update.last_name))
    keep("mobile_phone", *clean_phone(update.mobile_phone, mobile=True))
    keep("home_phone", *clean_phone(update.home_phone, mobile=False))
    keep("language", update.language, _choice(update.language, LANGUAGES))
    keep("date_format", update.date_format, _choice(update.date_format, DATE_FORMATS))
    keep("time_format", update.time_format, _choice(update.time_format, TIME_FORMATS))
    if update.timezone is None:
        reasons["timezone"] = "required"
    else:
        keep("timezone", update.timezone, None if _is_zone(update.timezone) else "invalid_choice")
    if reasons:
        raise ValidationFailed(reasons)
    return values


CONTACT_FIELDS_CHANGED = frozenset(CONTACT_FIELDS)


def _copy_contact_to_claims(write: Any, account: Account) -> None:
    """In the save's transaction: every claim of the account gets the new contact copy
    (conditional on still being the account's: a removed address is not recreated)."""
    contact = claim_contact(account)
    for verified in account.emails or []:
        write.update(
            EmailClaim(verified.address),
            actions=[EmailClaim.contact.set(contact)],
            condition=EmailClaim.account_id == account.account_id,
        )


def save_profile(caller: Caller, update: ProfileUpdate, actor: Actor) -> Profile:
    """``PUT /profile``: validate everything, then one transaction guarded by the version:
    the account update, its ``client.profile_updated`` event (the outbox) and its
    ``profile_saved`` activity event."""
    values = validate_update(update)
    account = caller.account()
    if update.version != (account.version or 0):
        raise Conflict("version_conflict")
    now = clock.now()
    actions = [
        getattr(Account, field).set(value)
        if value is not None
        else getattr(Account, field).remove()
        for field, value in values.items()
    ]
    actions.append(Account.updated_at.set(now))
    for field, value in values.items():  # the event describes the account as saved
        setattr(account, field, value)
    account.updated_at = now
    event = portal_events.profile_updated(account, portal_events.next_version(account))
    for _attempt in range(_WRITE_ATTEMPTS):
        try:
            # pynamodb adds "version = <loaded version>" to the condition and
            # increments it: check and write are atomic, and the event is
            # written only with the change.
            with transaction() as write:
                # a copy: pynamodb appends its version increment to the list it is given
                write.update(account, actions=list(actions))
                if CONTACT_FIELDS_CHANGED.intersection(values):
                    _copy_contact_to_claims(write, account)
                portal_events.record(write, event)
                activity.add(write, actor, "profile_saved")
            return profile_view(account)
        except TransactWriteError as exc:
            if cancelled_by(exc, account) == CONDITION_FAILED:  # a concurrent save won
                raise Conflict("version_conflict") from None
            if TRANSACTION_CONFLICT not in cancel_reasons(exc):
                raise
            # Another transaction was in flight on the account: nothing was
            # written; the same write again ends in 200 or, if that one won, 409.
    raise Unavailable("dynamodb")
