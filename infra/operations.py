"""What tells the on-call engineer that something is wrong: added to the packaged template.

``add(template, stage)`` (called by infra/package.py once chalice's logical ids
exist) adds:

- ``AlarmTopic``, an SNS topic mailed to the ``OnCallEmail`` parameter, and the
  alarms that publish to it (docs/operations.md says what each means and what
  to do): the booking dead-letter queue not empty, errors and throttles of each
  function, the API's 5xx rate, failed reminders, SES's bounce rate;
- API stage throttling and JSON access logs (no query string, no path values,
  no IP, no headers: ``$context.resourcePath`` is the route template);
- the SES configuration set the mailer sends through, with bounce and complaint
  events published to ``SesEventsTopic``.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from chalicelib.observability import METRICS_NAMESPACE
from infra.iam import JOBS_FAILED_QUEUE

# Steady rate and burst per second for the whole stage (API Gateway answers 429
# above them, in the contract's shape: package.GATEWAY_RESPONSES["THROTTLED"]).
API_RATE_PER_SECOND = 50
API_BURST = 100
API_5XX_RATE = 0.05  # share of answers over 5 minutes
SES_BOUNCE_RATE = 0.05  # SES reviews an account at 5 %, pauses it at 10 %
ACCESS_LOG_DAYS = 90
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","method":"$context.httpMethod",'
    '"route":"$context.resourcePath","status":"$context.status",'
    '"latencyMs":"$context.responseLatency","integrationMs":"$context.integrationLatency",'
    '"error":"$context.error.responseType","at":"$context.requestTime"}'
)


def _alarm(description: str, metric: dict[str, Any], threshold: float) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "EvaluationPeriods": 1,
            "Period": 300,
            "Threshold": threshold,
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
            "OKActions": [{"Ref": "AlarmTopic"}],
            **metric,
        },
    }


def _lambda_metric(name: str, function: str) -> dict[str, Any]:
    return {
        "Namespace": "AWS/Lambda",
        "MetricName": name,
        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": function}}],
        "Statistic": "Sum",
    }


def _dead_letter_alarm(description: str, queue: str) -> dict[str, Any]:
    return _alarm(
        description,
        {
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}],
            "Statistic": "Maximum",
        },
        1,
    )


def alarms(template: dict[str, Any]) -> dict[str, Any]:
    resources = template["Resources"]
    found: dict[str, Any] = {
        "BookingDeadLetterAlarm": _dead_letter_alarm(
            "Booking events failed 5 times and wait in the dead-letter queue.",
            "BookingEventsDeadLetterQueue",
        ),
        "OutboundMailDeadLetterAlarm": _dead_letter_alarm(
            "Emails (codes, notices) failed 5 times and wait in the dead-letter queue: "
            "check SES, then redrive them.",
            "OutboundMailDeadLetterQueue",
        ),
        "Api5xxRateAlarm": _alarm(
            f"More than {API_5XX_RATE:.0%} of API answers are 5xx.",
            {
                "Namespace": "AWS/ApiGateway",
                "MetricName": "5XXError",
                "Dimensions": [
                    {"Name": "ApiName", "Value": template["_api_name"]},
                    {"Name": "Stage", "Value": "api"},
                ],
                "Statistic": "Average",  # 5XXError is 0/1 per answer: its average is the rate
            },
            API_5XX_RATE,
        ),
        "RemindersFailedAlarm": _alarm(
            "Reminder SMS could not be sent (SNS refused or failed).",
            {
                "Namespace": METRICS_NAMESPACE,
                "MetricName": "RemindersFailed",
                "Dimensions": [{"Name": "Stage", "Value": {"Ref": "Stage"}}],
                "Statistic": "Sum",
            },
            1,
        ),
        "SesBounceRateAlarm": _alarm(
            f"SES bounce rate at {SES_BOUNCE_RATE:.0%}: SES reviews the account there.",
            {"Namespace": "AWS/SES", "MetricName": "Reputation.BounceRate", "Statistic": "Maximum"},
            SES_BOUNCE_RATE,
        ),
    }
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        found[f"{logical_id}ErrorsAlarm"] = _alarm(
            f"{logical_id} failed (an exception or a timeout).",
            _lambda_metric("Errors", logical_id),
            1,
        )
        found[f"{logical_id}ThrottlesAlarm"] = _alarm(
            f"{logical_id} was throttled (account or reserved concurrency reached).",
            _lambda_metric("Throttles", logical_id),
            1,
        )
    return found


def add(template: dict[str, Any], stage: str) -> None:
    resources = template["Resources"]
    template["Parameters"]["OnCallEmail"] = {
        "Type": "String",
        "Description": "Where alarms are mailed (confirm the subscription once).",
        "AllowedPattern": r"^[^@\s]+@[^@\s]+$",
    }
    resources["AlarmTopic"] = {"Type": "AWS::SNS::Topic", "Properties": {}}
    resources["AlarmSubscription"] = {
        "Type": "AWS::SNS::Subscription",
        "Properties": {
            "TopicArn": {"Ref": "AlarmTopic"},
            "Protocol": "email",
            "Endpoint": {"Ref": "OnCallEmail"},
        },
    }
    api_id = next(k for k, r in resources.items() if r["Type"] == "AWS::Serverless::Api")
    api = resources[api_id]["Properties"]
    template["_api_name"] = api.get("Name") or api["DefinitionBody"].get("info", {}).get(
        "title", api_id
    )
    resources.update(alarms(template))
    del template["_api_name"]
    # Alarms declared with their resource in resources.json ring the same topic.
    for resource in resources.values():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            resource["Properties"].setdefault("AlarmActions", [{"Ref": "AlarmTopic"}])
            resource["Properties"].setdefault("OKActions", [{"Ref": "AlarmTopic"}])

    _failure_destination_for_schedules(resources)

    resources["ApiAccessLogGroup"] = {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {"RetentionInDays": ACCESS_LOG_DAYS},
    }
    api["MethodSettings"] = [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": API_RATE_PER_SECOND,
            "ThrottlingBurstLimit": API_BURST,
        }
    ]
    api["AccessLogSetting"] = {
        "DestinationArn": {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]},
        "Format": ACCESS_LOG_FORMAT,
    }

    resources["SesEventsTopic"] = {
        "Type": "AWS::SNS::Topic",
        "Properties": {"TopicName": {"Fn::Sub": "portal-${Stage}-ses-events"}},
    }
    resources["SesEventsTopicPolicy"] = {
        "Type": "AWS::SNS::TopicPolicy",
        "Properties": {
            "Topics": [{"Ref": "SesEventsTopic"}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "SesEventsOfThisAccount",
                        "Effect": "Allow",
                        "Principal": {"Service": "ses.amazonaws.com"},
                        "Action": "sns:Publish",
                        "Resource": {"Ref": "SesEventsTopic"},
                        "Condition": {
                            "StringEquals": {"AWS:SourceAccount": {"Ref": "AWS::AccountId"}}
                        },
                    }
                ],
            },
        },
    }
    resources["SesConfigurationSet"] = {
        "Type": "AWS::SES::ConfigurationSet",
        "Properties": {"Name": {"Fn::Sub": "portal-${Stage}"}},
    }
    resources["SesBounceEvents"] = {
        "Type": "AWS::SES::ConfigurationSetEventDestination",
        "Properties": {
            "ConfigurationSetName": {"Ref": "SesConfigurationSet"},
            "EventDestination": {
                "Enabled": True,
                "MatchingEventTypes": ["bounce", "complaint"],
                "SnsDestination": {"TopicARN": {"Ref": "SesEventsTopic"}},
            },
        },
    }
    for resource in resources.values():
        if resource["Type"] == "AWS::Serverless::Function":
            variables = resource["Properties"]["Environment"]["Variables"]
            variables.update(copy.deepcopy(FUNCTION_ENVIRONMENT))
            for event in resource["Properties"].get("Events", {}).values():
                # The ses_events function: subscribed to the topic the stack creates.
                if event["Type"] == "SNS" and "-ses-events" in json.dumps(event["Properties"]):
                    event["Properties"]["Topic"] = {"Ref": "SesEventsTopic"}


FUNCTION_ENVIRONMENT: dict[str, Any] = {
    "PORTAL_SES_CONFIGURATION_SET": {"Ref": "SesConfigurationSet"},
}


def _failure_destination_for_schedules(resources: dict[str, Any]) -> None:
    """A scheduled run that fails lands in a queue (and rings), never silently.

    No retry by Lambda: the next scheduled run resumes from the job's cursor anyway.
    """
    resources["ScheduledJobsFailedQueue"] = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": {"Fn::Sub": f"portal-${{Stage}}-{JOBS_FAILED_QUEUE}"},
            "MessageRetentionPeriod": 1209600,  # 14 days: time to look at each one
            "SqsManagedSseEnabled": True,
        },
    }
    resources["ScheduledJobsFailedAlarm"] = _alarm(
        "A scheduled run (reminders or cleanup) failed; the failure is in the queue.",
        {
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [
                {
                    "Name": "QueueName",
                    "Value": {"Fn::GetAtt": ["ScheduledJobsFailedQueue", "QueueName"]},
                }
            ],
            "Statistic": "Maximum",
        },
        1,
    )
    for resource in resources.values():
        props = resource.get("Properties", {})
        events = props.get("Events", {}).values() if resource["Type"].endswith("Function") else []
        if any(event["Type"] == "Schedule" for event in events):
            props["EventInvokeConfig"] = {
                "MaximumRetryAttempts": 0,
                "DestinationConfig": {
                    "OnFailure": {
                        "Type": "SQS",
                        "Destination": {"Fn::GetAtt": ["ScheduledJobsFailedQueue", "Arn"]},
                    }
                },
            }
