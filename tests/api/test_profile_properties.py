"""Property test through the API (moto): any text in PUT /profile, a clean answer out.

Never 500, and a value PUT /profile accepts is one GET /profile shows back,
exactly as normalised (the validators alone: tests/unit/test_validators_property.py).
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.services.profile import clean_name, clean_phone
from tests.unit.test_validators_property import ANY_TEXT, NAME_LIKE, PHONE_LIKE

PROFILE = {
    "language": "fr",
    "date_format": "YYYY-MM-DD",
    "time_format": "24h",
    "timezone": "America/Toronto",
}


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=st.one_of(ANY_TEXT, NAME_LIKE),
    last=NAME_LIKE,
    mobile=st.one_of(PHONE_LIKE, ANY_TEXT, st.none()),
    home=st.one_of(PHONE_LIKE, st.none()),
)
def test_what_put_profile_accepts_get_profile_shows_back(
    client, signed_in, first, last, mobile, home
):
    _, headers = signed_in()  # a fresh account per example (same moto for the whole test)
    version = client.http.get("/profile", headers=headers).json_body["version"]
    body = {
        **PROFILE,
        "version": version,
        "first_name": first,
        "last_name": last,
        "mobile_phone": mobile,
        "home_phone": home,
    }
    # json.dumps escapes lone surrogates; the server must still answer cleanly.
    saved = client.http.put("/profile", headers=headers, body=json.dumps(body))
    assert saved.status_code in (200, 400, 422), saved.body[:300]
    error = None if saved.status_code == 200 else saved.json_body["error"]
    if error is not None:
        assert isinstance(error["code"], str) and isinstance(error["message"], str)
        return
    shown = client.http.get("/profile", headers=headers)
    assert shown.status_code == 200
    assert shown.json_body == saved.json_body
    assert shown.json_body["first_name"] == clean_name(first)[0]
    assert shown.json_body["last_name"] == clean_name(last)[0]
    expected_mobile = clean_phone(mobile, mobile=True)[0]
    assert (shown.json_body["mobile_phone"] or {}).get("e164") == expected_mobile
