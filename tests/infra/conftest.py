"""One ``make package STAGE=prod`` build per test session, shared by the infra tests."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.package import Package, build


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return build("prod", tmp_path_factory.mktemp("package") / "prod")


@pytest.fixture(scope="session")
def template(package: Package) -> dict[str, Any]:
    return json.loads(package.template.read_text(encoding="utf-8"))
