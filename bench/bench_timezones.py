"""``GET /timezones``: size of the answer and time to answer, as ratios to baselines.

Run from the repository root:  python -m bench.bench_timezones

- Size: the answer (labels, offsets, search aliases) against the bare list of
  the same zone ids as JSON (what a page with raw IANA names would carry).
- Time: ``GET /timezones?lang=fr`` through the Chalice test client, once built,
  against ``GET /health`` on the same client, medians of interleaved runs. The
  first answer of a process (Babel's CLDR data loaded, labels built) is shown
  for information.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

# bench_requests sets the moto environment at import, before any botocore client.
from bench.bench_requests import REPO_ROOT

SIZE_TARGET = 5.0
TIME_TARGET = 2.0
ROUNDS = 41


def measure() -> dict[str, Any]:
    from chalice.test import Client

    from app import app

    client = Client(app, stage_name="local", project_dir=str(REPO_ROOT))
    start = time.perf_counter()
    answer = client.http.get("/timezones?lang=fr")
    first_ms = (time.perf_counter() - start) * 1000
    body = answer.body
    ids = json.dumps([zone["id"] for zone in json.loads(body)["zones"]]).encode()
    health, zones = [], []
    for _ in range(ROUNDS):
        for path, times in (("/health", health), ("/timezones?lang=fr", zones)):
            start = time.perf_counter()
            assert client.http.get(path).status_code == 200
            times.append((time.perf_counter() - start) * 1000)
    return {
        "bytes": len(body),
        "ids_bytes": len(ids),
        "first_ms": first_ms,
        "health_ms": statistics.median(health),
        "zones_ms": statistics.median(zones),
    }


def run() -> list[dict]:
    found = measure()
    size_ratio = found["bytes"] / found["ids_bytes"]
    time_ratio = found["zones_ms"] / found["health_ms"]
    return [
        {
            "figure": "GET /timezones?lang=fr size / bare zone ids as JSON",
            "value": f"{found['bytes']} B / {found['ids_bytes']} B = {size_ratio:.2f}×",
            "target": f"≤ {SIZE_TARGET:g}×",
            "ok": size_ratio <= SIZE_TARGET,
        },
        {
            "figure": f"GET /timezones?lang=fr / GET /health, median of {ROUNDS} interleaved",
            "value": f"{found['zones_ms']:.2f} ms / {found['health_ms']:.2f} ms "
            f"= {time_ratio:.2f}× (first in a process: {found['first_ms']:.0f} ms)",
            "target": f"≤ {TIME_TARGET:g}×",
            "ok": time_ratio <= TIME_TARGET,
        },
    ]


def main() -> None:
    for row in run():
        print(row)


if __name__ == "__main__":
    main()
