"""``make run``'s stack over real HTTP: health, the queue consumer, the outbox, Ctrl-C."""

from __future__ import annotations

import json
import time

import pytest
import requests

pytestmark = pytest.mark.stack


def _wait_for(check, timeout=2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    return check()


def test_health_and_demo_data_loaded_through_the_queue(local_stack):
    assert requests.get(f"{local_stack.api}/health", timeout=5).json() == {"status": "ok"}
    dynamodb = local_stack.boto("dynamodb")
    found = _wait_for(
        lambda: dynamodb.get_item(
            TableName="portal-local-professionals", Key={"professional_id": {"S": "p-riviere"}}
        ).get("Item"),
        timeout=10,
    )
    assert found["name"]["S"] == "Clinique Rivière"


def test_booking_event_consumed_within_two_seconds_and_bad_one_does_not_block(local_stack):
    sqs = local_stack.boto("sqs")
    url = sqs.get_queue_url(QueueName="portal-local-booking-events")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="{not json")
    event = {
        "type": "professional.upserted",
        "occurred_at": "2026-11-26T12:00:00Z",
        "professional": {"id": "p-test", "name": "Clinique Test", "timezone": "America/Toronto"},
    }
    sent = time.monotonic()
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
    dynamodb = local_stack.boto("dynamodb")
    item = _wait_for(
        lambda: dynamodb.get_item(
            TableName="portal-local-professionals", Key={"professional_id": {"S": "p-test"}}
        ).get("Item"),
        timeout=2.0,
    )
    assert item, "the valid event was not stored within 2 s"
    assert time.monotonic() - sent <= 2.5
    assert item["name"]["S"] == "Clinique Test"


def test_unknown_route_and_outbox_shape(local_stack):
    answer = requests.get(f"{local_stack.api}/does-not-exist", timeout=5)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "route_not_found"
    outbox = requests.get(f"{local_stack.api}/_dev/outbox", timeout=5).json()
    assert set(outbox) == {"emails", "sms", "events"}


def test_ctrl_c_stops_everything():
    from tests.conftest import LocalStack

    stack = LocalStack()
    stack.wait_ready()
    assert stack.stop() == 0
    assert "Stopping" in stack.output()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{stack.api}/health", timeout=2)
    with pytest.raises(requests.ConnectionError):
        requests.get(stack.aws, timeout=2)
