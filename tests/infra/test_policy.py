"""The hand-written IAM policies (.chalice/policy-<stage>.json) and the stage config."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.package import STAGES, pinned_policy

ROOT = Path(__file__).resolve().parents[2]
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
# Services whose resources we own: a wildcard is allowed only in the region/account
# positions (pinned at package time) and after the stage's own name prefix.
OWNED = {
    "dynamodb": r"arn:aws:dynamodb:\*:\*:table/portal-{stage}-\*(/index/\*)?",
    "s3": r"arn:aws:s3:::portal-{stage}-photos-\*(/(uploads|photos)/\*)?",
    "sqs": r"arn:aws:sqs:\*:\*:portal-{stage}-(booking-events|outbound-mail)",
}
LOCAL_ONLY = ("PORTAL_CODE_SECRET", "PORTAL_DEV_ROUTES", "AWS_ENDPOINT_URL")


def policy(stage: str) -> dict[str, Any]:
    name = CONFIG["stages"][stage]["iam_policy_file"]
    return json.loads((ROOT / ".chalice" / name).read_text(encoding="utf-8"))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(stage: str) -> list[dict[str, Any]]:
    return policy(stage)["Statement"]


def app_function_names() -> set[str]:
    from app import app

    return {"api_handler"} | {source.name for source in app.event_sources}


@pytest.mark.parametrize("stage", STAGES)
def test_stage_uses_its_own_policy_file_and_no_generated_policy(stage: str) -> None:
    config = CONFIG["stages"][stage]
    assert config["autogen_policy"] is False
    assert config["iam_policy_file"] == f"policy-{stage}.json"
    assert policy(stage)["Version"] == "2012-10-17"


@pytest.mark.parametrize("stage", STAGES)
def test_owned_resources_are_named_never_wildcarded(stage: str) -> None:
    for statement in statements(stage):
        services = {action.split(":")[0] for action in as_list(statement["Action"])}
        for service in services & set(OWNED):
            pattern = OWNED[service].format(stage=stage)
            for resource in as_list(statement["Resource"]):
                assert re.fullmatch(pattern, resource), (statement["Sid"], resource)


@pytest.mark.parametrize("stage", STAGES)
def test_only_sms_publishing_has_a_star_resource(stage: str) -> None:
    starred = [s for s in statements(stage) if "*" in as_list(s["Resource"])]
    assert [s["Action"] for s in starred] == ["sns:Publish"]
    assert all(
        s["Effect"] == "Allow" and "*" not in as_list(s["Action"]) for s in statements(stage)
    )


@pytest.mark.parametrize("stage", STAGES)
def test_email_only_from_the_stage_sender(stage: str) -> None:
    sender = CONFIG["stages"][stage]["environment_variables"]["PORTAL_SENDER_EMAIL"]
    (email,) = [s for s in statements(stage) if "ses:SendEmail" in as_list(s["Action"])]
    assert email["Condition"] == {"StringEquals": {"ses:FromAddress": sender}}
    assert all(r.startswith("arn:aws:ses:*:*:identity/") for r in email["Resource"])


@pytest.mark.parametrize("stage", STAGES)
def test_only_the_stage_code_secret_is_readable(stage: str) -> None:
    readers = [
        s
        for s in statements(stage)
        if {"ssm:GetParameter", "secretsmanager:GetSecretValue"} & set(as_list(s["Action"]))
    ]
    resources = [r for s in readers for r in as_list(s["Resource"])]
    assert resources == [
        f"arn:aws:ssm:*:*:parameter/aws/reference/secretsmanager/portal-{stage}-code-secret",
        f"arn:aws:secretsmanager:*:*:secret:portal-{stage}-code-secret-??????",
    ]


@pytest.mark.parametrize("stage", STAGES)
def test_packaged_policy_is_pinned_to_account_region_and_bucket(stage: str) -> None:
    text = json.dumps(pinned_policy(policy(stage), stage))
    assert ":*:*:" not in text
    assert f"portal-{stage}-photos-*" not in text
    assert "${PhotoBucket}/uploads/*" in text
    assert "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/" in text


@pytest.mark.parametrize("stage", STAGES)
def test_stage_config_sizes_every_function_and_sets_no_local_only_variable(stage: str) -> None:
    config = CONFIG["stages"][stage]
    assert set(config["lambda_functions"]) == app_function_names()
    assert config["lambda_functions"]["cleanup"]["lambda_timeout"] == 900
    assert not set(LOCAL_ONLY) & set(config["environment_variables"])
    assert config["environment_variables"]["PORTAL_STAGE"] == stage
