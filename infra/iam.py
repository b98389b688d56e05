"""What each Lambda function may do: one table, function -> grants; one IAM role each.

The table is the single source: ``infra/package.py`` writes each function's
policy file for chalice (``lambda_functions.<name>.iam_policy_file``, one role
per function) and pins it to the stack's account, region and bucket;
tests/infra/test_iam.py runs every function on moto, records each AWS call
its code makes (botocore's and pynamodb's alike) and fails when a call is not
granted or a grant is never used.

Adding a function is one entry in ``FUNCTIONS``: its grants, built from the
kinds below (add a kind when a new service appears, with the calls it covers).
Resources are written for any region and account (``*:*``) and for the
stage's own names; packaging pins them.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

APP_NAME = "client-portal"
# What a grant covers, as the test records it: (IAM action, target). A target
# is a table ("accounts"), an object prefix ("photos/"), the bucket ("bucket"),
# a queue, "phone" (SMS), "sender" (SES) or "code-secret".
Use = tuple[str, str]


def function_name(stage: str, function: str) -> str:
    """The deployed Lambda function's name (set by packaging: the log grant needs it)."""
    return f"{APP_NAME}-{stage}-{function}"


@dataclass(frozen=True)
class Grant:
    """One kind of permission; ``statements`` renders it, ``uses`` is what it covers."""

    def statements(self, stage: str, function: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    def uses(self) -> set[Use]:
        raise NotImplementedError

    # Granted for Lambda itself (its logs, its event source), never called by our code.
    by_platform = False


@dataclass(frozen=True)
class Tables(Grant):
    """DynamoDB: table -> the operations on it (and on its indexes)."""

    access: dict[str, tuple[str, ...]]

    def statements(self, stage: str, function: str) -> list[dict[str, Any]]:
        by_actions: dict[tuple[str, ...], list[str]] = {}
        for table, actions in self.access.items():
            by_actions.setdefault(tuple(sorted(actions)), []).append(table)
        statements = []
        for actions, tables in by_actions.items():
            resources = []
            for table in tables:
                arn = f"arn:aws:dynamodb:*:*:table/portal-{stage}-{table}"
                resources += [arn, f"{arn}/index/*"] if "Query" in actions else [arn]
            statements.append(
                {
                    "Sid": "Tables",
                    "Effect": "Allow",
                    "Action": [f"dynamodb:{action}" for action in actions],
                    "Resource": resources,
                }
            )
        return statements

    def uses(self) -> set[Use]:
        return {(f"dynamodb:{a}", table) for table, actions in self.access.items() for a in actions}


@dataclass(frozen=True)
class Objects(Grant):
    """Photo-bucket objects under some prefixes (``uploads/``, ``photos/``)."""

    actions: tuple[str, ...]
    prefixes: tuple[str, ...]
    list_bucket: bool = False  # listing a prefix (an account's objects, when it is deleted)

    def statements(self, stage: str, function: str) -> list[dict[str, Any]]:
        bucket = f"arn:aws:s3:::portal-{stage}-photos-*"
        statements = [
            {
                "Sid": "PhotoObjects",
                "Effect": "Allow",
                "Action": sorted(f"s3:{action}" for action in self.actions),
                "Resource": [f"{bucket}/{prefix}*" for prefix in self.prefixes],
            }
        ]
        if "GetObject" in self.actions or self.list_bucket:
            # Without it S3 answers 403, not 404, for a missing object.
            statements.append(
                {
                    "Sid": "PhotoBucketList",
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": bucket,
                }
            )
        return statements

    def uses(self) -> set[Use]:
        found = {(f"s3:{a}", prefix) for a in self.actions for prefix in self.prefixes}
        if "GetObject" in self.actions or self.list_bucket:
            found.add(("s3:ListBucket", "bucket"))
        return found


@dataclass(frozen=True)
class Email(Grant):
    """SES from the stage's sender address only."""

    def statements(self, stage: str, function: str) -> list[dict[str, Any]]:
        sender = stage_sender(stage)
        domain = sender.split("@", 1)[1]
        return [
            {
                "Sid": "Email",
                "Effect": "Allow",
                "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                "Resource": [
                    f"arn:aws:ses:*:*:identity/{sender}",
                    f"arn:aws:ses:*:*:identity/{domain}",
                    f"arn:aws:ses:*:*:configuration-set/portal-{stage}",
                ],
                "Condition": {"StringEquals": {"ses:FromAddress": sender}},
            }
        ]

    def uses(self) -> set[Use]:
        # SES v2's SendEmail (raw content included) is authorised as ses:SendEmail;
        # SendRawEmail is granted for the same call under the v1 name.
        return {("ses:SendEmail", "sender")}


