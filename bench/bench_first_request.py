"""Fresh process -> first request answered, as ratios to the baseline import.

Run from the repository root:  python -m bench.bench_first_request

What a new Lambda instance pays before its first answer: the interpreter,
``import app``, the AWS clients (botocore session, service models), the
request itself (DynamoDB, Secrets Manager, SQS). Each figure is the wall time of a fresh
``python`` that imports the app and hands it one API Gateway event
(``app.app(event, context)``, as Lambda does), divided by the wall time of a
fresh ``python`` doing the baseline import of ``bench_cold_start``
(``import chalice.app, boto3, pynamodb.models``); the runs are interleaved
(baseline, GET, login, baseline, ...) and the medians compared.

The fresh processes (and the baseline) import the botocore that the Lambda
package ships: a copy whose service models are trimmed to the services the code
uses (``infra.package.trim_dependencies``). With all 440 models, each client's
first model lookup lists every model directory (~40 ms here) that Lambda never has.

moto runs as a server in this orchestrating process, on loopback, and the
fresh processes talk to it as they would to AWS (``AWS_ENDPOINT_URL``). Not
moto in the fresh process: ``import moto`` loads botocore and its setup
creates clients, so the measured process would start with part of the cost
already paid. The loopback HTTP makes each figure slightly pessimistic.

The state is seeded here through the app's own services: per run, an account
(with a mobile phone) and a session for ``GET /profile``, and for
``POST /auth/login`` an account that signs in again with a fresh code
(``sign_in_body``: the one function to adapt when the sign-in flow changes).
The code key is read from the Secrets Manager secret, as deployed.
``bench/__main__`` runs this module in a subprocess and reads its rows (JSON).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNS = 9
TARGETS = {"GET /profile": 2.0, "POST /auth/login": 2.5}
CODE_SECRET = "portal-bench-code-secret"
# As deployed: SSM's path of the Secrets Manager secret (read from Secrets Manager directly).
CODE_PARAMETER = f"/aws/reference/secretsmanager/{CODE_SECRET}"

# The fresh process: import the app, answer one event, exit.
CHILD = """
import json, sys
import app
answer = app.app(json.loads(sys.argv[1]), None)
sys.stdout.write(str(answer["statusCode"]))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def packaged_botocore(site: Path) -> Path:
    """A copy of this virtualenv's botocore with its models trimmed as the package trims them."""
    import botocore

    from infra.package import trim_dependencies, used_services

    services = used_services()
    source = Path(botocore.__file__).parent

    def skipped(folder: str, names: list[str]) -> set[str]:
        if Path(folder) == source / "data":
            return {n for n in names if (Path(folder) / n).is_dir() and n not in services}
        return {"__pycache__"} if "__pycache__" in names else set()

    shutil.copytree(source, site / "botocore", ignore=skipped)
    trim_dependencies(site, services)
    return site


def _environment(moto_port: int, site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PORTAL_", "PYTHON"))}
    env.update(
        {
            "PYTHONPATH": str(site),
            "AWS_DEFAULT_REGION": "ca-central-1",
            "AWS_REGION": "ca-central-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
            "PORTAL_STAGE": "dev",  # as deployed: no dev routes
            "PORTAL_CODE_SECRET_PARAMETER": CODE_PARAMETER,
        }
    )
    return env


def _event(method: str, path: str, n: int, headers: dict[str, str], body: Any = None) -> str:
    """An API Gateway (REST, proxy) event, as Lambda hands it to the app."""
    return json.dumps(
        {
            "resource": path,
            "path": path,
            "httpMethod": method,
            "headers": {"User-Agent": _USER_AGENT, "Accept-Language": "fr-CA", **headers},
            "multiValueQueryStringParameters": None,
            "queryStringParameters": None,
            "pathParameters": None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": path,
                "httpMethod": method,
                "stage": "api",
                "requestId": f"bench-{n}",
                "identity": {"sourceIp": f"203.0.113.{n + 1}"},
            },
            "body": None if body is None else json.dumps(body),
            "isBase64Encoded": False,
        }
    )


_USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def _account(email: str) -> str:
    """An existing account owning ``email``, with a mobile phone (as most clients have)."""
    from chalicelib.services.sessions import new_id
    from chalicelib.store.accounts import Account, VerifiedEmail
    from chalicelib.store.email_claims import EmailClaim

    now = datetime.now(UTC)
    verified = VerifiedEmail(address=email, display=email, verified_at=now)
    account = Account(
        new_id("a"),
        first_name="Camille",
        last_name="Tremblay",
        mobile_phone="+15145550123",
        emails=[verified],
        created_at=now,
        updated_at=now,
    )
    account.save()
    EmailClaim(email, account_id=account.account_id, claimed_at=now).save()
    return account.account_id


