"""Behind CloudFront: with PORTAL_ORIGIN_SECRET set, only requests carrying it get through."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.config import settings

SECRET = "s3cr3t-from-the-stack-0123456789abcdefghijklmnop"


@pytest.fixture
def behind_cloudfront(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PORTAL_ORIGIN_SECRET", SECRET)
    settings.cache_clear()
    yield
    monkeypatch.delenv("PORTAL_ORIGIN_SECRET")
    settings.cache_clear()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/sessions"),
        ("GET", "/profile"),
        ("POST", "/auth/code"),
        ("GET", "/"),
        ("GET", "/static/app.js"),
        ("GET", "/openapi.json"),
    ],
)
def test_a_request_without_the_origin_secret_is_forbidden(
    client, behind_cloudfront, signed_in, method, path
):
    _, headers = signed_in()
    answer = client.http.request(method, path, headers=headers, body=b'{"email":"a@example.com"}')
    assert answer.status_code == 403
    error = answer.json_body["error"]
    assert error["code"] == "forbidden" and error["message"] == "Accès refusé."


def test_the_refusal_speaks_the_callers_language(client, behind_cloudfront):
    answer = client.http.get("/sessions", headers={"Accept-Language": "en-CA,en;q=0.8"})
    assert answer.status_code == 403
    assert answer.json_body["error"] == {"code": "forbidden", "message": "Access denied."}


def test_a_wrong_secret_is_forbidden_and_the_right_one_passes(client, behind_cloudfront, signed_in):
    _, headers = signed_in()
    wrong = {**headers, "X-Origin-Verify": SECRET[:-1] + "X"}
    assert client.http.get("/sessions", headers=wrong).status_code == 403
    right = {**headers, "X-Origin-Verify": SECRET}
    assert client.http.get("/sessions", headers=right).status_code == 200


def test_health_stays_open_for_probes(client, behind_cloudfront):
    answer = client.http.get("/health")
    assert answer.status_code == 200 and answer.json_body == {"status": "ok"}


def test_without_the_setting_nothing_is_checked(client, signed_in):
    _, headers = signed_in()
    assert client.http.get("/sessions", headers=headers).status_code == 200