@dataclass(frozen=True)
class Sms(Grant):
    """SNS to phone numbers only.

    A phone number has no ARN, so the Allow needs ``*``; the Deny on every topic
    ARN keeps that ``*`` from reaching any topic.
    """

    def statements(self, stage: str, function: str) -> list[dict[str, Any]]:
        return [
            {"Sid": "Sms", "Effect": "Allow", "Action": "sns:Publish", "Resource": "*"},
            {
                "Sid": "SmsNeverTopics",
                "Effect": "Deny",
                "Action": "sns:Publish",
                "Resource": "arn:*:sns:*:*:*",  # any partition, region, account: never pinned
            },
        ]

    def uses(self) -> set[Use]:
        return {("sns:Publish", "phone")}


@dataclass(frozen=True)
class CodeSecret(Grant):
    """The code HMAC key: the Secrets Manager secret, read directly (adapters/parameters)."""

    def statements(self, stage: str, function: str) -> list[dict[str, Any]]:
        name = f"portal-{stage}-code-secret"
        return [
            {
                "Sid": "CodeSecret",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": f"arn:aws:secretsmanager:*:*:secret:{name}-??????",
            },
        ]

    def uses(self) -> set[Use]:
        return {("secretsmanager:GetSecretValue", "code-secret")}


@dataclass(frozen=True)
class OwnLogs(Grant):
    """Writing to the function's own log group (the stack creates the group)."""

    by_platform = True

    def statements(self, stage: str, function: str) -> list[dict[str, Any]]:
        group = f"/aws/lambda/{function_name(stage, function)}"
        return [
            {
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:*:*:log-group:{group}:*",
            }
        ]

    def uses(self) -> set[Use]:
        return set()


@dataclass(frozen=True)
class QueueSource(Grant):
    """What Lambda's event source mapping does on the function's queue."""

    queue: str
    by_platform = True

    def statements(self, stage: str, function: str) -> list[dict[str, Any]]:
        actions = [
            "sqs:ChangeMessageVisibility",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage",
        ]
        resource = f"arn:aws:sqs:*:*:portal-{stage}-{self.queue}"
        return [{"Sid": "EventSource", "Effect": "Allow", "Action": actions, "Resource": resource}]

    def uses(self) -> set[Use]:
        return set()


# DynamoDB writes inside a transaction are authorised per item (Put/Update/Delete).
API_TABLES: dict[str, tuple[str, ...]] = {
    "accounts": ("DeleteItem", "GetItem", "PutItem", "UpdateItem"),
    "outbox": ("PutItem",),  # portal events, in the transaction of their change
    "email-claims": ("DeleteItem", "GetItem", "PutItem", "UpdateItem"),  # + contact copy
    "codes": ("DeleteItem", "GetItem", "PutItem", "UpdateItem"),
    "rate-limits": ("DeleteItem", "GetItem", "PutItem"),
    "sessions": ("BatchWriteItem", "DeleteItem", "GetItem", "PutItem", "Query"),
    "object-leases": ("DeleteItem", "GetItem", "PutItem"),
    "client-records": ("Query",),
    "appointments": ("Query",),
    "professionals": ("BatchGetItem",),
    "bounced-addresses": ("DeleteItem",),  # an address verified again is mailed again
    # Privacy self-service (services/activity.py, account_deletion.py).
    "activity": ("BatchWriteItem", "PutItem", "Query"),
    "deletions": ("DeleteItem", "PutItem"),
}


