"""Health, the error shape for framework errors, and OpenAPI completeness."""

from __future__ import annotations

import json


def test_health(client):
    response = client.http.get("/health")
    assert response.status_code == 200
    assert response.json_body == {"status": "ok"}


def test_unknown_route_uses_error_shape_in_french_by_default(client):
    response = client.http.get("/nope/nothing")
    assert response.status_code == 404
    error = response.json_body["error"]
    assert error["code"] == "route_not_found"
    assert "existe" in error["message"]


def test_unknown_route_message_follows_accept_language(client):
    response = client.http.get("/nope", headers={"Accept-Language": "en-CA,en;q=0.8"})
    assert response.status_code == 404
    assert response.json_body["error"]["message"] == "This address does not exist."


def test_wrong_method_uses_error_shape(client):
    response = client.http.delete("/health")
    assert response.status_code == 405
    assert response.json_body["error"]["code"] == "method_not_allowed"


def test_protected_route_without_token_is_401(client):
    response = client.http.get("/profile", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.json_body == {
        "error": {"code": "unauthenticated", "message": "Please sign in."}
    }


def test_openapi_describes_every_route(app, client):
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json_body
    assert spec["openapi"].startswith("3.1")
    for path, methods in app.routes.items():
        for method in methods:
            assert method.lower() in spec["paths"].get(path, {}), (
                f"{method} {path} missing from OpenAPI"
            )
    json.dumps(spec)  # serialisable


def test_openapi_error_responses_reference_the_error_shape(client):
    spec = client.http.get("/openapi.json").json_body
    health = spec["paths"]["/health"]["get"]["responses"]
    assert health["default"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ErrorResponse"
    )


def test_an_untranslated_aws_failure_is_a_503_not_a_500(client, signed_in, monkeypatch):
    from pynamodb.exceptions import GetError

    from chalicelib.services import session_list

    _, headers = signed_in()

    def failing(*args, **kwargs):
        raise GetError("throttled")

    monkeypatch.setattr(session_list, "list_sessions", failing)
    response = client.http.get("/sessions", headers=headers)
    assert response.status_code == 503
    assert response.json_body["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"]
