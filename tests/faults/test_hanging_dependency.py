"""A dependency that hangs (accepts the connection, never answers) is answered in time.

The contract: ``503 unavailable`` with ``Retry-After`` within 10 s, never a
gateway timeout, and ``/health`` stays fast. Real sockets, real timeouts: moto
runs as a server (as under ``make run``), every client is pointed at it, then
one service's ``AWS_ENDPOINT_URL_<SERVICE>`` is pointed at a proxy that accepts
connections and never answers. The timeouts under test are the ones the code
declares (chalicelib/adapters/budget.py); nothing here shortens them.

To point a scenario at another route (e.g. when mail moves behind a queue),
change its ``Scenario``: the service to hang and the request that must reach it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.adapters import aws, objects
from chalicelib.adapters.budget import ANSWER_DEADLINE_SECONDS
from chalicelib.config import settings
from chalicelib.store import ALL_MODELS, base
from tests.conftest import ROOT, _free_port, make_account
from tests.support.images import jpeg

EMAIL = "camille@example.com"
HEALTH_SECONDS = 1.0


class HangingProxy:
    """Accepts every connection, reads what comes, never writes a byte."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        threading.Thread(target=self._serve, name="hanging-proxy", daemon=True).start()

    def _serve(self) -> None:
        self.server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.accepted += 1
            self._held.append(connection)  # kept open: the caller waits for an answer

    def close(self) -> None:
        self._stop.set()
        for connection in self._held:
            connection.close()
        self.server.close()


def _forget_clients() -> None:
    """Clients read their endpoint when created: drop every cached one."""
    settings.cache_clear()
    aws.reset()
    objects.reset()
    base.connection.cache_clear()  # the one DynamoDB connection every model shares
    for model in ALL_MODELS:
        model._connection = None


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def portal(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The app against moto's server, with one signed-in account; clients forgotten after."""
    from chalice.test import Client

    from app import app
    from chalicelib.services import sessions
    from infra.provision import provision

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    _forget_clients()
    try:
        provision()
    except Exception:  # already provisioned by an earlier test of this module
        pass
    account = make_account(EMAIL)
    issued = sessions.issue(account.account_id, EMAIL, user_agent="pytest", ip="", location=None)
    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
        client.token = issued.token
        yield client
    _forget_clients()


@dataclass(frozen=True)
class Scenario:
    service: str  # the suffix of AWS_ENDPOINT_URL_<SERVICE>
    request: Callable[[Any], Any]  # (chalice test client) -> response


def _bearer(client: Any, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.token}", **headers}


SCENARIOS = {
    "dynamodb: GET /profile": Scenario(
        "DYNAMODB", lambda c: c.http.get("/profile", headers=_bearer(c))
    ),
    "s3: PUT /profile/photo": Scenario(
        "S3",
        lambda c: c.http.put(
            "/profile/photo", body=jpeg(), headers=_bearer(c, **{"Content-Type": "image/jpeg"})
        ),
    ),
    # Records the sign-in email on the outbound mail queue (SES: the mail sender's test below).
    "sqs: POST /auth/code": Scenario(
        "SQS",
        lambda c: c.http.post(
            "/auth/code",
            body=f'{{"email": "{EMAIL}"}}',
            headers={"Content-Type": "application/json"},
        ),
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_hanging_dependency_is_answered_503_in_time_and_health_stays_fast(
    name: str, portal: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = SCENARIOS[name]
    proxy = HangingProxy()
    try:
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{scenario.service}", proxy.url)
        _forget_clients()

        started = time.monotonic()
        answer = scenario.request(portal)
        elapsed = time.monotonic() - started

        started = time.monotonic()
        health = portal.http.get("/health")
        health_elapsed = time.monotonic() - started
    finally:
        proxy.close()

    print(f"{name}: 503 after {elapsed:.2f} s, health {health_elapsed:.3f} s")
    assert proxy.accepted >= 1, "the request never reached the hanging service"
    assert answer.status_code == 503, answer.body
    assert b'"unavailable"' in answer.body
    assert answer.headers.get("Retry-After")
    assert elapsed < ANSWER_DEADLINE_SECONDS, f"answered after {elapsed:.1f} s"
    assert health.status_code == 200 and health_elapsed < HEALTH_SECONDS


def test_a_hanging_ses_fails_the_mail_sender_in_time_and_the_email_is_kept(
    portal: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SES is off the request path: the mail sender gives up on it within the budget,
    reports the message failed, and the queue keeps it for the retry."""
    from infra.local.mail_drain import drain_mail_queue
    from infra.local.outbox import read_outbox

    body = f'{{"email": "{EMAIL}"}}'
    answer = portal.http.post("/auth/code", body=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 202
    proxy = HangingProxy()
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", proxy.url)
        _forget_clients()
        started = time.monotonic()
        assert drain_mail_queue(retry_failed_now=True, rounds=1) == 1  # received once, failed
        elapsed = time.monotonic() - started
    finally:
        proxy.close()
    assert proxy.accepted >= 1, "the sender never reached the hanging SES"
    assert elapsed < ANSWER_DEADLINE_SECONDS, f"gave up after {elapsed:.1f} s"
    monkeypatch.delenv("AWS_ENDPOINT_URL_SESV2")
    _forget_clients()
    assert drain_mail_queue(retry_failed_now=True) == 1  # SES back: the same message, sent
    assert [mail["to"] for mail in read_outbox()["emails"]][-1:] == [EMAIL]
