"""Can the time of ``POST /auth/code`` tell a known address from an unknown one?

Run from the repository root:  python -m bench.bench_enumeration

In-process against moto through the Chalice test client, as the API tests do.
Known (an account's verified address) and unknown addresses are asked
*interleaved* in one run (the order of each pair alternates), so drifts of the
machine (other processes, caches, moto's growing tables) hit both alike; each
request uses a fresh address, and the clock moves an hour between pairs so no
limit answers 429. The figure is the gap between the two medians.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
from infra.local.moto_env import use_in_process_moto  # noqa: E402

use_in_process_moto(code_secret="bench-secret")

import moto  # noqa: E402  (before any botocore client)

PAIRS = 200
WARMUP = 20
TARGET_MS = 3.0
START = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def measure(pairs: int = PAIRS) -> tuple[list[float], list[float]]:
    """(known, unknown) request times in ms."""
    from chalice.test import Client

    from app import app
    from chalicelib.adapters import aws, clock, objects
    from chalicelib.config import settings
    from infra.local import gateway
    from infra.provision import provision
    from tests.conftest import make_account

    gateway.install()
    settings.cache_clear()
    known: list[float] = []
    unknown: list[float] = []
    with moto.mock_aws():
        aws.reset()
        objects.reset()
        provision()
        clock.set_now(START)
        for n in range(WARMUP + pairs):
            make_account(f"known{n}@example.com")
        client = Client(app, stage_name="local", project_dir=str(REPO_ROOT))
        headers = {"Content-Type": "application/json"}

        def ask(address: str) -> float:
            body = json.dumps({"email": address})
            began = time.perf_counter()
            answer = client.http.post("/auth/code", headers=headers, body=body)
            elapsed = (time.perf_counter() - began) * 1000
            assert answer.status_code == 202, answer.body
            return elapsed

        try:
            for n in range(WARMUP + pairs):
                clock.set_now(START + timedelta(hours=n))  # under every limit
                order = [("known", f"known{n}@example.com"), ("unknown", f"nobody{n}@example.com")]
                if n % 2:
                    order.reverse()
                for kind, address in order:
                    elapsed = ask(address)
                    if n >= WARMUP:
                        (known if kind == "known" else unknown).append(elapsed)
        finally:
            clock.set_now(None)
            aws.reset()
            objects.reset()
    return known, unknown


def run() -> list[dict]:
    known, unknown = measure()
    known_ms, unknown_ms = statistics.median(known), statistics.median(unknown)
    gap = abs(known_ms - unknown_ms)
    return [
        {
            "figure": f"POST /auth/code: known vs unknown address, median of {len(known)} "
            "each, interleaved",
            "value": f"gap {gap:.2f} ms (known {known_ms:.2f} ms, unknown {unknown_ms:.2f} ms)",
            "target": f"< {TARGET_MS:g} ms",
            "ok": gap < TARGET_MS,
        }
    ]


def main() -> None:
    for row in run():
        print(row)


if __name__ == "__main__":
    main()
