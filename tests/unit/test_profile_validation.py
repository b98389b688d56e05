"""Profile field rules: names, phones, choices; every failing field reported at once."""

from __future__ import annotations

import unicodedata

import pytest

from chalicelib.errors import ValidationFailed
from chalicelib.schemas.profile import ProfileUpdate
from chalicelib.services import phones
from chalicelib.services.profile import clean_name, clean_phone, display_prefs, validate_update
from chalicelib.store.accounts import Account
from tests.support.profiles import PROFILE_UPDATE

VALID = {"version": 1, **PROFILE_UPDATE}


def reasons(**changes: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_update(ProfileUpdate.model_validate({**VALID, **changes}))
    return caught.value.fields


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Zoë", "Zoë"),
        ("Ngô", "Ngô"),
        ("O’Brien", "O’Brien"),
        ("O'Brien", "O'Brien"),
        ("Jean-Éric", "Jean-Éric"),
        ("山田", "山田"),
        ("St. John", "St. John"),
        ("  Marie   Ève  ", "Marie Ève"),
        ("Zoe\u0308", "Zoë"),  # e + combining diaeresis -> one NFC character
        ("Ngo\u0302", "Ngô"),
        ("Ἀλέξανδρος", "Ἀλέξανδρος"),
        ("محمد", "محمد"),
        ("A" * 100, "A" * 100),
    ],
)
def test_names_of_any_script_are_accepted_and_nfc_normalised(typed: str, stored: str) -> None:
    name, reason = clean_name(typed)
    assert reason is None
    assert name == stored
    assert unicodedata.is_normalized("NFC", name)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        (None, "required"),
        ("", "required"),
        ("   ", "required"),
        ("A" * 101, "too_long"),
        ("R2D2", "invalid_characters"),
        ("Zoë 😀", "invalid_characters"),
        ("Camille!", "invalid_characters"),
        ("<script>", "invalid_characters"),
        ("Jean_Éric", "invalid_characters"),
        ("-.'", "invalid_characters"),  # punctuation only: not a name
        ("Ca\u200bmille", "invalid_characters"),  # zero-width space
    ],
)
def test_bad_names_are_refused_with_their_reason(typed: str | None, reason: str) -> None:
    assert clean_name(typed) == (None, reason)


def test_length_is_counted_after_trimming_and_normalising() -> None:
    assert clean_name("  " + "e\u0301" * 100 + "  ") == ("é" * 100, None)


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "typed", ["514 555 0123", "(514) 555-0123", "+1 514-555-0123", "5145550123", "1-514-555-0123"]
)
def test_one_number_typed_five_ways_is_stored_once(typed: str) -> None:
    assert clean_phone(typed, mobile=True) == ("+15145550123", None)
    assert phones.phone_view("+15145550123") == {
        "e164": "+15145550123",
        "national": "(514) 555-0123",
        "international": "+1 514-555-0123",
    }


def test_french_mobile_needs_its_country_code_in_canada() -> None:
    assert clean_phone("06 12 34 56 78", mobile=True) == (None, "invalid_phone")
    assert clean_phone("+33 6 12 34 56 78", mobile=True) == ("+33612345678", None)


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("+1 800 253 0000", "toll free"),
        ("+1 900 555 0123", "premium rate"),
        ("+33 1 42 68 53 00", "French fixed line"),
        ("+33 9 70 12 34 56", "French VoIP"),
        ("+44 70 1234 5678", "UK personal number"),
    ],
)
def test_numbers_that_cannot_take_sms_are_not_mobiles(typed: str, kind: str) -> None:
    assert clean_phone(typed, mobile=True) == (None, "not_mobile"), kind
    # ... but each is a valid home phone
    assert clean_phone(typed, mobile=False)[1] is None, kind


@pytest.mark.parametrize(
    "typed", ["12345", "abc", "+999 123", "514 555 0123 ext 4", "5" * 60, "+1 514 555 01234"]
)
def test_invalid_numbers(typed: str) -> None:
    assert clean_phone(typed, mobile=True) == (None, "invalid_phone")
    assert clean_phone(typed, mobile=False) == (None, "invalid_phone")


