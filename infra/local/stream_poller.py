"""Feeds the outbox table's DynamoDB stream to the same ``publish_events`` handler that runs on AWS.

What Lambda's event source mapping does, for one shard: read in order, hand a
batch to the handler, and on a reported failure (``batchItemFailures``) or a
crash retry from the first failed record, so nothing is skipped and a crash
after publishing re-delivers (at least once).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

log = logging.getLogger("portal.local.stream")

BATCH_SIZE = 100  # the packaged event source's batch size (app.py)


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A record as Lambda delivers it (boto3 parsed the time; Lambda sends epoch seconds)."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "awsRegion": region, "dynamodb": dynamodb, "eventSourceARN": stream_arn}


class StreamPoller(threading.Thread):
    def __init__(
        self,
        dynamodb: Any,
        streams: Any,
        table_name: str,
        handler: Callable[[dict, Any], Any],
        interval: float = 0.2,
    ) -> None:
        super().__init__(name="outbox-stream-poller", daemon=True)
        self._streams = streams
        self._handler = handler
        self._interval = interval
        self._region = dynamodb.meta.region_name
        self._arn = dynamodb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        description = streams.describe_stream(StreamArn=self._arn)["StreamDescription"]
        self._shard = description["Shards"][0]["ShardId"]  # moto keeps one shard per table
        self._next: str | None = None  # first sequence number not yet handled; None: the start
        self.stopped = threading.Event()

    def _iterator(self) -> str:
        where: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"}
        if self._next is not None:
            where = {"ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": self._next}
        # A fresh iterator each time: moto replaces a table's shard object when it
        # rolls a cancelled transaction back, which strands older iterators.
        return self._streams.get_shard_iterator(StreamArn=self._arn, ShardId=self._shard, **where)[
            "ShardIterator"
        ]

    def poll_once(self) -> int:
        """Hand the next batch to the handler; the number of records it took for good."""
        records = self._streams.get_records(ShardIterator=self._iterator(), Limit=BATCH_SIZE)[
            "Records"
        ]
        if not records:
            return 0
        event = {"Records": [lambda_record(r, self._arn, self._region) for r in records]}
        try:
            result = self._handler(event, None) or {}
        except Exception:
            log.exception("publisher failed; the batch is retried")
            return 0
        failed = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
        numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
        if failed:
            first = min(failed, key=int)
            self._next = first
            return numbers.index(first) if first in numbers else 0
        self._next = str(int(numbers[-1]) + 1)
        return len(records)

    def drain(self) -> None:
        """Handle everything in the stream now (tests); stops at the first failure."""
        while self.poll_once():
            pass

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                if not self.poll_once():
                    self.stopped.wait(self._interval)
            except Exception:
                log.exception("stream poll failed")
                self.stopped.wait(1)
