"""Shared fixtures: a fresh moto AWS per test, the Chalice test client, signed-in callers.

moto only intercepts botocore clients created after it is imported, and the
models read table names at import: so the environment is set and moto imported
before anything from the project.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra.local.moto_env import use_in_process_moto  # noqa: E402

use_in_process_moto(code_secret="test-secret-not-for-production")
os.environ.setdefault("PORTAL_VALIDATE_RESPONSES", "1")  # every answer checked against its shape

import moto  # noqa: E402  (must precede every botocore client)
import pytest  # noqa: E402

from chalicelib.adapters import aws, clock, objects  # noqa: E402
from chalicelib.config import settings  # noqa: E402
from infra.local import gateway  # noqa: E402
from infra.local.outbox import read_outbox  # noqa: E402

gateway.install()

# Property tests draw the same examples on every run, so CI passes or fails on
# the code, not on luck; HYPOTHESIS_PROFILE=explore draws new ones locally.
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile(
    "repeatable",
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture
def aws_env() -> Iterator[None]:
    """A fresh, provisioned moto account (tables, bucket, queues, SES sender)."""
    from infra.provision import provision
    from tests.support import moto_snapshot

    settings.cache_clear()
    with moto.mock_aws():
        # Fresh clients for this test's settings, on the run's one botocore session
        # (its parsed service models are reused).
        aws.client.cache_clear()
        objects.reset()
        if not moto_snapshot.restore(settings()):
            provision()
            moto_snapshot.take(settings())
        yield
    aws.client.cache_clear()
    objects.reset()
    clock.set_now(None)


@pytest.fixture
def app(aws_env: None) -> Any:
    from app import app as chalice_app

    return chalice_app


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from chalice.test import Client

    with Client(app, stage_name="local", project_dir=str(ROOT)) as test_client:
        yield test_client


@pytest.fixture
def outbox() -> Any:
    """Call to read what was sent: ``outbox()["emails"]``, ``outbox()["sms"]``.

    Emails leave requests through the outbound mail queue: each read first runs
    the real ``mail_sender`` on what the queue holds (infra/local/mail_drain.py)."""
    from infra.local.mail_drain import drain_mail_queue

    def read() -> dict[str, list[dict]]:
        drain_mail_queue()
        return read_outbox()

    return read


@pytest.fixture
def frozen_clock() -> Iterator[Any]:
    """Freeze time: ``frozen_clock(datetime(...))``; starts at 2026-11-26 15:00 UTC."""
    clock.set_now(datetime(2026, 11, 26, 15, 0, tzinfo=UTC))
    yield clock.set_now
    clock.set_now(None)


def make_account(email: str = "camille@example.com", **fields: Any) -> Any:
    """An account owning ``email`` (claimed), created directly in the store."""
    from chalicelib.services.profile import claim_for
    from chalicelib.services.sessions import new_id
    from chalicelib.store.accounts import Account, VerifiedEmail

    now = clock.now()
    account = Account(
        new_id("a"),
        emails=[VerifiedEmail(address=email, display=email, verified_at=now)],
        created_at=now,
        updated_at=now,
        **fields,
    )
    account.save()
    claim_for(email, account, now).save()
    return account


@pytest.fixture
def signed_in(aws_env: None) -> Any:
    """``signed_in(email=..., user_agent=...)`` -> (account, headers with a bearer token)."""
    from chalicelib.services import sessions

    def sign_in(
        email: str = "camille@example.com", user_agent: str = "pytest", **fields: Any
    ) -> Any:
        account = make_account(email, **fields)
        issued = sessions.issue(
            account.account_id, email, user_agent=user_agent, ip="203.0.113.9", location=None
        )
        headers = {"Authorization": f"Bearer {issued.token}", "Content-Type": "application/json"}
        return account, headers

    return sign_in


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalStack:
    """A running ``python -m infra.local.run`` (what ``make run`` starts) on free ports."""

    def __init__(self, extra_env: dict[str, str] | None = None) -> None:
        import subprocess
        import tempfile

        self.api_port, self.moto_port = _free_port(), _free_port()
        self.api = f"http://127.0.0.1:{self.api_port}"
        self.aws = f"http://127.0.0.1:{self.moto_port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "AWS_"))}
        env.update(
            {
                "PORTAL_API_PORT": str(self.api_port),
                "PORTAL_MOTO_PORT": str(self.moto_port),
                "AWS_DEFAULT_REGION": "ca-central-1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(extra_env or {})
        self.log = tempfile.NamedTemporaryFile(prefix="portal-stack-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.local.run"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        import time
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"local stack exited: {Path(self.log.name).read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.api}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"local stack not ready: {Path(self.log.name).read_text()[-3000:]}")

    def boto(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.aws,
            region_name="ca-central-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> int:
        import signal
        import subprocess

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    """The whole local portal over real HTTP, shared by the stack/browser/fuzz tests."""
    stack = LocalStack()
    try:
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def dynamodb_calls(monkeypatch: Any) -> list[tuple[str, str]]:
    """Every DynamoDB operation pynamodb sends, as (operation, table)."""
    from pynamodb.connection.base import Connection

    calls: list[tuple[str, str]] = []
    original = Connection.dispatch

    def dispatch(self: Any, operation_name: str, operation_kwargs: dict) -> dict:
        calls.append((operation_name, operation_kwargs.get("TableName", "")))
        return original(self, operation_name, operation_kwargs)

    monkeypatch.setattr(Connection, "dispatch", dispatch)
    return calls


@pytest.fixture
def serialised_moto(monkeypatch: Any) -> None:
    """One DynamoDB operation at a time in moto, as DynamoDB applies each atomically.

    moto's in-memory backend has no lock: two threads can both pass a condition
    before either writes, and a cancelled transaction restores a snapshot that
    erases a concurrent winner. Real DynamoDB allows neither; our own reads and
    writes still race exactly as in production.
    """
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in (
        "get_item",
        "put_item",
        "update_item",
        "delete_item",
        "query",
        "scan",
        "transact_write_items",
        "transact_get_items",
        "batch_get_item",
    ):
        original = getattr(DynamoDBBackend, name)

        def locked(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)
