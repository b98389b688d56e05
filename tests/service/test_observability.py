"""A request's log lines are JSON with its request id and no personal data; metrics are EMF."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import observability
from chalicelib.adapters import aws
from tests.conftest import make_account

EMAIL = "camille.tremblay@example.com"


def test_a_request_logs_json_lines_with_its_request_id_and_no_personal_data(
    client: Any, monkeypatch: Any, capsys: Any
) -> None:
    make_account(EMAIL, first_name="Camille", last_name="Tremblay", mobile_phone="+15145550123")
    sqs = aws.client("sqs")  # the outbound mail queue refuses: the request answers 503

    def refuse(**kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "Throttling", "Message": EMAIL}}, "SendMessage")

    monkeypatch.setattr(sqs, "send_message", refuse)
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(observability.JsonFormatter())
    logging.getLogger().addHandler(handler)
    try:
        answer = client.http.post(
            "/auth/code",
            body=json.dumps({"email": EMAIL}),
            headers={"Content-Type": "application/json"},
        )
    finally:
        logging.getLogger().removeHandler(handler)

    assert answer.status_code == 503
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    assert lines, "the failed request logged nothing"
    request_ids = {line["request_id"] for line in lines}
    assert len(request_ids) == 1 and request_ids != {""}
    assert all(line["level"] and line["message"] for line in lines)
    text = captured.getvalue() + capsys.readouterr().out
    for personal in (EMAIL, "camille", "Tremblay", "5145550123", "555-0123"):
        assert personal.lower() not in text.lower(), personal


def test_metrics_are_embedded_metric_format_lines(aws_env: None, capsys: Any) -> None:
    observability.count(observability.CODES_SENT)
    observability.count(observability.REMINDERS_FAILED, 0)  # nothing to report: no line
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    (directive,) = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == observability.METRICS_NAMESPACE
    assert directive["Metrics"] == [{"Name": "CodesSent", "Unit": "Count"}]
    assert line["CodesSent"] == 1 and line["Stage"] == "local"
    assert isinstance(line["_aws"]["Timestamp"], int)


def test_sign_in_and_code_metrics_are_counted(client: Any, outbox: Any, capsys: Any) -> None:
    from tests.api.test_auth import sign_in

    make_account(EMAIL)
    assert sign_in(client, outbox, EMAIL).status_code in (200, 201)
    names = {
        metric["Name"]
        for line in capsys.readouterr().out.splitlines()
        if line.startswith('{"_aws"')
        for metric in json.loads(line)["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    }
    assert {"CodesSent", "SignIns"} <= names