@pytest.mark.parametrize("typed", [None, "", "   "])
def test_empty_phone_clears(typed: str | None) -> None:
    assert clean_phone(typed, mobile=True) == (None, None)


def test_to_e164_still_reads_booking_records() -> None:
    assert phones.to_e164("(514) 555-0123") == "+15145550123"
    assert phones.to_e164("06 12 34 56 78", region="FR") == "+33612345678"
    assert phones.to_e164("not a number") is None
    assert phones.to_e164(None) is None


def test_a_stored_value_that_does_not_parse_is_shown_as_is() -> None:
    assert phones.phone_view("555-CAMILLE") == {
        "e164": "555-CAMILLE",
        "national": "555-CAMILLE",
        "international": "555-CAMILLE",
    }
    assert phones.phone_view(None) is None


# ---------------------------------------------------------------- choices and the whole update


def test_a_valid_update_gives_the_values_to_store() -> None:
    values = validate_update(ProfileUpdate.model_validate({**VALID, "home_phone": ""}))
    assert values == {
        "first_name": "Camille",
        "last_name": "Tremblay",
        "mobile_phone": "+15145550123",
        "home_phone": None,
        "language": "fr",
        "date_format": "YYYY-MM-DD",
        "time_format": "24h",
        "timezone": "America/Toronto",
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("language", "de"),
        ("language", "FR"),
        ("date_format", "YYYY/MM/DD"),
        ("time_format", "24H"),
        ("timezone", "America/Nowhere"),
        ("timezone", "america/toronto"),
        ("timezone", "../../etc/passwd"),
        ("timezone", "localtime"),
        ("timezone", "Factory"),
        ("timezone", ""),
    ],
)
def test_choices_outside_the_list_are_invalid(field: str, value: str) -> None:
    assert reasons(**{field: value}) == {field: "invalid_choice"}


@pytest.mark.parametrize("zone", ["Europe/Paris", "UTC", "America/Vancouver", "Asia/Kolkata"])
def test_real_time_zones_are_accepted(zone: str) -> None:
    assert validate_update(ProfileUpdate.model_validate({**VALID, "timezone": zone}))["timezone"]


def test_every_failing_field_is_reported_at_once() -> None:
    assert reasons(
        version=None,
        first_name="",
        last_name="X" * 101,
        mobile_phone="+1 800 253 0000",
        home_phone="12",
        language="de",
        date_format="nope",
        time_format=None,
        timezone="Mars/Olympus",
    ) == {
        "version": "required",
        "first_name": "required",
        "last_name": "too_long",
        "mobile_phone": "not_mobile",
        "home_phone": "invalid_phone",
        "language": "invalid_choice",
        "date_format": "invalid_choice",
        "time_format": "required",
        "timezone": "invalid_choice",
    }


def test_missing_fields_are_required_except_phones() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_update(ProfileUpdate.model_validate({}))
    assert caught.value.fields == {
        name: "required"
        for name in (
            "version",
            "first_name",
            "last_name",
            "language",
            "date_format",
            "time_format",
            "timezone",
        )
    }


# ---------------------------------------------------------------- display preferences


def test_display_prefs_follow_the_account() -> None:
    account = Account(
        "a_1", language="en", date_format="D MMMM YYYY", time_format="12h", timezone="Europe/Paris"
    )
    prefs = display_prefs(account)
    assert (prefs.language, prefs.date_format, prefs.time_format, prefs.timezone) == (
        "en",
        "D MMMM YYYY",
        "12h",
        "Europe/Paris",
    )


def test_display_prefs_fall_back_on_a_bad_stored_value() -> None:
    account = Account("a_1", language="de", date_format="?", time_format="?", timezone="Mars/X")
    prefs = display_prefs(account)
    assert (prefs.language, prefs.date_format, prefs.time_format, prefs.timezone) == (
        "fr",
        "YYYY-MM-DD",
        "24h",
        "America/Toronto",
    )
