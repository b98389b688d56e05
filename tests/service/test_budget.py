"""The declared timeout budget fits the contract's answer deadline."""

from __future__ import annotations

import pytest

from chalicelib.adapters import aws, budget, objects
from chalicelib.store import ALL_MODELS

# A single call that hangs must leave the request time to answer (Lambda's own
# start and the rest of the request): three quarters of the deadline at most.
SINGLE_CALL_SHARE = 0.75


@pytest.mark.parametrize("service", [*budget.BUDGETS, "unlisted"])
def test_every_service_gives_up_well_inside_the_answer_deadline(service: str) -> None:
    worst = budget.budget(service).worst_case_seconds()
    assert worst <= budget.ANSWER_DEADLINE_SECONDS * SINGLE_CALL_SHARE, (service, worst)


def test_every_model_uses_the_dynamodb_budget() -> None:
    limits = budget.budget("dynamodb")
    for model in ALL_MODELS:
        assert model.Meta.connect_timeout_seconds == limits.connect_seconds, model
        assert model.Meta.read_timeout_seconds == limits.read_seconds, model
        assert model.Meta.max_retry_attempts == limits.attempts - 1, model


def test_clients_use_their_service_budget(aws_env: None) -> None:
    for service, client in (("sesv2", aws.client("sesv2")), ("s3", objects._s3())):
        config = client.meta.config
        limits = budget.budget(service)
        assert config.read_timeout == limits.read_seconds
        assert config.connect_timeout == limits.connect_seconds
        assert config.retries["total_max_attempts"] == limits.attempts
