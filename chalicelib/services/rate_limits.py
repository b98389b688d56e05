"""Sending limits: rolling windows, one DynamoDB item per limited key.

Each item keeps the times of the key's latest events (as many as its largest
limit needs, within its longest window) and is rewritten by a put conditional
on the version read, so two concurrent requests never both take the last place.
The windows roll: "1 per 60 s" is 60 s since the previous send, and "5 per hour"
holds for every hour, not per clock hour (fixed windows would let two codes
through one second apart across a minute boundary, and ten in an hour).

Keys are SHA-256 hashed before they reach the table, so it holds no email
addresses or IPs. An item expires through TTL when its newest event leaves the
longest window.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import PynamoDBException

from chalicelib.adapters import clock
from chalicelib.errors import RateLimited, Unavailable
from chalicelib.store.ops import conditional, get_or_none
from chalicelib.store.rate_limits import RateCounter

log = logging.getLogger("portal.rate_limits")

_CONFLICT_RETRIES = 3  # lost races on one key in a row: a burst, answered 429


@dataclass(frozen=True)
class Limit:
    count: int
    window: timedelta


@dataclass(frozen=True)
class Hit:
    """One counted event, for ``refund`` if it then does not happen."""

    bucket: str
    at: float


# Per address: 1 code a minute, 5 an hour, 10 a day (the daily cap).
CODE_SENDING = (
    Limit(1, timedelta(minutes=1)),
    Limit(5, timedelta(hours=1)),
    Limit(10, timedelta(days=1)),
)
# Per address: sign-in codes sent and never used, over a rolling year. Each allows
# at most 5 guesses, so at most 100 guesses a year: chance <= 100 / 10^6 = 1/10,000
# (docs/auth-and-sessions.md). A code used to sign in is refunded.
UNUSED_SIGN_IN_CODES = (Limit(20, timedelta(days=365)),)
CODES_PER_CALLER = (Limit(20, timedelta(hours=1)),)
WRONG_CODES_PER_CALLER = (Limit(20, timedelta(hours=1)),)


def _hashed(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()


def _seconds_to_wait(recent: Sequence[float], now: float, limits: Iterable[Limit]) -> int:
    """0 if one more event fits every limit, else the seconds until it would.

    ``recent`` is sorted, oldest first. For a limit of n per window, the n-th
    latest event in the window must leave it before another one fits."""
    wait = 0.0
    for limit in limits:
        window = limit.window.total_seconds()
        inside = [t for t in recent if t > now - window]
        if len(inside) >= limit.count:
            wait = max(wait, inside[-limit.count] + window - now)
    return math.ceil(wait)


def _bucket(scope: str, key: str) -> str:
    return f"{scope}#{_hashed(scope, key)}"


def hit(scope: str, key: str, limits: Sequence[Limit]) -> Hit:
    """Count one event for ``key``; RateLimited (with Retry-After) if it exceeds a limit."""
    bucket = _bucket(scope, key)
    longest = max(limit.window for limit in limits).total_seconds()
    kept = max(limit.count for limit in limits)
    for _ in range(_CONFLICT_RETRIES):
        now = clock.now().timestamp()
        item = _read(bucket)
        recent = sorted(t for t in item.sent if t > now - longest)
        wait = _seconds_to_wait(recent, now, limits)
        if wait:
            raise RateLimited(wait)
        item.sent = [*recent, now][-kept:]
        item.expires_at = datetime.fromtimestamp(now + longest, UTC)
        if _saved(item):
            return Hit(bucket, now)
    raise RateLimited(1)


def refund(hits: Iterable[Hit]) -> None:
    """Take back counted events that did not happen (the email could not be sent), so an
    immediate retry is not refused for them.

    Best effort: a failure only leaves the limit one event stricter for a while.
    """
    for counted in hits:
        try:
            for _ in range(_CONFLICT_RETRIES):
                item = _read(counted.bucket)
                if counted.at not in item.sent:
                    break
                item.sent.remove(counted.at)  # one occurrence: ours
                if _saved(item):
                    break
        except PynamoDBException:
            log.warning("rate limit event not refunded")


@contextmanager
def refunded_on_failure(hits: Iterable[Hit]) -> Iterator[None]:
    """Take the counted events back if the block fails on a dependency (503): nothing
    was sent, so the retry the 503 invites must not be refused as a second send."""
    try:
        yield
    except (Unavailable, PynamoDBException):
        refund(hits)
        raise


def seconds_to_wait(scope: str, key: str, limits: Sequence[Limit]) -> int:
    """0 if one more event for ``key`` fits every limit, else the seconds until it would
    (a read only: nothing is counted)."""
    now = clock.now().timestamp()
    longest = max(limit.window for limit in limits).total_seconds()
    recent = sorted(t for t in _read(_bucket(scope, key)).sent if t > now - longest)
    return _seconds_to_wait(recent, now, limits)


def caller_key(ip: str) -> str:
    """Who a caller is for limits: an IPv4 address, or an IPv6 /64 (one subscriber's
    network: a single host can use any of its 2^64 addresses)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def check_code_sending(address: str) -> Hit:
    """At most one code per address per 60 s, 5 per rolling hour, 10 per rolling day."""
    return hit("code_send", address, CODE_SENDING)


def check_unused_sign_in_codes(address: str) -> Hit:
    """At most 20 sign-in codes sent and not used per address per rolling year."""
    return hit("code_unused", address, UNUSED_SIGN_IN_CODES)


def refund_unused_sign_in_code(address: str, at: float) -> None:
    """The code counted at ``at`` was used to sign in: it no longer counts."""
    refund([Hit(_bucket("code_unused", address), at)])


def code_sending_wait(address: str) -> int:
    """Seconds until one more code may be sent to ``address`` (0: now)."""
    return seconds_to_wait("code_send", address, CODE_SENDING)


def sign_in_code_wait(address: str) -> int:
    """Seconds until a new sign-in code can be asked for ``address`` (at least 1): the
    honest Retry-After of a burned flow."""
    return max(
        1,
        code_sending_wait(address),
        seconds_to_wait("code_unused", address, UNUSED_SIGN_IN_CODES),
    )


def check_caller(ip: str) -> Hit:
    """At most 20 code requests per caller (IPv4 address, IPv6 /64) per rolling hour."""
    return hit("code_caller", caller_key(ip), CODES_PER_CALLER)


def check_wrong_codes(ip: str) -> None:
    """429 once the caller (IPv4 address, IPv6 /64) sent 20 wrong codes in the last hour."""
    wait = seconds_to_wait("wrong_code", caller_key(ip), WRONG_CODES_PER_CALLER)
    if wait:
        raise RateLimited(wait)


def count_wrong_code(ip: str) -> None:
    """Count one wrong code against the caller (a full count stays full: not an error)."""
    with contextlib.suppress(RateLimited):
        hit("wrong_code", caller_key(ip), WRONG_CODES_PER_CALLER)


def forget_address(address: str) -> None:
    """Delete the address's sending-limit item (an account deletion); raises on failure."""
    RateCounter(f"code_send#{_hashed('code_send', address)}").delete(add_version_condition=False)


def _read(bucket: str) -> RateCounter:
    return get_or_none(RateCounter, bucket, consistent_read=True) or RateCounter(bucket)


def _saved(item: RateCounter) -> bool:
    """Save on the version read; False if another request saved first."""
    return conditional(item.save)
