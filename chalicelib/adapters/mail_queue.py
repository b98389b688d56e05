"""The outbound mail queue (SQS): requests record emails here, ``mail_sender`` sends them.

Sending an email is never done on the request path: a request that must
email something puts one small JSON message on this queue and answers; the
``mail_sender`` function (app.py) reads it and talks to SES, with SQS's retries
and dead-letter queue behind it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import client
from chalicelib.config import settings
from chalicelib.errors import Unavailable

log = logging.getLogger("portal.mail_queue")

# (client, queue name, url): one GetQueueUrl per client, not one per request.
_url_cache: list[tuple[Any, str, str]] = []


def _queue_url(sqs: Any) -> str:
    known = settings().mail_queue_url
    if known:  # as deployed: no round trip on a new instance
        return known
    name = settings().mail_queue
    for cached_client, cached_name, cached_url in _url_cache:
        if cached_client is sqs and cached_name == name:
            return cached_url
    url: str = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    _url_cache[:] = [(sqs, name, url)]
    return url


def enqueue(message: dict[str, Any]) -> None:
    """Record one outbound message; SQS failure -> Unavailable (503, nothing recorded)."""
    try:
        sqs = client("sqs")
        sqs.send_message(QueueUrl=_queue_url(sqs), MessageBody=json.dumps(message))
    except (BotoCoreError, ClientError) as exc:
        log.warning("mail queue send failed: %s", type(exc).__name__)
        raise Unavailable("sqs") from exc
