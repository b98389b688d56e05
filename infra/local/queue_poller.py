"""Feeds a local queue to the same handler that runs on AWS (``booking_events``,
``mail_sender``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("portal.local.poller")


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The Lambda event SQS would deliver for these received messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": queue_arn.split(":")[3],
            }
            for m in messages
        ]
    }


class QueuePoller(threading.Thread):
    """Long-polls the queue (1 s) and deletes what the handler did not report as failed.

    Failed messages become visible again after the queue's visibility timeout
    and reach the dead-letter queue after ``maxReceiveCount`` receives, as on AWS.
    """

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        handler: Callable[[dict, Any], Any],
        *,
        name: str = "booking-queue-poller",
        wait_seconds: int = 1,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self._wait_seconds = wait_seconds
        self._sqs = sqs
        self._url = queue_url
        self._handler = handler
        self._arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.stopped = threading.Event()
        self._handled = 0  # messages handled and deleted since start
        self._handled_changed = threading.Condition()

    def poll_once(self) -> int:
        answer = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=self._wait_seconds,
            AttributeNames=["All"],
        )
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        result = self._handler(sqs_event(messages, self._arn), None) or {}
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
            with self._handled_changed:
                self._handled += len(done)
                self._handled_changed.notify_all()
        return len(messages)

    def wait_handled(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` messages in all have been handled; False on timeout."""
        with self._handled_changed:
            return self._handled_changed.wait_for(lambda: self._handled >= count, timeout)

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.poll_once()
            except Exception:
                log.exception("queue poll failed")
                self.stopped.wait(1)