@dataclass(frozen=True)
class FailureDestination(Grant):
    """Where Lambda puts a scheduled run that failed (its async failure destination)."""

    queue: str
    by_platform = True

    def statements(self, stage: str, function: str) -> list[dict[str, Any]]:
        resource = f"arn:aws:sqs:*:*:portal-{stage}-{self.queue}"
        return [
            {
                "Sid": "FailureDestination",
                "Effect": "Allow",
                "Action": "sqs:SendMessage",
                "Resource": resource,
            }
        ]

    def uses(self) -> set[Use]:
        return set()


@dataclass(frozen=True)
class StreamSource(Grant):
    """What Lambda's event source mapping does on a table's DynamoDB stream."""

    table: str
    by_platform = True

    def statements(self, stage: str, function: str) -> list[dict[str, Any]]:
        stream = f"arn:aws:dynamodb:*:*:table/portal-{stage}-{self.table}/stream/*"
        return [
            {
                "Sid": "StreamSource",
                "Effect": "Allow",
                "Action": [
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                ],
                "Resource": stream,
            },
            # Not resource-scoped: the event source mapping lists the account's streams.
            {
                "Sid": "ListStreams",
                "Effect": "Allow",
                "Action": "dynamodb:ListStreams",
                "Resource": "*",
            },
        ]

    def uses(self) -> set[Use]:
        return set()


@dataclass(frozen=True)
class EventBus(Grant):
    """Putting portal events on the stage's EventBridge bus."""

    def statements(self, stage: str, function: str) -> list[dict[str, Any]]:
        return [
            {
                "Sid": "PortalEventsBus",
                "Effect": "Allow",
                "Action": "events:PutEvents",
                "Resource": f"arn:aws:events:*:*:event-bus/portal-{stage}-events",
            }
        ]

    def uses(self) -> set[Use]:
        return {("events:PutEvents", "bus")}


@dataclass(frozen=True)
class QueueSend(Grant):
    """Putting messages on one of the stage's queues (found by name)."""

    queue: str

    def statements(self, stage: str, function: str) -> list[dict[str, Any]]:
        return [
            {
                "Sid": "QueueSend",
                "Effect": "Allow",
                "Action": ["sqs:GetQueueUrl", "sqs:SendMessage"],
                "Resource": f"arn:aws:sqs:*:*:portal-{stage}-{self.queue}",
            }
        ]

    def uses(self) -> set[Use]:
        return {("sqs:GetQueueUrl", self.queue), ("sqs:SendMessage", self.queue)}


# The queue every email is recorded on by the API, sent from by mail_sender.
MAIL_QUEUE = "outbound-mail"
# The queue the failed runs of the scheduled functions go to (infra/operations.py).
JOBS_FAILED_QUEUE = "scheduled-jobs-failed"


def stage_sender(stage: str) -> str:
    config = json.loads(
        (Path(__file__).resolve().parents[1] / ".chalice" / "config.json").read_text("utf-8")
    )
    return config["stages"][stage]["environment_variables"]["PORTAL_SENDER_EMAIL"]


