"""Property tests of the request validators: any text in, a clean answer out.

For arbitrary text: the validators raise nothing but the domain's
ValidationFailed/BadRequest. (Through the API, against moto: never a 500, and what
PUT /profile accepts GET /profile shows back: tests/api/test_profile_properties.py.)
"""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import limits
from chalicelib.errors import BadRequest, ValidationFailed
from chalicelib.schemas.profile import NAME_MAX_LENGTH, ProfileUpdate
from chalicelib.services import email_address, phones
from chalicelib.services.profile import clean_name, clean_phone, validate_update

BOUNDED = settings(max_examples=200, deadline=None)
# Any text: lone surrogates, controls, private use and astral characters included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=120)
NAME_LIKE = st.text(
    st.characters(categories=("L", "M", "Zs", "Pd", "Po", "Cc", "Cf", "So")), max_size=120
)
PHONE_LIKE = st.text(alphabet="0123456789+-(). x#*ext", max_size=30) | st.from_regex(
    r"\+?1? ?\(?[2-9][0-9]{2}\)?[ .-]?[2-9][0-9]{2}[ .-]?[0-9]{4}", fullmatch=True
)


@BOUNDED
@given(st.one_of(ANY_TEXT, NAME_LIKE))
def test_clean_name_answers_a_name_or_a_reason(raw):
    name, reason = clean_name(raw)
    if reason is not None:
        assert name is None
        assert reason in ("required", "too_long", "invalid_characters")
        return
    assert name and len(name) <= NAME_MAX_LENGTH
    assert name == name.strip() and "  " not in name
    assert unicodedata.is_normalized("NFC", name)
    assert any(unicodedata.category(c).startswith("L") for c in name)
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in name)
    assert clean_name(name) == (name, None)  # idempotent: what is stored validates again


@BOUNDED
@given(st.one_of(ANY_TEXT, PHONE_LIKE), st.booleans())
def test_clean_phone_answers_e164_or_a_reason(raw, mobile):
    e164, reason = clean_phone(raw, mobile=mobile)
    if reason is not None:
        assert e164 is None and reason in ("invalid_phone", "not_mobile")
        return
    if e164 is None:
        assert not raw.strip()  # only an empty value clears
        return
    assert e164.startswith("+") and e164[1:].isdigit()
    assert clean_phone(e164, mobile=mobile) == (e164, None)
    view = phones.phone_view(e164)
    assert view is not None and view["e164"] == e164


@BOUNDED
@given(
    st.one_of(ANY_TEXT, st.emails(), st.from_regex(r"[^@\s]{1,20}@[^@\s]{1,20}", fullmatch=True))
)
def test_email_parse_raises_only_validation_failed(raw):
    try:
        parsed = email_address.parse(raw)
    except ValidationFailed as failed:
        assert failed.fields == {"email": "invalid_email"}
        return
    assert parsed.address == parsed.address.lower().strip()
    assert len(parsed.display) <= limits.EMAIL_MAX_LENGTH
    assert email_address.parse(parsed.address).address == parsed.address  # a fixed point


@BOUNDED
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "version": st.one_of(st.integers(), st.floats(), ANY_TEXT, st.booleans(), st.none()),
            "first_name": st.one_of(ANY_TEXT, st.none(), st.integers()),
            "last_name": st.one_of(NAME_LIKE, st.none()),
            "mobile_phone": st.one_of(PHONE_LIKE, ANY_TEXT, st.none()),
            "home_phone": st.one_of(PHONE_LIKE, st.none(), st.lists(st.integers())),
            "language": st.one_of(st.sampled_from(["fr", "en"]), ANY_TEXT),
            "date_format": st.one_of(st.sampled_from(["YYYY-MM-DD", "D MMMM YYYY"]), ANY_TEXT),
            "time_format": st.one_of(st.sampled_from(["24h", "12h"]), ANY_TEXT),
            "timezone": st.one_of(st.sampled_from(["America/Toronto", "Factory"]), ANY_TEXT),
        },
    )
)
def test_profile_update_validation_raises_only_domain_errors(data):
    from chalicelib.api.endpoint import _parse_model

    try:
        update = _parse_model(ProfileUpdate, data)
        values = validate_update(update)
    except (ValidationFailed, BadRequest):
        return
    assert set(values) >= {"first_name", "last_name", "language", "timezone"}
