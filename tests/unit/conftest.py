"""Unit tests run without AWS, not even moto: a test that needs it belongs in
tests/service/ (services and adapters on moto) or tests/api/ (routes on moto)."""

from __future__ import annotations

import pytest


@pytest.fixture
def aws_env() -> None:
    pytest.fail("unit tests run without AWS: move this test to tests/service/ or tests/api/")
