"""Cold start: wall time of ``import app`` against the bare framework + SDK imports.

Run from the repository root:  python -m bench.bench_cold_start

Both commands run in fresh subprocesses with the same environment, interleaved
(app, baseline, app, baseline, ...) so machine noise hits both alike; the figure
is the ratio of the medians. The baseline is what any Chalice + boto3 + pynamodb
function pays anyway (``import chalice.app, boto3, pynamodb.models``); the
target is that our own code adds at most 15 % on top.

``extra_imports()`` lists what ``app`` imports beyond the baseline
(``-X importtime``), and ``lazy_schemas_saving()`` what importing pydantic and
every schema at import would add (routes name their models: ``api/schema_ref``),
and building every schema on top (``defer_build=True`` postpones each to first use).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNS = 9
TARGET_RATIO = 1.15
APP = "import app"
BASELINE = "import chalice.app, boto3, pynamodb.models"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PORTAL_", "PYTHON"))}
    env.update(
        {
            "AWS_DEFAULT_REGION": "ca-central-1",
            "AWS_REGION": "ca-central-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "PORTAL_STAGE": "dev",  # as deployed: no dev routes
        }
    )
    return env


def _wall_ms(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, check=True)
    return (time.perf_counter() - started) * 1000


def measure(runs: int = RUNS) -> tuple[float, float]:
    """Median wall ms of (app, baseline), interleaved, after one warm-up of each (disk cache)."""
    env = _env()
    _wall_ms(APP, env)
    _wall_ms(BASELINE, env)
    app_ms: list[float] = []
    base_ms: list[float] = []
    for _ in range(runs):
        app_ms.append(_wall_ms(APP, env))
        base_ms.append(_wall_ms(BASELINE, env))
    return statistics.median(app_ms), statistics.median(base_ms)


def _self_times(code: str) -> dict[str, int]:
    """Module -> own import time (µs), from ``-X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=REPO_ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    times: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            own, _, name = line.removeprefix("import time:").split("|")
            times[name.strip()] = int(own)
    return times


def extra_imports(count: int = 6) -> list[tuple[str, float]]:
    """What ``import app`` loads beyond the baseline: own import ms, by top-level package."""
    baseline = _self_times(BASELINE)
    totals: dict[str, float] = {}
    for module, micros in _self_times(APP).items():
        if module not in baseline:
            root = module.split(".")[0]
            totals[root] = totals.get(root, 0.0) + micros / 1000
    return sorted(totals.items(), key=lambda item: -item[1])[:count]


# What the lazy schemas save: the same import, then every schema module imported
# (pydantic with them), then every schema built as without defer_build.
IMPORT_ALL = (
    "import app, importlib, pkgutil, chalicelib.schemas as package\n"
    "for module in pkgutil.iter_modules(package.__path__):\n"
    "    importlib.import_module(f'chalicelib.schemas.{module.name}')\n"
)
BUILD_ALL = IMPORT_ALL + (
    "from pydantic import BaseModel\n"
    "def subclasses(cls):\n"
    "    for sub in cls.__subclasses__():\n"
    "        yield sub\n"
    "        yield from subclasses(sub)\n"
    "for model in set(subclasses(BaseModel)):\n"
    "    if model.__module__.startswith('chalicelib'):\n"
    "        model.model_rebuild(force=True)\n"
)


def lazy_schemas_saving(runs: int = 5) -> tuple[float, float]:
    """(ms added by importing every schema, ms added by also building them), medians."""
    env = _env()
    plain: list[float] = []
    imported: list[float] = []
    built: list[float] = []
    for _ in range(runs):
        plain.append(_wall_ms(APP, env))
        imported.append(_wall_ms(IMPORT_ALL, env))
        built.append(_wall_ms(BUILD_ALL, env))
    base = statistics.median(plain)
    return statistics.median(imported) - base, statistics.median(built) - statistics.median(
        imported
    )


def run() -> list[dict]:
    app_ms, base_ms = measure()
    ratio = app_ms / base_ms
    rows = [
        {
            "figure": f"cold start: `{APP}` / baseline (median of {RUNS}, interleaved)",
            "value": f"{app_ms:.0f} ms / {base_ms:.0f} ms = {ratio:.2f}×",
            "target": f"≤ {TARGET_RATIO}×",
            "ok": ratio <= TARGET_RATIO,
        }
    ]
    extra = ", ".join(f"{name} {ms:.0f}" for name, ms in extra_imports())
    rows.append(
        {
            "figure": "cold start: imports beyond the baseline, own ms (-X importtime)",
            "value": extra,
            "target": "",
            "ok": None,
        }
    )
    imported, built = lazy_schemas_saving()
    rows.append(
        {
            "figure": "cold start: importing pydantic + every schema (what lazy schemas avoid)",
            "value": f"{imported:+.0f} ms; building them all: {built:+.0f} ms more",
            "target": "",
            "ok": None,
        }
    )
    return rows


def main() -> None:
    for row in run():
        print(row)


if __name__ == "__main__":
    main()
