"""Every answer is checked against the response shape its route declares
(``PORTAL_VALIDATE_RESPONSES``, on in the tests and the local stack)."""

from __future__ import annotations

import typing

import pytest

from chalicelib.api import profile as profile_routes
from chalicelib.api.schema_ref import SchemaRef, check_response, load
from chalicelib.config import settings


def test_the_tests_validate_every_answer():
    assert settings().validate_responses


@pytest.mark.parametrize(
    "drift",
    [
        {"updated_at": "2026-11-26T15:00:00+00:00"},  # not the one instant format
        {"updated_at": "2026-11-26T15:00:00.123456Z"},
        {"nickname": "Cam"},  # a key the shape does not declare
        {"version": "3"},  # a wrong type
    ],
)
def test_an_answer_that_drifts_from_its_shape_is_a_500(client, signed_in, monkeypatch, drift):
    _, headers = signed_in()
    real = profile_routes.profile.get_profile

    def drifted(caller):
        return {**real(caller), **drift}

    monkeypatch.setattr(profile_routes.profile, "get_profile", drifted)
    response = client.http.get("/profile", headers=headers)
    assert response.status_code == 500
    assert response.json_body["error"]["code"] == "internal_error"


def test_a_missing_key_is_refused(client, signed_in):
    _, headers = signed_in()
    answer = client.http.get("/profile", headers=headers).json_body
    check_response(SchemaRef("profile", "Profile"), answer)
    del answer["photo"]
    with pytest.raises(ValueError):  # pydantic's ValidationError is a ValueError
        check_response(SchemaRef("profile", "Profile"), answer)


def test_every_declared_response_is_a_typed_dict(app):
    declared = [
        entry.view_function.__portal_doc__.response
        for methods in app.routes.values()
        for entry in methods.values()
        if getattr(entry.view_function, "__portal_doc__", None) is not None
    ]
    responses = [load(r) for r in declared if r is not None]
    assert len(responses) >= 15
    for shape in responses:
        assert typing.is_typeddict(shape) or hasattr(shape, "__required_keys__"), shape
