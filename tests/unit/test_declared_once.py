"""Facts declared once: the display defaults, the code lifetime and the limits are read
where they are used, so changing the declaration changes every reader."""

from __future__ import annotations

import pytest

from chalicelib import config, limits
from chalicelib.config import settings
from chalicelib.i18n import auth_texts, email_texts
from chalicelib.services import phones
from chalicelib.store.accounts import Account

DISPLAY_ENV = {
    "PORTAL_DEFAULT_LANGUAGE": "en",
    "PORTAL_DEFAULT_DATE_FORMAT": "D MMMM YYYY",
    "PORTAL_DEFAULT_TIME_FORMAT": "12h",
    "PORTAL_DEFAULT_TIMEZONE": "Europe/Paris",
}


@pytest.fixture
def display_env(monkeypatch):
    for name, value in DISPLAY_ENV.items():
        monkeypatch.setenv(name, value)
    settings.cache_clear()
    yield
    monkeypatch.undo()
    settings.cache_clear()


def test_a_new_account_takes_the_configured_display_defaults(display_env):
    account = Account("a_test")
    assert (account.language, account.date_format, account.time_format, account.timezone) == (
        "en",
        "D MMMM YYYY",
        "12h",
        "Europe/Paris",
    )


def test_without_configuration_the_declared_defaults_apply():
    settings.cache_clear()
    account = Account("a_test")
    assert (account.language, account.date_format, account.time_format, account.timezone) == (
        config.DEFAULT_LANGUAGE,
        config.DEFAULT_DATE_FORMAT,
        config.DEFAULT_TIME_FORMAT,
        config.DEFAULT_TIMEZONE,
    )


def test_an_unknown_configured_choice_falls_back_to_the_declared_default(monkeypatch):
    monkeypatch.setenv("PORTAL_DEFAULT_LANGUAGE", "de")
    monkeypatch.setenv("PORTAL_DEFAULT_DATE_FORMAT", "YY")
    monkeypatch.setenv("PORTAL_DEFAULT_TIME_FORMAT", "25h")
    settings.cache_clear()
    try:
        chosen = settings()
        assert chosen.default_language == config.DEFAULT_LANGUAGE
        assert chosen.default_date_format == config.DEFAULT_DATE_FORMAT
        assert chosen.default_time_format == config.DEFAULT_TIME_FORMAT
    finally:
        monkeypatch.undo()
        settings.cache_clear()


def test_texts_fall_back_to_the_configured_language(display_env):
    added = email_texts.address_added("de", address="camille@example.com")
    assert added.subject == "An address was added to your client portal"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_code_email_says_the_lifetime_codes_have(language):
    minutes = f"{limits.CODE_TTL_MINUTES} minutes"
    assert limits.CODE_TTL_MINUTES * 60 == limits.CODE_TTL.total_seconds()
    assert (
        minutes in auth_texts.code_email("123456", language, minutes=limits.CODE_TTL_MINUTES).text
    )
    # The texts say what they are given, not a number of their own.
    assert "17 minutes" in auth_texts.code_email("123456", language, minutes=17).text
    assert "17 minutes" in email_texts.deletion_code(language, code="123456", minutes=17).text
    verification = email_texts.verification_code(language, address="a@b.c", code="1", minutes=17)
    assert "17 minutes" in verification.text


def test_one_phone_length_limit_for_the_rule_and_the_schemas():
    from chalicelib.schemas.bookings import ClientRecordData
    from chalicelib.schemas.profile import ProfileUpdate

    limit = limits.PHONE_MAX_LENGTH
    profile_schema = ProfileUpdate.model_json_schema()["properties"]["mobile_phone"]
    assert profile_schema["maxLength"] == limit
    record_schema = ClientRecordData.model_json_schema()["properties"]["mobile_phone"]
    assert {"maxLength": limit} in [
        {"maxLength": option.get("maxLength")} for option in record_schema["anyOf"]
    ]
    assert phones.valid_e164("+15145550123") == "+15145550123"
    assert phones.valid_e164("514-555-0123") is None  # as typed, not E.164
