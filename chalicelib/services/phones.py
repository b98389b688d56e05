"""Phone numbers, parsed with phonenumbers (lite distribution: no geocoder)."""

from __future__ import annotations

from chalicelib.config import settings


def to_e164(raw: str | None, region: str | None = None) -> str | None:
    """E.164 form of a valid number (numbers without ``+`` read in the default region)."""
    import phonenumbers

    if not raw or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region or settings().default_phone_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
