"""DynamoDB calls per request, for every route, with a signed-in caller.

Run from the repository root:  python -m bench.bench_requests

Everything runs in-process against moto (``mock_aws``) through the Chalice test
client, as the API tests do. Calls are counted where pynamodb sends them
(``pynamodb.connection.base.Connection.dispatch``: every model operation and
every transaction goes through it), split into reads (GetItem, Query, Scan,
BatchGetItem, TransactGetItems) and writes (PutItem, UpdateItem, DeleteItem,
TransactWriteItems, BatchWriteItem). A transaction counts as one call.

Each route is measured once, in a realistic state: a session whose
``last_active_at`` is fresh (written less than 5 minutes ago) unless the row
says otherwise. ``run()`` returns the rows; ``main()`` prints them.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
from infra.local.moto_env import use_in_process_moto  # noqa: E402

use_in_process_moto(code_secret="bench-secret")
# Measure what Lambda runs: answers are not checked against their shapes there
# (tests.conftest, imported by some benches, would otherwise switch the check on).
os.environ["PORTAL_VALIDATE_RESPONSES"] = "0"

import moto  # noqa: E402  (before any botocore client)

from tests.support.profiles import PROFILE_UPDATE  # noqa: E402

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
# (total calls, writes) at most; None: no target, reported for information.
TARGETS: dict[str, tuple[int, int | None]] = {
    "GET /profile": (2, 0),
    "GET /sessions": (2, None),
    "PUT /profile": (3, None),
}


class CallCounter:
    def __init__(self) -> None:
        self.calls: Counter = Counter()

    def install(self) -> None:
        from pynamodb.connection.base import Connection

        original = Connection.dispatch
        counter = self

        def dispatch(self: Any, operation_name: str, operation_kwargs: dict) -> dict:
            counter.calls[operation_name] += 1
            return original(self, operation_name, operation_kwargs)

        Connection.dispatch = dispatch  # type: ignore[method-assign]
        self._restore = (Connection, original)

    def uninstall(self) -> None:
        cls, original = self._restore
        cls.dispatch = original  # type: ignore[method-assign]

    def take(self) -> tuple[int, int, str]:
        reads = sum(n for op, n in self.calls.items() if op in READS)
        writes = sum(n for op, n in self.calls.items() if op in WRITES)
        detail = ", ".join(f"{op} {n}" for op, n in sorted(self.calls.items()))
        self.calls.clear()
        return reads, writes, detail


def _jpeg(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "JPEG", quality=85)
    return out.getvalue()


def _seed_bookings(email: str) -> None:
    from chalicelib.services import bookings

    events = [
        {
            "type": "professional.upserted",
            "professional": {
                "id": "p1",
                "name": "Clinique Rivière",
                "timezone": "America/Toronto",
                "sms_reminders_enabled": True,
            },
        },
        {
            "type": "client_record.upserted",
            "client_record": {
                "professional_id": "p1",
                "client_id": "c1",
                "first_name": "Camille",
                "last_name": "Tremblay",
                "email": email,
                "mobile_phone": "514-555-0123",
                "language": "fr",
                "created_at": "2026-01-05T15:00:00-05:00",
            },
        },
    ]
    for n in range(5):
        start = NOW + timedelta(days=n + 1)
        events.append(
            {
                "type": "appointment.upserted",
                "appointment": {
                    "professional_id": "p1",
                    "client_id": "c1",
                    "id": f"ap{n}",
                    "start": start.isoformat(),
                    "end": (start + timedelta(minutes=45)).isoformat(),
                    "service": "Physiothérapie",
                    "status": "booked",
                },
            }
        )
    for tick, event in enumerate(events, start=1):
        event["occurred_at"] = (NOW - timedelta(days=1, seconds=-tick)).isoformat()
        assert bookings.apply(bookings.parse(json.dumps(event)))


def _last_code(address: str) -> str:
    from infra.local.mail_drain import drain_mail_queue
    from infra.local.outbox import read_outbox

    drain_mail_queue()  # the mail sender, as on AWS
    mails = [m for m in read_outbox()["emails"] if m["to"] == address]
    return re.search(r"\b(\d{6})\b", f"{mails[-1]['subject']} {mails[-1]['text']}").group(1)


def measure() -> list[tuple[str, str, int, int, str]]:
    """(route, state, reads, writes, detail) for every route."""
    import requests
    from chalice.test import Client

    from app import app
    from chalicelib.adapters import aws, clock, objects
    from chalicelib.config import settings
    from chalicelib.services import sessions
    from infra.local import gateway
    from infra.provision import provision

    gateway.install()
    settings.cache_clear()
    rows: list[tuple[str, str, int, int, str]] = []
    email, other = "camille@example.com", "camille.t@example.net"
    with moto.mock_aws():
        aws.reset()
        objects.reset()
        provision()
        clock.set_now(NOW)
        _seed_bookings(email)
        client = Client(app, stage_name="local", project_dir=str(REPO_ROOT))
        http = client.http
        json_headers = {"Content-Type": "application/json", "User-Agent": "bench"}

        def body(data: dict) -> str:
            return json.dumps(data)

        # Sign in through the API (creates the account from the client record).
        flow = http.post("/auth/code", headers=json_headers, body=body({"email": email}))
        signed = http.post(
            "/auth/login",
            headers=json_headers,
            body=body({"email": email, "code": _last_code(email), "flow": flow.json_body["flow"]}),
        ).json_body
        headers = {**json_headers, "Authorization": f"Bearer {signed['token']}"}
        account_id = signed["profile"]["account_id"]
        for n in range(3):  # other devices, for the sessions list
            sessions.issue(account_id, email, user_agent=f"device {n}", ip=None, location=None)

        counter = CallCounter()
        counter.install()
        fresh = "session active < 5 min ago"

        def later(minutes: int) -> None:
            clock.set_now(clock.now() + timedelta(minutes=minutes))

        def measure_one(route: str, state: str, call: Any, expect: int) -> Any:
            counter.take()
            response = call()
            assert response.status_code == expect, (route, response.status_code, response.body)
            rows.append((route, state, *counter.take()))
            return response

        try:
            measure_one("GET /health", "no auth", lambda: http.get("/health"), 200)
            later(2)  # past the address's one-code-per-minute limit
            flow = measure_one(
                "POST /auth/code",
                "known address",
                lambda: http.post("/auth/code", headers=json_headers, body=body({"email": email})),
                202,
            ).json_body["flow"]
            counter.uninstall()  # the mail sender's calls are not the request's
            code = _last_code(email)
            counter.install()
            sign_in = {"email": email, "code": code, "flow": flow}
            measure_one(
                "POST /auth/login",
                "existing account",
                lambda: http.post("/auth/login", headers=json_headers, body=body(sign_in)),
                201,
            )
            profile = measure_one(
                "GET /profile", fresh, lambda: http.get("/profile", headers=headers), 200
            )
            later(6)
            measure_one(
                "GET /profile",
                "session last active > 5 min ago",
                lambda: http.get("/profile", headers=headers),
                200,
            )
            measure_one("GET /sessions", fresh, lambda: http.get("/sessions", headers=headers), 200)
            update = {"version": profile.json_body["version"], **PROFILE_UPDATE}
            measure_one(
                "PUT /profile",
                fresh,
                lambda: http.put("/profile", headers=headers, body=body(update)),
                200,
            )
            measure_one(
                "GET /appointments",
                f"{fresh}; 5 appointments",
                lambda: http.get("/appointments", headers=headers),
                200,
            )
            measure_one(
                "POST /profile/emails",
                fresh,
                lambda: http.post("/profile/emails", headers=headers, body=body({"email": other})),
                202,
            )
            counter.uninstall()
            other_code = _last_code(other)
            counter.install()
            measure_one(
                "POST /profile/emails/verify",
                fresh,
                lambda: http.post(
                    "/profile/emails/verify",
                    headers=headers,
                    body=body({"email": other, "code": other_code}),
                ),
                200,
            )
            measure_one(
                "DELETE /profile/emails/{address}",
                fresh,
                lambda: http.delete(
                    f"/profile/emails/{other.replace('@', '%40')}", headers=headers
                ),
                200,
            )
            measure_one(
                "PUT /profile/photo",
                f"{fresh}; 400×300 JPEG",
                lambda: http.put(
                    "/profile/photo",
                    headers={**headers, "Content-Type": "image/jpeg", "Accept": "application/json"},
                    body=_jpeg(400, 300),
                ),
                200,
            )
            ticket = measure_one(
                "POST /profile/photo/upload",
                fresh,
                lambda: http.post("/profile/photo/upload", headers=headers),
                200,
            ).json_body
            posted = requests.post(
                ticket["url"],
                data=ticket["fields"],
                files={"file": ("p.jpg", _jpeg(800, 600))},
                timeout=10,
            )
            assert posted.status_code in (200, 201, 204)
            counter.take()
            measure_one(
                "POST /profile/photo",
                f"{fresh}; replaces a photo",
                lambda: http.post(
                    "/profile/photo", headers=headers, body=body({"key": ticket["key"]})
                ),
                200,
            )
            measure_one(
                "POST /profile/photo/rotate",
                fresh,
                lambda: http.post(
                    "/profile/photo/rotate", headers=headers, body=body({"degrees": 90})
                ),
                200,
            )
            measure_one(
                "DELETE /profile/photo",
                fresh,
                lambda: http.delete("/profile/photo", headers=headers),
                204,
            )
            sessions_list = http.get("/sessions", headers=headers).json_body["sessions"]
            other_session = next(s["id"] for s in sessions_list if not s["current"])
            counter.take()
            measure_one(
                "DELETE /sessions/{id}",
                fresh,
                lambda: http.delete(f"/sessions/{other_session}", headers=headers),
                204,
            )
            measure_one(
                "DELETE /sessions",
                f"{fresh}; 3 others",
                lambda: http.delete("/sessions", headers=headers),
                200,
            )
            measure_one(
                "POST /auth/logout", fresh, lambda: http.post("/auth/logout", headers=headers), 204
            )
        finally:
            counter.uninstall()
            clock.set_now(None)
            aws.reset()
            objects.reset()
    return rows


def run() -> list[dict]:
    rows = []
    for route, state, reads, writes, detail in measure():
        target = TARGETS.get(route) if "> 5 min" not in state else None
        if target is None:
            shown, ok = "", None
        else:
            most, most_writes = target
            shown = f"≤ {most} calls" + (
                f", {most_writes} writes" if most_writes is not None else ""
            )
            ok = reads + writes <= most and (most_writes is None or writes <= most_writes)
        rows.append(
            {
                "figure": f"DynamoDB calls: {route} ({state})",
                "value": f"{reads + writes} ({reads} r / {writes} w: {detail})",
                "target": shown,
                "ok": ok,
            }
        )
    return rows


def main() -> None:
    for row in run():
        print(row)


if __name__ == "__main__":
    main()
