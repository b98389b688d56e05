"""DynamoDB calls of the privacy routes: activity, export, and deletion by number of sessions.

Run from the repository root:  python -m bench.bench_privacy

Same method as bench_requests (in-process moto, the Chalice test client, calls
counted where pynamodb sends them; a transaction or a batch is one call). The
deletion is measured on accounts with 1 to 200 sessions: its calls must grow by
one BatchWriteItem per 25 sessions, nothing else.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta
from typing import Any

# bench_requests sets the moto environment at import, before any botocore client.
from bench.bench_requests import NOW, REPO_ROOT, CallCounter, _last_code, _seed_bookings

SESSION_COUNTS = (1, 25, 100, 200)


def measure() -> dict[str, Any]:
    import moto
    from chalice.test import Client

    from app import app
    from chalicelib.adapters import aws, clock, objects
    from chalicelib.config import settings
    from chalicelib.services import sessions
    from infra.local import gateway
    from infra.provision import provision

    gateway.install()
    settings.cache_clear()
    found: dict[str, Any] = {"deletion": {}}
    with moto.mock_aws():
        aws.reset()
        objects.reset()
        provision()
        clock.set_now(NOW)
        counter = CallCounter()
        email = "camille@example.com"
        _seed_bookings(email)
        try:
            # After each deletion the address signs in again to a fresh account.
            for index, count in enumerate(SESSION_COUNTS):
                client = Client(app, stage_name="local", project_dir=str(REPO_ROOT))
                http = client.http
                json_headers = {"Content-Type": "application/json", "User-Agent": "bench"}
                clock.set_now(clock.now() + timedelta(minutes=2))
                flow = http.post(
                    "/auth/code", headers=json_headers, body=json.dumps({"email": email})
                ).json_body["flow"]
                signed = http.post(
                    "/auth/login",
                    headers=json_headers,
                    body=json.dumps({"email": email, "code": _last_code(email), "flow": flow}),
                ).json_body
                headers = {**json_headers, "Authorization": f"Bearer {signed['token']}"}
                account_id = signed["profile"]["account_id"]
                for n in range(count - 1):
                    sessions.issue(account_id, email, user_agent=f"d{n}", ip=None, location=None)
                version = signed["profile"]["version"]
                for _ in range(20):  # 20 profile saves: 21 events with the sign-in
                    saved = http.put(
                        "/profile",
                        headers=headers,
                        body=json.dumps({**_profile(signed["profile"]), "version": version}),
                    )
                    version = saved.json_body["version"]
                counter.install()
                if index == 0:
                    counter.take()
                    assert http.get("/account/activity", headers=headers).status_code == 200
                    found["activity"] = counter.take()
                    assert http.get("/account/export", headers=headers).status_code == 200
                    found["export"] = counter.take()
                clock.set_now(clock.now() + timedelta(minutes=2))
                assert http.post("/account/deletion", headers=headers).status_code == 202
                code = _last_code(email)
                counter.take()
                answer = http.delete("/account", headers=headers, body=json.dumps({"code": code}))
                assert answer.status_code == 204, answer.body
                found["deletion"][count] = counter.take()
                counter.uninstall()
        finally:
            clock.set_now(None)
            aws.reset()
            objects.reset()
    return found


def _profile(profile: dict) -> dict:
    return {
        "first_name": profile["first_name"] or "Camille",
        "last_name": profile["last_name"] or "Tremblay",
        "mobile_phone": None,
        "home_phone": None,
        "language": profile["language"],
        "date_format": profile["date_format"],
        "time_format": profile["time_format"],
        "timezone": profile["timezone"],
    }


def run() -> list[dict]:
    found = measure()
    rows = []
    reads, writes, detail = found["activity"]
    rows.append(
        {
            "figure": "DynamoDB calls: GET /account/activity (21 events)",
            "value": f"{reads + writes} ({reads} r / {writes} w: {detail})",
            "target": "≤ 2 calls (session + one query)",
            "ok": reads + writes <= 2,
        }
    )
    reads, writes, detail = found["export"]
    rows.append(
        {
            "figure": "DynamoDB calls: GET /account/export (1 professional, 5 appointments)",
            "value": f"{reads + writes} ({reads} r / {writes} w: {detail})",
            "target": "",
            "ok": None,
        }
    )
    base = sum(found["deletion"][1][:2])
    for count, (reads, writes, detail) in found["deletion"].items():
        extra = math.ceil(count / 25) - 1  # one more BatchWriteItem per 25 sessions
        rows.append(
            {
                "figure": f"DynamoDB calls: DELETE /account ({count} sessions)",
                "value": f"{reads + writes} ({reads} r / {writes} w: {detail})",
                "target": f"≤ {base + extra} (1 session: {base}, +1 per 25 sessions)",
                "ok": reads + writes <= base + extra,
            }
        )
    return rows


def main() -> None:
    for row in run():
        print(row)


if __name__ == "__main__":
    main()
