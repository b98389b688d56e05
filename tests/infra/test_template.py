"""infra/resources.json: valid, creatable in moto's CloudFormation, same tables as the models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import moto
import pytest
from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

import chalicelib.store as store_package
from chalicelib.adapters import aws
from chalicelib.adapters.parameters import secure_string
from chalicelib.config import settings
from infra.package import RESOURCE_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "resources.json"
CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def models() -> dict[str, type[Model]]:
    """Entity ("sessions") -> pynamodb model, for every model in chalicelib/store."""
    import importlib
    import pkgutil

    found: dict[str, type[Model]] = {}
    for info in pkgutil.iter_modules(store_package.__path__):
        module = importlib.import_module(f"chalicelib.store.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Model) and value is not Model:
                # (the shared base, store.base.PortalModel, has no Meta: no table)
                table = getattr(getattr(value, "Meta", None), "table_name", None)
                if table:
                    found[table.removeprefix(settings().table_prefix)] = value
    return found


def template() -> dict[str, Any]:
    return json.loads(TEMPLATE.read_text(encoding="utf-8"))


def keys(key_schema: list[dict[str, str]]) -> dict[str, str]:
    return {item["KeyType"]: item["AttributeName"] for item in key_schema}


def test_cfn_lint_passes_on_the_resources_template() -> None:
    result = subprocess.run([str(CFN_LINT), str(TEMPLATE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_model_has_a_table_and_every_table_a_model() -> None:
    declared = {
        props["TableName"]["Fn::Sub"].removeprefix("portal-${Stage}-")
        for props in (r["Properties"] for r in template()["Resources"].values())
        if "TableName" in props
    }
    assert declared == set(models())


def test_ttl_in_the_template_matches_the_models_ttl_attribute() -> None:
    by_entity = {
        r["Properties"]["TableName"]["Fn::Sub"].removeprefix("portal-${Stage}-"): r["Properties"]
        for r in template()["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::Table"
    }
    for entity, model in models().items():
        ttl = [name for name, a in model.get_attributes().items() if isinstance(a, TTLAttribute)]
        spec = by_entity[entity].get("TimeToLiveSpecification")
        if ttl:
            assert spec == {"AttributeName": ttl[0], "Enabled": True}, entity
        else:
            assert spec is None, entity


def test_stateful_resources_are_protected() -> None:
    resources = template()["Resources"]
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::DynamoDB::Table":
            props = resource["Properties"]
            assert resource["DeletionPolicy"] == "Retain", logical_id
            assert props["BillingMode"] == "PAY_PER_REQUEST", logical_id
            assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
            assert props["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}
    bucket = resources["PhotoBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert bucket["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"] == [
        {"Ref": "PortalOrigin"}
    ]
    assert resources["BookingEventsQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"] >= 1
    assert "GenerateSecretString" in resources["CodeSecret"]["Properties"]


@pytest.fixture
def stack() -> Any:
    """The resources template created by moto's CloudFormation (Stage=dev)."""
    settings.cache_clear()
    with moto.mock_aws():
        aws.reset()
        cfn = boto3.client("cloudformation", region_name=settings().region)
        cfn.create_stack(
            StackName="portal-dev",
            TemplateBody=TEMPLATE.read_text(encoding="utf-8"),
            Parameters=[
                {"ParameterKey": "Stage", "ParameterValue": "dev"},
                {"ParameterKey": "PortalOrigin", "ParameterValue": "https://portail.example.com"},
            ],
        )
        stack = cfn.describe_stacks(StackName="portal-dev")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack
        yield stack
    aws.reset()


def test_the_stack_creates_the_tables_the_models_describe(stack: Any) -> None:
    dynamodb = boto3.client("dynamodb", region_name=settings().region)
    for entity, model in models().items():
        table = dynamodb.describe_table(TableName=f"portal-dev-{entity}")["Table"]
        schema = model._get_schema()
        assert keys(table["KeySchema"]) == keys(schema["key_schema"]), entity
        created = {
            index["IndexName"]: keys(index["KeySchema"])
            for index in table.get("GlobalSecondaryIndexes", [])
        }
        expected = {
            index["index_name"]: keys(index["key_schema"])
            for index in schema["global_secondary_indexes"]
        }
        assert created == expected, entity
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST", entity


def test_the_stack_creates_bucket_and_queues_and_outputs_them(stack: Any) -> None:
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stack["Outputs"]}
    assert outputs["PhotoBucketName"] == "portal-dev-photos-123456789012"
    assert outputs["TablePrefix"] == "portal-dev-"
    s3 = boto3.client("s3", region_name=settings().region)
    assert s3.head_bucket(Bucket=outputs["PhotoBucketName"])
    sqs = boto3.client("sqs", region_name=settings().region)
    attributes = sqs.get_queue_attributes(
        QueueUrl=outputs["BookingEventsQueueUrl"], AttributeNames=["RedrivePolicy"]
    )["Attributes"]
    assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"].endswith(
        ":portal-dev-booking-events-dlq"
    )


def test_the_code_reads_the_generated_secret_at_its_ssm_path() -> None:
    """CloudFormation makes a Secrets Manager secret; the code reads it at the path
    PORTAL_CODE_SECRET_PARAMETER gets in the package: that path must work."""
    settings.cache_clear()
    with moto.mock_aws():
        aws.reset()
        secrets = boto3.client("secretsmanager", region_name=settings().region)
        secrets.create_secret(Name="portal-dev-code-secret", SecretString="k" * 64)
        path = RESOURCE_ENVIRONMENT["PORTAL_CODE_SECRET_PARAMETER"]["Fn::Sub"]
        assert secure_string(path.replace("${Stage}", "dev")) == "k" * 64
    aws.reset()
