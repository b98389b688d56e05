"""Schemathesis against the running local stack: every operation of /openapi.json.

The test starts its own local stack (fresh rate-limit counters), signs in
through the API like a person would (code emailed, read from the dev outbox),
then runs ``st run`` with every check (``--checks all``) plus the contract's
error shape (below), over every operation but the dev tooling (``/_dev/*``).

Two operations would end the fuzzing session itself; they are still fuzzed:
- ``DELETE /sessions/{session_id}``: the ``before_call`` hook swaps the
  current session's id for another one (any other value is sent as generated);
- ``POST /auth/logout``: fuzzed last, in its own short run (204 once, then 401).

This module is also the hooks module of the ``st`` process
(``SCHEMATHESIS_HOOKS``): the hooks register only there, where the count file
environment variable is set. ``docs/fuzzing.md`` has the figures and findings.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
COUNT_FILE_ENV = "PORTAL_FUZZ_COUNT_FILE"
CURRENT_SESSION_ENV = "PORTAL_FUZZ_CURRENT_SESSION"
FUZZ_EMAIL = "alex.martin@example.org"  # a demo person (infra/local/demo.py)
MIN_REQUESTS = 1000
MAX_EXAMPLES = int(os.environ.get("PORTAL_FUZZ_MAX_EXAMPLES", "40"))
FUZZ_SEED = int(os.environ.get("PORTAL_FUZZ_SEED", "20261126"))

# Value rules JSON Schema cannot state (a phone number that exists, a name made
# of letters, an email domain that can exist) answer 422 to schema-valid data:
# for the positive-data check, 422 is an expected answer besides the defaults.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]
"""


# ------------------------------------------------------------ hooks (st process only)

if os.environ.get(COUNT_FILE_ENV):
    import schemathesis

    _count_lock = threading.Lock()

    @schemathesis.check
    def contract_error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
        """Every 4xx/5xx carries ``{"error": {"code": str, "message": str}}``
        (docs/api.md "Errors")."""
        if response.status_code < 400:
            return None
        try:
            body = json.loads(response.content or b"")
        except ValueError:
            raise AssertionError(f"{response.status_code} without a JSON body") from None
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            raise AssertionError(f"{response.status_code} without an `error` object")
        for member in ("code", "message"):
            if not isinstance(error.get(member), str) or not error[member]:
                raise AssertionError(f"{response.status_code}: `error.{member}` is not a string")
        if response.status_code == 422 and not isinstance(error.get("fields"), dict):
            raise AssertionError("422 without `error.fields`")
        if response.status_code == 429 and not response.headers.get("retry-after"):
            raise AssertionError("429 without Retry-After")
        return True

    @schemathesis.hook
    def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
        # Ending the session the fuzzer runs on would turn the rest of the run into 401s.
        current = os.environ.get(CURRENT_SESSION_ENV)
        if case.path_parameters and case.path_parameters.get("session_id") == current:
            case.path_parameters["session_id"] = current + "x"

    @schemathesis.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        # One byte per request sent; appends from the worker threads never interleave.
        with _count_lock, open(os.environ[COUNT_FILE_ENV], "ab") as counter:
            counter.write(b".")


# ------------------------------------------------------------ the test


def _http(method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"null")


def sign_in(api: str, email: str) -> dict[str, Any]:
    """POST /auth/code, the code from the dev outbox, POST /auth/login -> the login answer."""
    flow = _http("POST", f"{api}/auth/code", {"email": email})["flow"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        sent = [m for m in _http("GET", f"{api}/_dev/outbox")["emails"] if m["to"] == email]
        codes = re.findall(r"\b\d{6}\b", sent[-1]["text"]) if sent else []
        if codes:
            body = {"email": email, "code": codes[0], "flow": flow}
            return _http("POST", f"{api}/auth/login", body)
        time.sleep(0.3)
    raise AssertionError("no sign-in code in the outbox")


@pytest.fixture(scope="module")
def fuzz_stack() -> Any:
    """Our own local stack: rate-limit counters untouched by other tests."""
    from tests.conftest import LocalStack

    stack = LocalStack()
    try:
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()


def run_schemathesis(
    api: str, token: str, session_id: str, workdir: Path, name: str, *options: str
) -> tuple[subprocess.CompletedProcess[str], int]:
    """``st run`` with every check; returns the process and the number of requests it sent."""
    count_file = workdir / f"{name}.count"
    count_file.write_bytes(b"")
    config = workdir / "schemathesis.toml"
    config.write_text(CONFIG)
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.fuzz.test_schemathesis",
        COUNT_FILE_ENV: str(count_file),
        CURRENT_SESSION_ENV: session_id,
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(config),
        "run",
        f"{api}/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--exclude-path-regex",
        "^/_dev/",
        "--workers",
        "2",
        # Reproducible: the same cases on every run, so CI cannot pass or fail by luck.
        "--seed",
        str(FUZZ_SEED),
        # A generator-side check (hypothesis discarding its own draws for free-form path
        # parameters such as an email address), not a finding about the API.
        "--suppress-health-check",
        "filter_too_much",
        "--report",
        "junit",
        "--report-junit-path",
        str(workdir / f"{name}-junit.xml"),
        *options,
    ]
    process = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    return process, len(count_file.read_bytes())


@pytest.mark.fuzz
def test_every_operation_survives_schemathesis(fuzz_stack: Any, tmp_path: Path) -> None:
    api = fuzz_stack.api
    login = sign_in(api, FUZZ_EMAIL)
    token, session_id = login["token"], login["session"]["id"]
    started = time.monotonic()

    main, main_requests = run_schemathesis(
        api,
        token,
        session_id,
        tmp_path,
        "main",
        "--exclude-operation-id",
        "sign_out",
        "--max-examples",
        str(MAX_EXAMPLES),
    )
    # The session must have survived the whole run (nothing ended it by the side).
    check = urllib.request.Request(f"{api}/sessions", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(check, timeout=30) as answer:
        assert answer.status == 200

    logout, logout_requests = run_schemathesis(
        api,
        token,
        session_id,
        tmp_path,
        "logout",
        "--include-operation-id",
        "sign_out",
        "--max-examples",
        "20",
    )
    elapsed = time.monotonic() - started
    total = main_requests + logout_requests
    print(f"schemathesis: {total} requests in {elapsed:.0f} s", file=sys.stderr)

    assert main.returncode == 0, main.stdout[-20000:] + main.stderr[-5000:]
    assert logout.returncode == 0, logout.stdout[-20000:] + logout.stderr[-5000:]
    assert total >= MIN_REQUESTS, f"only {total} requests"
    # What the endpoint decorator logs before answering 500: never, under any input.
    assert "unexpected error" not in fuzz_stack.output()
