"""Record the AWS calls the code makes, as the IAM (action, target) pairs they need.

Patched at botocore's boundary (``BaseClient._make_api_call``), so boto3's and
pynamodb's calls alike are seen, plus presigning (no call, but the URL or form
is only honoured if the signer's role may do the operation). Only calls made
inside ``as_function(name)`` are recorded, attributed to that function.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from botocore.client import BaseClient

from chalicelib.config import settings

_DYNAMODB_TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def _table(name: str) -> str:
    return name.removeprefix(settings().table_prefix)


def _s3_target(key: str) -> str:
    return key.split("/", 1)[0] + "/"


def needs(service: str, operation: str, params: dict[str, Any]) -> set[tuple[str, str]]:
    """What IAM must allow for one call; an unknown call fails the test (add it here)."""
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            return {
                (f"dynamodb:{_DYNAMODB_TRANSACT[kind]}", _table(body["TableName"]))
                for item in params["TransactItems"]
                for kind, body in item.items()
            }
        if operation == "TransactGetItems":
            return {
                ("dynamodb:GetItem", _table(item["Get"]["TableName"]))
                for item in params["TransactItems"]
            }
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return {(f"dynamodb:{operation}", _table(name)) for name in params["RequestItems"]}
        return {(f"dynamodb:{operation}", _table(params["TableName"]))}
    if service == "s3":
        if operation in ("HeadObject", "GetObject"):
            # A read of a possibly missing key: 404 needs ListBucket (else 403).
            return {("s3:GetObject", _s3_target(params["Key"])), ("s3:ListBucket", "bucket")}
        if operation in ("PutObject", "DeleteObject"):
            return {(f"s3:{operation}", _s3_target(params["Key"]))}
        if operation == "ListObjectsV2":
            return {("s3:ListBucket", "bucket")}
        if operation == "DeleteObjects":  # authorised as DeleteObject on each key
            return {("s3:DeleteObject", _s3_target(o["Key"])) for o in params["Delete"]["Objects"]}
    if service == "sesv2" and operation == "SendEmail":
        return {("ses:SendEmail", "sender")}
    if service == "sns" and operation == "Publish":
        return {("sns:Publish", "phone" if "PhoneNumber" in params else params["TopicArn"])}
    if service == "ssm" and operation == "GetParameter":
        if params["Name"].startswith("/aws/reference/secretsmanager/"):
            return {
                ("ssm:GetParameter", "code-secret"),
                ("secretsmanager:GetSecretValue", "code-secret"),
            }
        return {("ssm:GetParameter", params["Name"])}
    if service == "secretsmanager" and operation == "GetSecretValue":
        name = params["SecretId"]
        return {("secretsmanager:GetSecretValue", "code-secret" if "code-secret" in name else name)}
    if service == "sqs" and operation == "GetQueueUrl":
        return {("sqs:GetQueueUrl", _table(params["QueueName"]))}
    if service == "sqs" and operation == "SendMessage":
        return {("sqs:SendMessage", _table(params["QueueUrl"].rsplit("/", 1)[-1]))}
    if service == "events" and operation == "PutEvents":
        return {("events:PutEvents", "bus")}
    raise AssertionError(f"tests/support/aws_calls.py does not know {service}.{operation}")


class Recorder:
    def __init__(self) -> None:
        self.calls: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.function: str | None = None

    @contextlib.contextmanager
    def as_function(self, name: str | None) -> Iterator[None]:
        """Attribute the calls within to ``name`` (None: to nobody, e.g. an event source's)."""
        previous = self.function
        self.function = name
        try:
            yield
        finally:
            self.function = previous

    def record(self, service: str, operation: str, params: dict[str, Any]) -> None:
        if self.function is not None:
            self.calls[self.function] |= needs(service, operation, params)


@contextlib.contextmanager
def recording(monkeypatch: Any) -> Iterator[Recorder]:
    """Record within; S3 clients made before are forgotten (presigning is bound at creation)."""
    from botocore import signers

    from chalicelib.adapters import aws, objects

    recorder = Recorder()
    original_call = BaseClient._make_api_call
    original_url = signers.generate_presigned_url
    original_post = signers.generate_presigned_post

    def make_api_call(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        recorder.record(self.meta.service_model.service_name, operation, params)
        return original_call(self, operation, params)

    def presigned_url(self: Any, ClientMethod: str, Params: Any = None, **kw: Any) -> Any:
        operation = self.meta.method_to_api_mapping[ClientMethod]
        recorder.record(self.meta.service_model.service_name, operation, Params or {})
        return original_url(self, ClientMethod, Params=Params, **kw)

    def presigned_post(self: Any, Bucket: str, Key: str, **kw: Any) -> Any:
        recorder.record("s3", "PutObject", {"Bucket": Bucket, "Key": Key})
        return original_post(self, Bucket, Key, **kw)

    monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)
    monkeypatch.setattr(signers, "generate_presigned_url", presigned_url)
    monkeypatch.setattr(signers, "generate_presigned_post", presigned_post)
    aws.reset()
    objects.reset()
    yield recorder
