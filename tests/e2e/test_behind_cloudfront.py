"""The local stack configured as on AWS behind CloudFront (PORTAL_ORIGIN_SECRET and
PORTAL_TRUST_CLOUDFRONT_HEADERS=1): direct calls are refused, and a sign-in through
"CloudFront" records the viewer's address and city on the session."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import LocalStack

pytestmark = pytest.mark.stack

SECRET = "origin-secret-0123456789abcdefghijklmnopqrstuvwxyz"
FROM_CLOUDFRONT = {"X-Origin-Verify": SECRET}
VIEWER = {
    "CloudFront-Viewer-Address": "198.51.100.23:51234",
    "CloudFront-Viewer-City": "Qu%C3%A9bec",  # CloudFront URL-encodes it
    "CloudFront-Viewer-Country-Region-Name": "Quebec",
    "CloudFront-Viewer-Country-Name": "Canada",
    "CloudFront-Viewer-Country": "CA",
}


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    stack = LocalStack({"PORTAL_ORIGIN_SECRET": SECRET, "PORTAL_TRUST_CLOUDFRONT_HEADERS": "1"})
    try:
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()


def test_without_the_origin_secret_everything_but_health_is_forbidden(stack):
    assert requests.get(f"{stack.api}/health", timeout=5).status_code == 200
    for method, path in [("GET", "/"), ("GET", "/sessions"), ("POST", "/auth/code")]:
        answer = requests.request(
            method, f"{stack.api}{path}", json={"email": "camille@example.com"}, timeout=5
        )
        assert answer.status_code == 403, path
        assert answer.json()["error"]["code"] == "forbidden", path
    forged = requests.get(
        f"{stack.api}/sessions", headers={**VIEWER, "X-Origin-Verify": "guess"}, timeout=5
    )
    assert forged.status_code == 403


def _newest_code(stack: LocalStack, address: str) -> str:
    outbox = requests.get(f"{stack.api}/_dev/outbox", headers=FROM_CLOUDFRONT, timeout=5).json()
    (mail, *_) = [m for m in reversed(outbox["emails"]) if m["to"] == address]
    return re.findall(r"\b\d{6}\b", mail["text"])[0]


def test_a_sign_in_through_cloudfront_shows_the_viewers_ip_and_city(stack):
    address = "alex.martin@example.org"
    through = {**FROM_CLOUDFRONT, **VIEWER}
    sent = requests.post(
        f"{stack.api}/auth/code", json={"email": address}, headers=through, timeout=10
    )
    assert sent.status_code == 202, sent.text
    login = {"email": address, "code": _newest_code(stack, address)}
    if "flow" in sent.json():  # a sign-in flow id, when the contract asks for one
        login["flow"] = sent.json()["flow"]
    answer = requests.post(f"{stack.api}/auth/login", json=login, headers=through, timeout=10)
    assert answer.status_code == 201, answer.text
    token = answer.json()["token"]

    listed = requests.get(
        f"{stack.api}/sessions",
        headers={**FROM_CLOUDFRONT, "Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert listed.status_code == 200, listed.text
    (current,) = [s for s in listed.json()["sessions"] if s["current"]]
    assert current["ip"] == "198.51.100.23"
    assert current["location"]["city"] == "Québec"
    assert current["location"]["country_code"] == "CA"
