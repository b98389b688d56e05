"""Create the project's AWS resources from ``infra/resources.json`` (local stack, tests).

The CloudFormation template is the one declaration of the tables; this reads
it and creates the same tables, bucket and queues through the API (moto's
CloudFormation ignores TTL, and direct calls are faster for tests). Names come
from ``chalicelib.config`` so they match what the code uses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3

from chalicelib.config import settings

TEMPLATE = Path(__file__).with_name("resources.json")


def template() -> dict[str, Any]:
    return json.loads(TEMPLATE.read_text(encoding="utf-8"))


def table_entity(properties: dict[str, Any]) -> str:
    """``portal-${Stage}-accounts`` -> ``accounts``."""
    return properties["TableName"]["Fn::Sub"].removeprefix("portal-${Stage}-")


def table_definitions() -> dict[str, dict[str, Any]]:
    """Entity name -> the table's Properties, as declared in the template."""
    return {
        table_entity(res["Properties"]): res["Properties"]
        for res in template()["Resources"].values()
        if res["Type"] == "AWS::DynamoDB::Table"
    }


def create_tables(dynamodb: Any) -> None:
    for entity, props in table_definitions().items():
        name = settings().table_name(entity)
        args: dict[str, Any] = {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
        }
        if props.get("GlobalSecondaryIndexes"):
            args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if props.get("StreamSpecification"):
            args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        dynamodb.create_table(**args)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)


def create_bucket(s3: Any, origin: str) -> None:
    props = template()["Resources"]["PhotoBucket"]["Properties"]
    bucket = settings().bucket
    region = settings().region
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
    )
    rules = []
    for rule in props["LifecycleConfiguration"]["Rules"]:
        item: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"]}
        item["Filter"] = {"Prefix": rule.get("Prefix", "")}
        if "ExpirationInDays" in rule:
            item["Expiration"] = {"Days": rule["ExpirationInDays"]}
        if "AbortIncompleteMultipartUpload" in rule:
            days = rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
            item["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
        rules.append(item)
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    cors = props["CorsConfiguration"]["CorsRules"][0]
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [origin],
                    "AllowedMethods": cors["AllowedMethods"],
                    "AllowedHeaders": cors["AllowedHeaders"],
                    "MaxAgeSeconds": cors["MaxAge"],
                }
            ]
        },
    )


def _queue_arn(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def _create_queue_with_dlq(sqs: Any, resource_id: str, name: str) -> str:
    """A queue and its ``-dlq``, with the visibility and redrive the template declares."""
    props = template()["Resources"][resource_id]["Properties"]
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    redrive = {
        "deadLetterTargetArn": _queue_arn(sqs, dlq_url),
        "maxReceiveCount": props["RedrivePolicy"]["maxReceiveCount"],
    }
    return sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(props["VisibilityTimeout"]),
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]


def create_queues(sqs: Any) -> str:
    """The booking events queue and its dead-letter queue."""
    return _create_queue_with_dlq(sqs, "BookingEventsQueue", settings().booking_queue)


def events_tap_queue() -> str:
    """The local-only SQS queue every portal event on the bus is copied to (the outbox's view)."""
    return f"{settings().events_bus}-tap"


def create_event_bus(events: Any, sqs: Any) -> None:
    """The portal-events bus, plus locally a rule copying its events to a tap queue."""
    from chalicelib.adapters.event_bus import SOURCE

    bus = settings().events_bus
    events.create_event_bus(Name=bus)
    tap_arn = _queue_arn(sqs, sqs.create_queue(QueueName=events_tap_queue())["QueueUrl"])
    events.put_rule(
        Name="local-tap", EventBusName=bus, EventPattern=json.dumps({"source": [SOURCE]})
    )
    events.put_targets(
        Rule="local-tap", EventBusName=bus, Targets=[{"Id": "local-tap", "Arn": tap_arn}]
    )


def create_mail_queue(sqs: Any) -> str:
    """The outbound mail queue and its dead-letter queue."""
    return _create_queue_with_dlq(sqs, "OutboundMailQueue", settings().mail_queue)


def provision(origin: str = "http://127.0.0.1:8000") -> None:
    """Create everything the code expects, in the account boto3 points at (moto)."""
    region = settings().region
    create_tables(boto3.client("dynamodb", region_name=region))
    create_bucket(boto3.client("s3", region_name=region), origin)
    create_queues(boto3.client("sqs", region_name=region))
    create_event_bus(
        boto3.client("events", region_name=region), boto3.client("sqs", region_name=region)
    )
    create_mail_queue(boto3.client("sqs", region_name=region))
    boto3.client("ses", region_name=region).verify_email_identity(
        EmailAddress=settings().sender_email
    )
