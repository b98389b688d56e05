"""Phone numbers, parsed with phonenumbers (lite distribution: no geocoder).

Numbers typed without ``+`` are read in ``settings().default_phone_region``;
numbers are stored in E.164 and shown in national and international forms.

A mobile phone must be able to receive our SMS reminders, so only the types
phonenumbers calls ``MOBILE`` and ``FIXED_LINE_OR_MOBILE`` (North America,
where the numbering plan does not tell the two apart) are accepted. Refused as
``not_mobile``: fixed lines, toll-free, premium-rate and shared-cost numbers,
pagers, voicemail access numbers, UAN (company numbers), personal numbers
(forwarding services such as the UK's 070, billed to the caller) and VoIP
ranges (e.g. France's 09, the UK's 056): SMS delivery to those is not
guaranteed by carriers.
"""

from __future__ import annotations

import importlib
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib import limits
from chalicelib.config import settings

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

    from chalicelib.schemas.profile import PhoneOut


def load_in_background() -> None:
    """Start importing phonenumbers (~15 ms on a new instance) in a thread, for a request
    that will show a number after a few more AWS calls: the import runs while the request
    waits on the network (a later ``import phonenumbers`` waits for it to finish)."""
    if "phonenumbers" in sys.modules:
        return
    threading.Thread(target=importlib.import_module, args=("phonenumbers",), daemon=True).start()


@dataclass(frozen=True)
class ParsedPhone:
    e164: str
    is_mobile: bool  # can receive SMS (see the module docstring)


def _parse(raw: str, region: str | None) -> PhoneNumber | None:
    """A valid number (possibly with an extension), or None."""
    import phonenumbers  # lazy: ~20 ms, only paid by requests that handle phones

    if len(raw) > limits.PHONE_MAX_LENGTH:
        return None
    try:
        number = phonenumbers.parse(raw, region or settings().default_phone_region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def parse_phone(raw: str, region: str | None = None) -> ParsedPhone | None:
    """A number as typed by a person -> its E.164 form and whether it takes SMS; None if invalid."""
    import phonenumbers

    number = _parse(raw.strip(), region)
    # E.164 cannot carry an extension: a person's number with one is refused
    # rather than silently cut.
    if number is None or number.extension:
        return None
    kind = phonenumbers.number_type(number)
    mobile_kinds = (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    return ParsedPhone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        is_mobile=kind in mobile_kinds,
    )


def to_e164(raw: str | None, region: str | None = None) -> str | None:
    """E.164 form of a valid number (numbers without ``+`` read in the default region)."""
    if not raw or not raw.strip():
        return None
    import phonenumbers  # after the check: no number, no import (~20 ms)

    number = _parse(raw.strip(), region)  # an extension is dropped here (booking records)
    return (
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else None
    )


def valid_e164(value: str | None) -> str | None:
    """``value`` if it is a valid number already in E.164, else None: client records keep
    numbers as typed when they are not valid, and only a valid E.164 number is used."""
    if not value or not value.startswith("+"):
        return None
    return value if to_e164(value) == value else None


def phone_view(stored: str | None) -> PhoneOut | None:
    """``{e164, national, international}`` of a stored number; None when there is none.

    A value that does not parse (an old record copied as typed) is shown as it
    is in all three forms rather than hidden, so the person can see and fix it.
    """
    if not stored:
        return None
    import phonenumbers  # after the check: a profile without phones never loads it (~20 ms)

    try:
        number = phonenumbers.parse(stored, settings().default_phone_region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        return {"e164": stored, "national": stored, "international": stored}
    fmt = phonenumbers.PhoneNumberFormat
    return {
        "e164": phonenumbers.format_number(number, fmt.E164),
        "national": phonenumbers.format_number(number, fmt.NATIONAL),
        "international": phonenumbers.format_number(number, fmt.INTERNATIONAL),
    }
