"""Package size: the Lambda deployment zip that ``make package`` built, if any.

Run from the repository root:  python -m bench.bench_package

Building takes a while, so the bench only reads ``build/<stage>/deployment.zip``
(every stage found); without one it says to run ``make package`` first.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 20.0
MB = 1_000_000


def run() -> list[dict]:
    zips = sorted((REPO_ROOT / "build").glob("*/deployment.zip"))
    if not zips:
        return [
            {
                "figure": "package: build/<stage>/deployment.zip",
                "value": "not built: run `make package` first",
                "target": f"≤ {TARGET_MB:.0f} MB zipped",
                "ok": None,
            }
        ]
    rows = []
    for path in zips:
        zipped = path.stat().st_size
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
        stage = path.parent.name
        rows.append(
            {
                "figure": f"package ({stage}): deployment.zip zipped / unzipped",
                "value": f"{zipped / MB:.1f} MB / {unzipped / MB:.1f} MB",
                "target": f"≤ {TARGET_MB:.0f} MB zipped",
                "ok": zipped <= TARGET_MB * MB,
            }
        )
    return rows


def main() -> None:
    for row in run():
        print(row)


if __name__ == "__main__":
    main()
