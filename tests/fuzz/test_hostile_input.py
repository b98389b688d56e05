"""Hostile input: what an attacker (or a broken client) sends, answered in the error shape.

Through the Chalice test client on moto (the same code path as Lambda), plus a
few requests over real HTTP to the local stack where the HTTP layer matters
(raw paths, header sizes).
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from chalicelib.api.endpoint import MAX_JSON_BODY_BYTES

PROFILE = {
    "first_name": "Camille",
    "last_name": "Tremblay",
    "mobile_phone": None,
    "home_phone": None,
    "language": "fr",
    "date_format": "YYYY-MM-DD",
    "time_format": "24h",
    "timezone": "America/Toronto",
}


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.body[:300]
    error = json.loads(response.body)["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    if code:
        assert error["code"] == code
    return error


def current_profile(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    response = client.http.get("/profile", headers=headers)
    assert response.status_code == 200
    return response.json_body


# ------------------------------------------------------------ bodies


def test_two_megabyte_json_body_is_413_and_nothing_is_stored(client, signed_in):
    _, headers = signed_in()
    before = current_profile(client, headers)
    body = json.dumps({**PROFILE, "version": before["version"], "first_name": "A" * 2_000_000})
    assert_error(client.http.put("/profile", headers=headers, body=body), 413, "payload_too_large")
    assert current_profile(client, headers) == before


def test_a_body_just_under_the_limit_is_parsed(client, signed_in):
    _, headers = signed_in()
    version = current_profile(client, headers)["version"]
    body = json.dumps({**PROFILE, "version": version, "padding": "x" * 60_000})
    assert len(body) <= MAX_JSON_BODY_BYTES
    assert client.http.put("/profile", headers=headers, body=body).status_code == 200


@pytest.mark.parametrize("path", ["/auth/code", "/auth/login"])
def test_oversize_bodies_on_unauthenticated_routes_are_413(client, path):
    body = json.dumps({"email": "a@example.com", "code": "123456", "x": "y" * 100_000})
    assert_error(
        client.http.post(path, headers={"Content-Type": "application/json"}, body=body), 413
    )


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b'{"first_name": "\xff\xfe\xfd"}', 400),  # not UTF-8
        (b'{"first_name": "\xc3"}', 400),  # truncated UTF-8 sequence
        (b"\xef\xbb\xbf\x00\x00", 400),  # BOM then NULs
        (b"[" * 60_000, 400),  # nesting deeper than the parser's recursion limit
        (b'{"a":' * 12_000, 400),
        (b"[" * 100_000, 413),  # the same, over the body limit: not even parsed
        (b'{"version": 1e999999}', 400),  # float overflow: infinity is no version
        (b'{"version": NaN}', 400),
    ],
    ids=[
        "invalid-utf8",
        "truncated-utf8",
        "nuls",
        "deep-array",
        "deep-object",
        "deep-big",
        "huge",
        "nan",
    ],
)
def test_malformed_json_bodies_are_4xx_in_the_error_shape(client, signed_in, raw, status):
    _, headers = signed_in()
    before = current_profile(client, headers)
    assert_error(client.http.put("/profile", headers=headers, body=raw), status)
    assert current_profile(client, headers) == before


def test_json_that_is_not_an_object_is_400(client, signed_in):
    _, headers = signed_in()
    for raw in (b"[]", b'"text"', b"42", b"null", b"true"):
        assert_error(client.http.put("/profile", headers=headers, body=raw), 400)


# ------------------------------------------------------------ names and text


@pytest.mark.parametrize(
    "name",
    [
        "Cam\x00ille",  # NUL
        "Cam\x07ille",  # BEL
        "Cam\x1bille",  # ESC (terminal escape sequences)
        "Cam\u202eille",  # RTL override (spoofs what is displayed)
        "Cam\u2066ille",  # isolate
        "Cam\u200bille",  # zero-width space
        "Cam\ufeffille",  # BOM
        "Cam\ud800ille",  # lone surrogate
        "Cam\U000e0041ille",  # tag character
        "<script>alert(1)</script>",
        "Robert'); DROP TABLE--",
        "Camille 😀",
    ],
)
def test_control_and_invisible_characters_in_names_are_422_and_not_stored(client, signed_in, name):
    _, headers = signed_in()
    before = current_profile(client, headers)
    body = json.dumps({**PROFILE, "version": before["version"], "first_name": name})
    error = assert_error(client.http.put("/profile", headers=headers, body=body), 422)
    assert error["fields"] == {"first_name": "invalid_characters"}
    assert current_profile(client, headers) == before


@pytest.mark.parametrize(
    "name",
    ["Zoë", "𝔄𝔩𝔢𝔵", "𠜎𠜱", "Ĳsbrand", "ﬁona", "Nguyễn", "Мария", "محمد", "李", "O’Brien"],
)
def test_astral_and_other_scripts_never_500_and_round_trip(client, signed_in, name):
    _, headers = signed_in()
    version = current_profile(client, headers)["version"]
    body = json.dumps({**PROFILE, "version": version, "last_name": name})
    response = client.http.put("/profile", headers=headers, body=body)
    assert response.status_code == 200, response.body[:300]
    stored = response.json_body["last_name"]
    assert current_profile(client, headers)["last_name"] == stored
    assert stored  # normalised (NFC), never emptied


@pytest.mark.parametrize(
    "email", ["😀@example.com", "a@😀.com", "a\x00@example.com", "\u202e@x.io"]
)
def test_emoji_and_controls_in_emails_never_500(client, email):
    response = client.http.post(
        "/auth/code",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"email": email}),
    )
    assert response.status_code in (202, 422), response.body[:300]
    if response.status_code == 422:
        assert_error(response, 422)


# ------------------------------------------------------------ tokens and headers


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer " + "a" * 10_000,
        "Bearer " + "a." * 5_000,
        "Bearer " + "😀" * 2_000,
        "Bearer a.b.c",
        "Bearer \x00.\x00.\x00",
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "Bearer",
        "",
    ],
    ids=["10k", "dots", "emoji", "short", "nuls", "basic", "empty-bearer", "empty"],
)
def test_hostile_bearer_tokens_are_401(client, authorization):
    assert_error(
        client.http.get("/profile", headers={"Authorization": authorization}),
        401,
        "unauthenticated",
    )


def test_huge_user_agent_and_accept_language_on_login_store_nothing_huge(client, outbox):
    from chalicelib.store.sessions import Session
    from tests.conftest import make_account

    account = make_account("camille@example.com")
    hostile = {
        "Content-Type": "application/json",
        "User-Agent": "Mozilla/5.0 " + "A" * 16_384,
        "Accept-Language": "en;q=0.9," * 2_000,
        "X-Forwarded-For": "203.0.113.9, " * 1_000,
    }
    sent = client.http.post(
        "/auth/code", headers=hostile, body=json.dumps({"email": "camille@example.com"})
    )
    assert sent.status_code == 202
    flow = sent.json_body["flow"]
    code = next(
        word for word in outbox()["emails"][-1]["text"].split() if word.isdigit() and len(word) == 6
    )
    login = client.http.post(
        "/auth/login",
        headers=hostile,
        body=json.dumps({"email": "camille@example.com", "code": code, "flow": flow}),
    )
    assert login.status_code == 201, login.body[:300]
    assert len(login.body) < 10_000
    stored = list(Session.query(account.account_id))
    assert stored and all(len(s.user_agent or "") <= 512 for s in stored)
    # The token still works, and the session list shows a bounded user agent.
    token = login.json_body["token"]
    listed = client.http.get("/sessions", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    assert len(listed.body) < 10_000


# ------------------------------------------------------------ paths


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/%2e%2e%2fapp.py",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2f..%2fapp.py",
        "/static/%252e%252e%252fapp.py",
        "/../../etc/passwd",
    ],
)
def test_traversal_paths_are_404_in_the_error_shape(client, signed_in, path):
    _, headers = signed_in()
    response = client.http.get(path, headers=headers)
    assert_error(response, 404)
    assert b"import" not in response.body


@pytest.mark.parametrize(
    "address", ["..%2F..%2Fsessions", "%2e%2e%2f%2e%2e%2fprofile", "camille%40example.com%00"]
)
def test_traversal_in_an_email_path_parameter_removes_nothing(client, signed_in, address):
    _, headers = signed_in()
    before = current_profile(client, headers)
    response = client.http.delete(f"/profile/emails/{address}", headers=headers)
    assert_error(response, 404)
    assert current_profile(client, headers) == before
    assert client.http.get("/sessions", headers=headers).status_code == 200


# ------------------------------------------------------------ over real HTTP


@pytest.fixture(scope="module")
def stack_http() -> Any:
    from tests.conftest import LocalStack

    stack = LocalStack()
    try:
        stack.wait_ready()
        yield urlsplit(stack.api)
    finally:
        stack.stop()


def raw_request(
    address: Any, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


@pytest.mark.stack
@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/%2e%2e%2fapp.py",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%5capp.py",
    ],
)
def test_traversal_over_http_is_404_error_shape(stack_http, path):
    status, body = raw_request(stack_http, "GET", path)
    assert status == 404
    error = json.loads(body)["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)


@pytest.mark.stack
def test_oversize_and_invalid_bodies_over_http(stack_http):
    headers = {"Content-Type": "application/json"}
    status, body = raw_request(
        stack_http, "POST", "/auth/code", headers, b'{"email": "' + b"a" * 2_000_000 + b'"}'
    )
    assert status == 413 and json.loads(body)["error"]["code"] == "payload_too_large"
    status, body = raw_request(stack_http, "POST", "/auth/code", headers, b'{"email": "\xff"}')
    assert status == 400 and json.loads(body)["error"]["code"] == "invalid_json"
    status, body = raw_request(stack_http, "POST", "/auth/code", headers, b"[" * 60_000)
    assert status == 400 and json.loads(body)["error"]["code"] == "invalid_json"


@pytest.mark.stack
def test_huge_headers_and_tokens_over_http(stack_http):
    status, body = raw_request(
        stack_http,
        "GET",
        "/profile",
        {"Authorization": "Bearer " + "a" * 10_000, "User-Agent": "U" * 16_384},
    )
    assert status == 401 and json.loads(body)["error"]["code"] == "unauthenticated"
    status, body = raw_request(
        stack_http,
        "POST",
        "/auth/login",
        {"Content-Type": "application/json", "Accept-Language": "fr," * 5_000},
        json.dumps({"email": "nobody@example.com", "code": "000000", "flow": "f" * 32}).encode(),
    )
    assert status in (401, 429) and "error" in json.loads(body)
