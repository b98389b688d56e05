"""Run the real ``mail_sender`` on what the outbound mail queue holds, now (tests, bench).

The local stack's poller does this continuously; tests call it before reading
the outbox, so every email they read went through the same consumer as on AWS.
"""

from __future__ import annotations

from typing import Any

from infra.local.queue_poller import QueuePoller


def drain_mail_queue(*, retry_failed_now: bool = False, rounds: int = 20) -> int:
    """Deliver every visible message; returns how many were received (sent or failed).

    Failed messages stay on the queue, invisible for its visibility timeout, as on
    AWS; ``retry_failed_now`` makes them visible again at once (time passing), so
    repeated rounds reach ``maxReceiveCount`` and the dead-letter queue.
    """
    from app import mail_sender
    from chalicelib.adapters import aws
    from chalicelib.config import settings

    sqs = aws.client("sqs")  # the app's: a new boto3 client per drain cost ~50 ms
    url = sqs.get_queue_url(QueueName=settings().mail_queue)["QueueUrl"]
    failed: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> Any:
        result = mail_sender(event, context) or {}
        failed_ids = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        failed.extend(r["receiptHandle"] for r in event["Records"] if r["messageId"] in failed_ids)
        return result

    poller = QueuePoller(sqs, url, handler, name="mail-drain", wait_seconds=0)
    handled = 0
    for _ in range(rounds):
        received = poller.poll_once()
        if not received:
            break
        handled += received
        if retry_failed_now:
            for receipt in failed:
                sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=receipt, VisibilityTimeout=0
                )
        failed.clear()
    return handled