def sign_in_body(email: str, n: int) -> dict[str, str]:
    """The body of ``POST /auth/login`` for ``email``: sign-in step 1 (the same browser)
    opens a flow, the real ``mail_sender`` (drained here) arms it and emails its code,
    read from the outbox."""
    from chalicelib.services import login
    from infra.local.mail_drain import drain_mail_queue
    from infra.local.outbox import read_outbox

    flow = login.request_code(
        email, ip=f"198.51.100.{n + 1}", language="fr", user_agent=_USER_AGENT
    ).flow
    drain_mail_queue()
    mail = [m for m in read_outbox()["emails"] if m["to"] == email][-1]
    code = re.search(r"\b(\d{6})\b", f"{mail['subject']} {mail['text']}")
    assert code, "no code in the sign-in email"
    return {"email": email, "code": code.group(1), "flow": flow}


def _session_token(email: str) -> str:
    from chalicelib.services import sessions

    return sessions.issue(
        _account(email), email, user_agent=_USER_AGENT, ip="203.0.113.9", location=None
    ).token


def _wall_ms(args: list[str], env: dict[str, str], expect: str | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    elapsed = (time.perf_counter() - started) * 1000
    status = done.stdout.rsplit("\n", 1)[-1]  # after the metrics lines (EMF, on stdout)
    if done.returncode != 0 or (expect is not None and status != expect):
        raise RuntimeError(f"fresh process failed ({done.stdout!r}): {done.stderr[-2000:]}")
    return elapsed


def measure(runs: int = RUNS) -> dict[str, tuple[float, float]]:
    """route -> (median fresh-process ms, median baseline ms), interleaved."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise

    from bench.bench_cold_start import BASELINE

    port = _free_port()
    site = packaged_botocore(Path(tempfile.mkdtemp(prefix="portal-bench-site-")))
    env = _environment(port, site)
    for name in [n for n in os.environ if n.startswith(("AWS_", "PORTAL_"))]:
        del os.environ[name]  # e.g. bench/__main__'s in-process settings (a local code key)
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        from chalicelib.adapters import aws
        from chalicelib.config import settings
        from infra.provision import provision

        settings.cache_clear()
        provision()
        # As deployed (the package's PORTAL_MAIL_QUEUE_URL: the queue's Ref).
        queue = aws.client("sqs").get_queue_url(QueueName=settings().mail_queue)["QueueUrl"]
        env["PORTAL_MAIL_QUEUE_URL"] = queue
        aws.client("secretsmanager").create_secret(
            Name=CODE_SECRET, SecretString="bench-" + "k" * 40
        )
        events = {"GET /profile": [], "POST /auth/login": []}
        for n in range(runs + 1):  # + 1: the warm-up (disk cache) run
            email = f"signin{n}@example.com"
            _account(email)
            token = _session_token(f"profile{n}@example.com")
            events["GET /profile"].append(
                _event("GET", "/profile", n, {"Authorization": f"Bearer {token}"})
            )
            events["POST /auth/login"].append(
                _event(
                    "POST",
                    "/auth/login",
                    n,
                    {"Content-Type": "application/json"},
                    sign_in_body(email, n),
                )
            )
        expect = {"GET /profile": "200", "POST /auth/login": "201"}
        times: dict[str, list[float]] = {"baseline": [], **{route: [] for route in events}}
        for n in range(runs + 1):
            baseline = _wall_ms(["-c", BASELINE], env)
            measured = {
                route: _wall_ms(["-c", CHILD, events[route][n]], env, expect[route])
                for route in events
            }
            if n == 0:
                continue
            times["baseline"].append(baseline)
            for route, ms in measured.items():
                times[route].append(ms)
    finally:
        server.stop()
        shutil.rmtree(site, ignore_errors=True)
    base = statistics.median(times["baseline"])
    return {route: (statistics.median(times[route]), base) for route in events}


def run() -> list[dict]:
    rows = []
    for route, (fresh, base) in measure().items():
        ratio = fresh / base
        rows.append(
            {
                "figure": f"fresh process -> first {route} answered / baseline import "
                f"(median of {RUNS}, interleaved)",
                "value": f"{fresh:.0f} ms / {base:.0f} ms = {ratio:.2f}×",
                "target": f"≤ {TARGETS[route]}×",
                "ok": ratio <= TARGETS[route],
            }
        )
    return rows


def run_in_subprocess() -> list[dict]:
    """``run()`` in a process of its own (its environment points AWS at its moto server)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_first_request", "--json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    rows = run()
    if "--json" in sys.argv:
        print(json.dumps(rows))
    else:
        for row in rows:
            print(f"{row['figure']}: {row['value']} (target {row['target']})")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    main()
