"""docs/privacy.md lists every table and every S3 prefix that holds data, and the
account deletion covers every prefix the code writes."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.services.account_deletion import OBJECT_PREFIXES
from infra.provision import table_definitions

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "privacy.md").read_text(encoding="utf-8")
# A key the code builds: "<prefix>/{account_id}/..." in an f-string or a template.
_KEY = re.compile(r"""["'](\w[\w-]*)/\{account_id\}/""")


def _table_rows() -> set[str]:
    return set(re.findall(r"^\| `([\w-]+)` \|", DOC, flags=re.MULTILINE))


def prefixes_in_code() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "chalicelib").rglob("*.py"):
        found |= set(_KEY.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_table_has_a_row() -> None:
    missing = set(table_definitions()) - _table_rows()
    assert not missing, f"tables missing from docs/privacy.md: {sorted(missing)}"


def test_every_s3_prefix_has_a_row() -> None:
    prefixes = prefixes_in_code()
    assert {"photos", "uploads"} <= prefixes  # the scan itself works
    missing = {p for p in prefixes if f"| `{p}/<account_id>/` |" not in DOC}
    assert not missing, f"S3 prefixes missing from docs/privacy.md: {sorted(missing)}"


def test_account_deletion_covers_every_prefix() -> None:
    deleted = {prefix.split("/")[0] for prefix in OBJECT_PREFIXES}
    assert prefixes_in_code() == deleted
