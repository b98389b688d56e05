"""How long the portal waits for each AWS service: declared once, here.

The contract answers a hanging dependency with ``503 unavailable`` within
``ANSWER_DEADLINE_SECONDS`` (API Gateway itself gives up at 29 s with a gateway
timeout, which is not the contract). A request makes its dependency calls one
after the other and the first failure ends it, so every single call must fail
well inside that deadline, retries and backoff included: ``worst_case_seconds``
is checked against it by tests/unit/test_budget.py.

The defaults we replace: botocore waits 60 s to read, pynamodb 30 s, each with
retries (a hanging DynamoDB was answered after 123 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ANSWER_DEADLINE_SECONDS = 10.0
# botocore's "standard" retry mode sleeps at most 1 s before the first retry
# (random() * 2 ** 0); we never allow more than one retry.
RETRY_BACKOFF_SECONDS = 1.0


@dataclass(frozen=True)
class Budget:
    connect_seconds: float
    read_seconds: float  # per socket read, not for the whole body
    attempts: int  # first try included
    # S3 uploads ask for "100 Continue" and botocore waits up to 1 s for it
    # before sending the body anyway.
    continue_wait_seconds: float = 0.0

    def worst_case_seconds(self) -> float:
        per_attempt = self.connect_seconds + self.continue_wait_seconds + self.read_seconds
        return self.attempts * per_attempt + (self.attempts - 1) * RETRY_BACKOFF_SECONDS


# Why each figure: DynamoDB and S3 answer in milliseconds and their calls are
# idempotent or conditional, so one retry is safe. SES, SNS and EventBridge
# send something: a retry after a read timeout may send twice, so the caller's
# own retry (the client or the queue) decides instead.
BUDGETS: dict[str, Budget] = {
    "dynamodb": Budget(connect_seconds=0.5, read_seconds=1.5, attempts=2),
    "s3": Budget(connect_seconds=0.5, read_seconds=1.5, attempts=2, continue_wait_seconds=1.0),
    "sesv2": Budget(connect_seconds=0.5, read_seconds=3.0, attempts=1),
    "sns": Budget(connect_seconds=0.5, read_seconds=3.0, attempts=1),
    "sqs": Budget(connect_seconds=0.5, read_seconds=1.5, attempts=2),
    "ssm": Budget(connect_seconds=0.5, read_seconds=1.5, attempts=2),
    "secretsmanager": Budget(connect_seconds=0.5, read_seconds=1.5, attempts=2),
    "events": Budget(connect_seconds=0.5, read_seconds=3.0, attempts=1),
}
DEFAULT_BUDGET = Budget(connect_seconds=0.5, read_seconds=3.0, attempts=1)


def budget(service: str) -> Budget:
    return BUDGETS.get(service, DEFAULT_BUDGET)


def botocore_config(service: str, **extra: Any) -> Any:
    """The botocore ``Config`` of a client of ``service`` (``extra``: e.g. S3 addressing)."""
    from botocore.config import Config

    limits = budget(service)
    return Config(
        connect_timeout=limits.connect_seconds,
        read_timeout=limits.read_seconds,
        retries={"total_max_attempts": limits.attempts, "mode": "standard"},
        **extra,
    )


def apply_to_pynamodb() -> None:
    """Make every pynamodb model (defined after this call) use DynamoDB's budget.

    pynamodb copies these settings into each model's ``Meta`` when the class is
    created (a model's own ``Meta`` may still override them); they are its
    documented global settings (``pynamodb.settings``), set here rather than
    from a ``PYNAMODB_CONFIG`` file so tests and Lambda read the same figures.
    """
    from pynamodb import settings as pynamodb_settings

    limits = budget("dynamodb")
    values: dict[str, Any] = {  # pynamodb's annotation omits float; it takes seconds as float
        "connect_timeout_seconds": limits.connect_seconds,
        "read_timeout_seconds": limits.read_seconds,
        # pynamodb counts retries, botocore attempts.
        "max_retry_attempts": limits.attempts - 1,
    }
    pynamodb_settings.default_settings_dict.update(values)
