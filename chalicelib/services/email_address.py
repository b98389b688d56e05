"""Email addresses: one normal form for identity, the typed form for display."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import limits
from chalicelib.errors import ValidationFailed


@dataclass(frozen=True)
class EmailAddress:
    address: str  # normalised: trimmed, lowercased, IDN domain in punycode
    display: str  # as typed (trimmed)


def parse(raw: str, field: str = "email") -> EmailAddress:
    """Validate syntax with email-validator and normalise; 422 ``invalid_email`` otherwise."""
    from email_validator import EmailNotValidError, validate_email

    typed = (raw or "").strip()
    if not typed or len(typed) > limits.EMAIL_MAX_LENGTH:
        raise ValidationFailed({field: "invalid_email"})
    try:
        result = validate_email(typed, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationFailed({field: "invalid_email"}) from None
    local = result.local_part
    domain = result.ascii_domain or result.domain
    if local is None or not domain:
        raise ValidationFailed({field: "invalid_email"})
    return EmailAddress(address=f"{local}@{domain}".lower(), display=typed)


def normalise(raw: str) -> str | None:
    """The normal form, or None when the address is not valid."""
    try:
        return parse(raw).address
    except ValidationFailed:
        return None
