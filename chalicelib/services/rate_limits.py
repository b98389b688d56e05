"""Sending limits: fixed-window counters in DynamoDB, incremented atomically.

Keys are SHA-256 hashed before they reach the table, so it holds no email
addresses or IPs. Counters expire through TTL at the end of their window.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import PynamoDBException

from chalicelib.adapters import clock
from chalicelib.errors import RateLimited
from chalicelib.store.rate_limits import RateCounter

log = logging.getLogger("portal.rate_limits")

CODE_SEND_PER_MINUTE = 1
CODE_SEND_PER_HOUR = 5
CODES_PER_CALLER_PER_HOUR = 20


def _hashed(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()


def hit(scope: str, key: str, *, limit: int, window: timedelta) -> str:
    """Count one event for ``key`` in the current window; over ``limit`` -> RateLimited
    with the seconds until the window ends. Windows are aligned on the epoch.

    Returns the counter's id, for ``refund`` if the event then does not happen."""
    now = clock.now()
    seconds = max(1, int(window.total_seconds()))
    epoch = int(now.timestamp())
    start = epoch - epoch % seconds
    end = start + seconds
    counter = RateCounter(f"{scope}#{_hashed(scope, key)}#{start}")
    counter.update(
        actions=[
            RateCounter.count.add(1),
            RateCounter.expires_at.set(datetime.fromtimestamp(end, UTC)),
        ]
    )
    if counter.count > limit:
        raise RateLimited(end - epoch)
    return counter.bucket


def refund(counters: Iterable[str]) -> None:
    """Take back one count from each counter: the event they counted did not happen
    (the email could not be sent), so an immediate retry is not refused for it.

    Best effort: a failure only leaves the limit one count stricter for that window.
    """
    for bucket in counters:
        try:
            RateCounter(bucket).update(
                actions=[RateCounter.count.add(-1)], condition=RateCounter.count > 0
            )
        except PynamoDBException:
            log.warning("rate counter not refunded")


def check_code_sending(address: str) -> list[str]:
    """At most one code per address per 60 s and 5 per hour (two windows).

    Returns the counters hit, for ``refund`` when the code could not be sent."""
    return [
        hit("code_minute", address, limit=CODE_SEND_PER_MINUTE, window=timedelta(minutes=1)),
        hit("code_hour", address, limit=CODE_SEND_PER_HOUR, window=timedelta(hours=1)),
    ]


def check_caller(ip: str) -> str:
    """At most 20 code requests per caller (client IP) per hour, whatever the addresses."""
    return hit(
        "code_caller", ip or "unknown", limit=CODES_PER_CALLER_PER_HOUR, window=timedelta(hours=1)
    )
