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
from chalicelib.store import ALL_MODELS
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
    # Sends the sign-in code through SES today (issue 13 moves mail to a queue:
    # then hang SQS here, and SES in the mail sender's own test).
    "ses: POST /auth/code": Scenario(
        "SESV2",
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
