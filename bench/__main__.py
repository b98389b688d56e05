"""``make bench``: every benchmark, printed as ONE table (figure, target, ✓/✗).

Not part of ``make test``: it takes a few minutes and its figures depend on the
machine, which is printed above the table.
"""

from __future__ import annotations

import os
import platform
import sys

# bench_requests sets the AWS/portal environment and imports moto before any
# botocore client exists: it must be imported first.
from bench import bench_requests  # isort: skip
from bench import (
    bench_cold_start,
    bench_enumeration,
    bench_first_request,
    bench_jobs,
    bench_package,
    bench_photo,
    bench_privacy,
    bench_timezones,
)


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        model = platform.processor() or model
    return (
        f"{os.cpu_count()} cores, {model}; Python {platform.python_version()} "
        f"({platform.system()} {platform.machine()})"
    )


def _photo_rows() -> list[dict]:
    rows = []
    for row in bench_photo.run():
        unit = row["unit"]
        value = f"{row['ours']:.1f} {unit}"
        if row["naive"] is not None:
            value += f" (naive {row['naive']:.1f} {unit}"
            value += f", {row['ratio']:.2f}×)" if row["ratio"] is not None else ")"
        rows.append(
            {
                "figure": f"photo: {row['case']}",
                "value": value,
                "target": row["target"],
                "ok": row["ok"],
            }
        )
    return rows


def _job_rows() -> list[dict]:
    rows = []
    for row in bench_jobs.run():
        value = (
            f"{row['items_read']} items read / {row['work']} = {row['ratio']} "
            f"({row['note']}; {row['seconds']} s)"
        )
        target = str(row["target"]).replace("<=", "≤") + " items read per item"
        if row["ok"] is None:
            target += f" (judged from {bench_jobs.JUDGED_FROM_DUE} due)"
        rows.append(
            {"figure": f"job: {row['job']}", "value": value, "target": target, "ok": row["ok"]}
        )
    return rows


def table(rows: list[dict]) -> str:
    header = ("figure", "measured", "target", "")
    lines = [
        (r["figure"], r["value"], r["target"], {True: "✓", False: "✗", None: ""}[r["ok"]])
        for r in rows
    ]
    cells = [header, *lines]
    widths = [max(len(line[i]) for line in cells) for i in range(4)]

    def fmt(line: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


def main() -> int:
    sections = [
        ("cold start", bench_cold_start.run),
        ("first request of a fresh process", bench_first_request.run_in_subprocess),
        ("requests", bench_requests.run),
        ("privacy", bench_privacy.run),
        ("enumeration", bench_enumeration.run),
        ("time zones", bench_timezones.run),
        ("photo", _photo_rows),
        ("jobs", _job_rows),
        ("package", bench_package.run),
    ]
    rows: list[dict] = []
    for name, collect in sections:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.extend(collect())
    print(f"Machine: {machine()}")
    print(table(rows))
    passed, failed = (sum(1 for r in rows if r["ok"] is flag) for flag in (True, False))
    print(f"{passed} ✓, {failed} ✗, {len(rows) - passed - failed} for information")
    return 0


if __name__ == "__main__":
    sys.exit(main())