# function -> what its code calls (tests/infra/test_iam.py proves both directions).
FUNCTIONS: dict[str, tuple[Grant, ...]] = {
    "api_handler": (
        OwnLogs(),
        Tables(API_TABLES),
        Objects(("GetObject", "PutObject", "DeleteObject"), ("uploads/", "photos/")),
        QueueSend(MAIL_QUEUE),
        CodeSecret(),
    ),
    "booking_events": (
        OwnLogs(),
        QueueSource("booking-events"),
        Tables(
            {
                "professionals": ("PutItem",),
                "client-records": ("GetItem", "PutItem"),
                "appointments": ("GetItem", "PutItem", "Query", "UpdateItem"),
            }
        ),
    ),
    "send_reminders": (
        OwnLogs(),
        FailureDestination(JOBS_FAILED_QUEUE),
        Tables(
            {
                "appointments": ("Query", "UpdateItem"),
                "professionals": ("GetItem",),
                "email-claims": ("GetItem",),
                "accounts": ("GetItem",),  # only for a claim without the contact copy
                "jobs": ("GetItem", "UpdateItem"),
            }
        ),
        Sms(),
    ),
    "cleanup": (
        OwnLogs(),
        FailureDestination(JOBS_FAILED_QUEUE),
        Tables(
            {
                "sessions": ("BatchWriteItem", "DeleteItem", "Query"),
                "codes": ("DeleteItem", "Query"),
                "object-leases": ("DeleteItem", "GetItem", "Query"),
                "accounts": ("GetItem",),
                "jobs": ("GetItem", "PutItem"),
                # Finishing an account deletion a crash interrupted (account_deletion.py).
                "email-claims": ("DeleteItem",),
                "rate-limits": ("DeleteItem",),
                "activity": ("BatchWriteItem", "Query"),
                "deletions": ("DeleteItem", "Query"),
            }
        ),
        Objects(("DeleteObject",), ("uploads/", "photos/"), list_bucket=True),
        QueueSend(MAIL_QUEUE),  # the deletion's confirmation notices
    ),
    "ses_events": (
        OwnLogs(),
        Tables({"bounced-addresses": ("PutItem",)}),
    ),
    "mail_sender": (
        OwnLogs(),
        QueueSource(MAIL_QUEUE),
        Tables(
            {
                "codes": ("GetItem", "UpdateItem"),
                "email-claims": ("GetItem",),
                "accounts": ("GetItem",),
                "client-records": ("Query",),
                "bounced-addresses": ("BatchGetItem",),
                "sessions": ("Query",),  # the new-device check of the sign-in notice
            }
        ),
        Email(),
        CodeSecret(),
    ),
    "publish_events": (
        OwnLogs(),
        StreamSource("outbox"),
        # The stream source's on-failure destination: batches given up after the retries.
        FailureDestination("portal-events-dlq"),
        EventBus(),
    ),
}


def policy(stage: str, function: str) -> dict[str, Any]:
    """The IAM policy document of one function's role (before pinning)."""
    statements: list[dict[str, Any]] = []
    for grant in FUNCTIONS[function]:
        statements += grant.statements(stage, function)
    # Sids must be unique within a policy.
    seen: dict[str, int] = {}
    for statement in statements:
        count = seen.get(statement["Sid"], 0)
        seen[statement["Sid"]] = count + 1
        if count:
            statement["Sid"] = f"{statement['Sid']}{count + 1}"
    return {"Version": "2012-10-17", "Statement": statements}


def policy_file(stage: str, function: str) -> str:
    return f"policy-{stage}-{function}.json"


def granted(function: str) -> set[Use]:
    """Every (action, target) the function's role allows."""
    return {use for grant in FUNCTIONS[function] for use in grant.uses()}


def write_policy_files(config: dict[str, Any], stage: str, dest: Path) -> None:
    """The build copy's ``.chalice/``: config.json naming one policy file per function.

    chalice then creates one role per function (``<Function>Role``) with that policy.
    """
    config = copy.deepcopy(config)
    functions = config["stages"][stage].setdefault("lambda_functions", {})
    for function in FUNCTIONS:
        name = policy_file(stage, function)
        (dest / name).write_text(json.dumps(policy(stage, function), indent=2), encoding="utf-8")
        functions.setdefault(function, {})["iam_policy_file"] = name
    (dest / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")


def name_functions(template: dict[str, Any], stage: str) -> None:
    """Give each function its fixed name: the log grant names the function's own group."""
    from chalice.utils import to_cfn_resource_name

    by_role = {to_cfn_resource_name(f"{function}_role"): function for function in FUNCTIONS}
    resources = template["Resources"]
    for resource in resources.values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        function = by_role[props["Role"]["Fn::GetAtt"][0]]
        props["FunctionName"] = function_name(stage, function)
