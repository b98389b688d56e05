"""The IAM table (infra/iam.py): one least-privilege policy per function and stage."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra import iam
from infra.package import PHOTO_BUCKET_NAME, STAGES, pinned_policy

ROOT = Path(__file__).resolve().parents[2]
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
# Services whose resources we own: a wildcard is allowed only in the region/account
# positions (pinned at package time) and after the stage's own name prefix.
OWNED = {
    "dynamodb": r"arn:aws:dynamodb:\*:\*:table/portal-{stage}-[a-z-]+(/index/\*|/stream/\*)?",
    "s3": r"arn:aws:s3:::portal-{stage}-photos-\*(/(uploads|photos)/\*)?",
    "sqs": (
        r"arn:aws:sqs:\*:\*:portal-{stage}-"
        r"(booking-events|scheduled-jobs-failed|portal-events-dlq|outbound-mail)"
    ),
    "logs": r"arn:aws:logs:\*:\*:log-group:/aws/lambda/client-portal-{stage}-[a-z_]+:\*",
}
# Actions IAM gives no resource type: Lambda's stream source needs them on "*".
UNSCOPED = {"dynamodb:ListStreams"}
LOCAL_ONLY = ("PORTAL_CODE_SECRET", "AWS_ENDPOINT_URL")
CASES = [(stage, function) for stage in STAGES for function in iam.FUNCTIONS]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(stage: str, function: str) -> list[dict[str, Any]]:
    return iam.policy(stage, function)["Statement"]


def actions(stage: str, function: str) -> set[str]:
    return {
        action
        for s in statements(stage, function)
        if s["Effect"] == "Allow"
        for action in as_list(s["Action"])
    }


def app_function_names() -> set[str]:
    from app import app

    return {"api_handler"} | {source.name for source in app.event_sources}


@pytest.mark.parametrize("stage", STAGES)
def test_stage_generates_no_policy(stage: str) -> None:
    assert CONFIG["stages"][stage]["autogen_policy"] is False


@pytest.mark.parametrize(("stage", "function"), CASES)
def test_owned_resources_are_named_never_wildcarded(stage: str, function: str) -> None:
    for statement in statements(stage, function):
        if set(as_list(statement["Action"])) <= UNSCOPED:
            continue
        services = {action.split(":")[0] for action in as_list(statement["Action"])}
        for service in services & set(OWNED):
            pattern = OWNED[service].format(stage=stage)
            for resource in as_list(statement["Resource"]):
                assert re.fullmatch(pattern, resource), (statement["Sid"], resource)


@pytest.mark.parametrize(("stage", "function"), CASES)
def test_logs_only_to_the_function_own_group(stage: str, function: str) -> None:
    (logs,) = [s for s in statements(stage, function) if s["Sid"] == "Logs"]
    name = iam.function_name(stage, function)
    assert logs["Resource"] == f"arn:aws:logs:*:*:log-group:/aws/lambda/{name}:*"
    assert "/aws/lambda/*" not in json.dumps(iam.policy(stage, function))


@pytest.mark.parametrize(("stage", "function"), CASES)
def test_only_sms_has_a_star_resource_and_it_can_never_reach_a_topic(
    stage: str, function: str
) -> None:
    found = statements(stage, function)
    # dynamodb:ListStreams has no resource type: Lambda's stream source needs it on "*".
    starred = [
        s for s in found if "*" in as_list(s["Resource"]) and s["Action"] != "dynamodb:ListStreams"
    ]
    assert all(s["Action"] == "sns:Publish" and s["Effect"] == "Allow" for s in starred)
    if starred:
        denies = [s for s in found if s["Effect"] == "Deny"]
        assert denies == [
            {
                "Sid": "SmsNeverTopics",
                "Effect": "Deny",
                "Action": "sns:Publish",
                "Resource": "arn:*:sns:*:*:*",
            }
        ]
    assert all("*" not in as_list(s["Action"]) for s in found)


@pytest.mark.parametrize("stage", STAGES)
def test_email_only_from_the_stage_sender(stage: str) -> None:
    sender = CONFIG["stages"][stage]["environment_variables"]["PORTAL_SENDER_EMAIL"]
    senders = [f for f in iam.FUNCTIONS if "ses:SendEmail" in actions(stage, f)]
    assert senders == ["mail_sender"]  # every email goes through the outbound queue
    (email,) = [s for s in statements(stage, "mail_sender") if s["Sid"] == "Email"]
    assert email["Condition"] == {"StringEquals": {"ses:FromAddress": sender}}
    assert email["Resource"][-1] == f"arn:aws:ses:*:*:configuration-set/portal-{stage}"
    assert all(r.startswith("arn:aws:ses:*:*:identity/") for r in email["Resource"][:-1])


@pytest.mark.parametrize("stage", STAGES)
def test_each_function_only_what_it_is_for(stage: str) -> None:
    booking = actions(stage, "booking_events")
    assert not {a for a in booking if a.split(":")[0] in ("ses", "sns", "ssm", "secretsmanager")}
    # The API only records mail on the outbound queue; it consumes no queue.
    api_sqs = [s for s in statements(stage, "api_handler") if "sqs:" in json.dumps(s["Action"])]
    assert [(sorted(as_list(s["Action"])), s["Resource"]) for s in api_sqs] == [
        (
            ["sqs:GetQueueUrl", "sqs:SendMessage"],
            f"arn:aws:sqs:*:*:portal-{stage}-outbound-mail",
        )
    ]
    assert not {a for a in actions(stage, "cleanup") if a.split(":")[0] in ("ses", "sns")}
    assert not {a for a in actions(stage, "send_reminders") if a.startswith("ses:")}
    readers = [f for f in iam.FUNCTIONS if "secretsmanager:GetSecretValue" in actions(stage, f)]
    assert readers == ["api_handler", "mail_sender"]
    assert not [f for f in iam.FUNCTIONS if "ssm:GetParameter" in actions(stage, f)]


@pytest.mark.parametrize("stage", STAGES)
def test_only_the_stage_code_secret_is_readable(stage: str) -> None:
    readers = [
        s
        for s in statements(stage, "api_handler")
        if {"ssm:GetParameter", "secretsmanager:GetSecretValue"} & set(as_list(s["Action"]))
    ]
    resources = [r for s in readers for r in as_list(s["Resource"])]
    assert resources == [f"arn:aws:secretsmanager:*:*:secret:portal-{stage}-code-secret-??????"]


@pytest.mark.parametrize(("stage", "function"), CASES)
def test_packaged_policy_is_pinned_to_account_region_and_bucket(stage: str, function: str) -> None:
    text = json.dumps(pinned_policy(iam.policy(stage, function), stage))
    # The one unpinned ARN is the SMS Deny: it must cover every topic anywhere.
    assert ":*:*:" not in text.replace('"arn:*:sns:*:*:*"', "")
    assert f"portal-{stage}-photos-*" not in text
    if '"s3:' in text:
        assert f"{PHOTO_BUCKET_NAME}/uploads/*" in text  # a name, not a Ref (no cycle)
    assert "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/" in text


@pytest.mark.parametrize("stage", STAGES)
def test_stage_config_sizes_every_function_and_sets_no_local_only_variable(stage: str) -> None:
    config = CONFIG["stages"][stage]
    assert set(config["lambda_functions"]) == app_function_names() == set(iam.FUNCTIONS)
    assert config["lambda_functions"]["cleanup"]["lambda_timeout"] == 900
    # The API answers within the contract's 10 s (adapters/budget.py), so a little above.
    assert config["lambda_functions"]["api_handler"]["lambda_timeout"] == 15
    assert not set(LOCAL_ONLY) & set(config["environment_variables"])
    assert config["environment_variables"]["PORTAL_STAGE"] == stage


@pytest.mark.parametrize("stage", STAGES)
def test_only_the_publisher_puts_events_and_it_touches_no_data(stage: str) -> None:
    putters = [f for f in iam.FUNCTIONS if "events:PutEvents" in actions(stage, f)]
    assert putters == ["publish_events"]
    granted = {
        action: as_list(s["Resource"])
        for s in statements(stage, "publish_events")
        for action in as_list(s["Action"])
    }
    assert granted["events:PutEvents"] == [f"arn:aws:events:*:*:event-bus/portal-{stage}-events"]
    assert granted["sqs:SendMessage"] == [f"arn:aws:sqs:*:*:portal-{stage}-portal-events-dlq"]
    assert granted["dynamodb:GetRecords"] == [
        f"arn:aws:dynamodb:*:*:table/portal-{stage}-outbox/stream/*"
    ]
    assert not [
        a for a in granted if a.startswith(("dynamodb:Put", "dynamodb:Update", "ses:", "s3:"))
    ]
