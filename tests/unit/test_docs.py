"""The repository stands alone: its docs are in step with the app and link only inside it.

- docs/api.md names every route of ``/openapi.json``, and no route the app lacks;
- every relative link in README.md and docs/*.md reaches a file (and a heading of
  it, for ``#anchor`` links);
- no file points to the contract or design notes outside the repository.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
API_DOC = ROOT / "docs" / "api.md"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

ROUTE = re.compile(r"`(GET|PUT|POST|DELETE|PATCH) (/[^`?\s]*)")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _openapi_routes() -> set[tuple[str, str]]:
    from app import app
    from chalicelib.api.openapi import build

    return {
        (method.upper(), path)
        for path, operations in build(app)["paths"].items()
        for method in operations
    }


def _documented_routes() -> set[tuple[str, str]]:
    return {
        (method, path)
        for method, path in ROUTE.findall(API_DOC.read_text(encoding="utf-8"))
        if not path.startswith("/_dev/")  # the local stack's, never in a package
    }


def test_every_openapi_route_is_in_the_api_reference():
    assert sorted(_openapi_routes() - _documented_routes()) == []


def test_the_api_reference_names_no_route_the_app_lacks():
    assert sorted(_documented_routes() - _openapi_routes()) == []


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return {_slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def test_relative_links_in_the_docs_resolve():
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):  # http(s):, mailto: ...
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == []


def test_no_file_points_outside_the_repository():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    outside = re.compile(r"\.\./shared|\bAPI\.md|\bDESIGN\.md")
    found = []
    for name in tracked:
        path = ROOT / name
        if path.suffix not in (".py", ".md", ".js", ".html", ".css", ".json", ".sh", ".toml"):
            continue
        if not path.exists() or path == Path(__file__):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if outside.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []


def test_the_readme_stays_an_overview():
    """What it is, the commands, the walk-through, configuration, links; details in docs/."""
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 250
