"""One-time codes, rate-limit counters and the HMAC key, against moto."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pynamodb.exceptions import TransactWriteError

from chalicelib.adapters import aws, clock
from chalicelib.config import settings
from chalicelib.errors import RateLimited, Unauthenticated, Unavailable
from chalicelib.services import codes, rate_limits, secrets_store
from chalicelib.store.base import transaction
from chalicelib.store.codes import Code
from chalicelib.store.rate_limits import RateCounter
from tests.support.concurrency import together


def issued(purpose: str, subject: str, **kwargs: Any) -> str:
    """Issue a code and return it as the mail sender derives it from the issued nonce."""
    return codes.derived_code(purpose, codes.issue(purpose, subject, **kwargs))


def use(purpose: str, subject: str, code: str) -> Code:
    """What + Courriel and account deletion do with a code: ``check`` it, then consume it
    with ``unused`` in the transaction of the write it authorises (here, alone)."""
    item = codes.check(purpose, subject, code)
    try:
        with transaction() as write:
            write.delete(item, condition=codes.unused(item))
    except TransactWriteError as exc:
        (reason,) = exc.cancellation_reasons
        assert reason.code == "ConditionalCheckFailed"  # used, replaced or burned meanwhile
        raise Unauthenticated("invalid_code") from None
    return item


def test_issue_stores_only_an_hmac(aws_env, frozen_clock):
    code = issued("login", "camille@example.com", account_id="a_1")
    assert len(code) == 6 and code.isdigit()
    item = Code.get("login#camille@example.com")
    assert code not in item.digest
    assert len(item.digest) == 64
    assert item.attempts == 0
    assert item.account_id == "a_1"
    assert item.expires_at == clock.now() + timedelta(minutes=10)
    assert item.sent_at == clock.now()
    assert item.expiry_day == "2026-11-26"


def test_a_used_code_is_consumed(aws_env):
    code = issued("login", "camille@example.com")
    assert use("login", "camille@example.com", code).code_id == "login#camille@example.com"
    assert Code.count() == 0
    with pytest.raises(Unauthenticated):
        use("login", "camille@example.com", code)


def test_a_new_code_replaces_the_previous_one(aws_env):
    first = issued("login", "camille@example.com")
    second = issued("login", "camille@example.com")
    if first != second:  # one chance in a million that they are equal
        with pytest.raises(Unauthenticated):
            use("login", "camille@example.com", first)
    assert use("login", "camille@example.com", second)


def test_code_is_bound_to_purpose_and_subject(aws_env):
    code = issued("login", "camille@example.com")
    with pytest.raises(Unauthenticated):
        use("email", "camille@example.com", code)
    with pytest.raises(Unauthenticated):
        use("login", "sam@example.com", code)
    assert use("login", "camille@example.com", code)


def test_fifth_wrong_try_burns_the_code(aws_env):
    code = issued("login", "camille@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(1, 6):
        with pytest.raises(Unauthenticated) as raised:
            use("login", "camille@example.com", wrong)
        assert raised.value.code == "invalid_code"
        assert Code.get("login#camille@example.com").attempts == attempt
    with pytest.raises(RateLimited) as limited:
        use("login", "camille@example.com", code)
    assert limited.value.code == "too_many_attempts"
    assert limited.value.status == 429
    assert 0 < limited.value.retry_after <= 600


def test_expired_code_is_invalid_even_if_still_stored(aws_env, frozen_clock):
    code = issued("login", "camille@example.com")
    frozen_clock(clock.now() + timedelta(minutes=10, seconds=1))
    with pytest.raises(Unauthenticated):
        use("login", "camille@example.com", code)


def test_concurrent_uses_succeed_once(aws_env, serialised_moto):
    code = issued("login", "camille@example.com")

    def attempt() -> str:
        try:
            use("login", "camille@example.com", code)
            return "ok"
        except Unauthenticated:
            return "refused"

    assert sorted(together([attempt] * 5)) == ["ok"] + ["refused"] * 4


def test_discard(aws_env):
    code = issued("login", "camille@example.com")
    codes.discard("login", "camille@example.com")
    codes.discard("login", "camille@example.com")  # nothing there: fine
    with pytest.raises(Unauthenticated):
        use("login", "camille@example.com", code)


TEN_MINUTES_3 = (rate_limits.Limit(3, timedelta(minutes=10)),)


def test_rate_limit_window_rolls_and_says_when_to_retry(aws_env, frozen_clock):
    start = clock.now()
    for minutes in (0, 2, 4):  # three events, two minutes apart
        frozen_clock(start + timedelta(minutes=minutes))
        rate_limits.hit("test", "203.0.113.9", TEN_MINUTES_3)
    frozen_clock(start + timedelta(minutes=5))
    with pytest.raises(RateLimited) as limited:
        rate_limits.hit("test", "203.0.113.9", TEN_MINUTES_3)
    assert limited.value.retry_after == 5 * 60  # when the first leaves the window
    rate_limits.hit("test", "198.51.100.1", TEN_MINUTES_3)  # another key is not affected
    frozen_clock(clock.now() + timedelta(minutes=5, seconds=1))
    rate_limits.hit("test", "203.0.113.9", TEN_MINUTES_3)  # the first has left
    with pytest.raises(RateLimited) as limited:
        rate_limits.hit("test", "203.0.113.9", TEN_MINUTES_3)
    assert limited.value.retry_after == 2 * 60 - 1  # now the second must leave


def test_one_code_a_minute_holds_across_a_clock_minute(aws_env, frozen_clock):
    # 15:00:59 then 15:01:01: fixed per-minute windows would let both through.
    frozen_clock(clock.now() + timedelta(seconds=59))
    rate_limits.check_code_sending("camille@example.com")
    frozen_clock(clock.now() + timedelta(seconds=2))
    with pytest.raises(RateLimited) as limited:
        rate_limits.check_code_sending("camille@example.com")
    assert limited.value.retry_after == 58


def test_five_codes_per_rolling_hour(aws_env, frozen_clock):
    # Five codes in the last 5 minutes of one clock hour, then the next clock hour.
    frozen_clock(clock.now() + timedelta(minutes=55))
    for _ in range(5):
        rate_limits.check_code_sending("camille@example.com")
        frozen_clock(clock.now() + timedelta(minutes=1, seconds=1))
    frozen_clock(clock.now() + timedelta(minutes=5))  # 16:05: a new clock hour
    with pytest.raises(RateLimited) as limited:
        rate_limits.check_code_sending("camille@example.com")
    # The first (15:55:00) leaves the rolling hour at 16:55:00.
    assert limited.value.retry_after == int(
        (clock.now().replace(minute=55, second=0) - clock.now()).total_seconds()
    )


def test_refund_takes_back_the_event(aws_env, frozen_clock):
    counted = rate_limits.check_code_sending("camille@example.com")
    rate_limits.refund([counted])
    rate_limits.refund([counted])  # twice: nothing more to take back, no error
    rate_limits.check_code_sending("camille@example.com")  # not refused
    with pytest.raises(RateLimited):
        rate_limits.check_code_sending("camille@example.com")


def test_concurrent_requests_cannot_share_the_last_place(aws_env, serialised_moto):
    def ask() -> str:
        try:
            rate_limits.check_code_sending("camille@example.com")
            return "counted"
        except RateLimited:
            return "refused"

    assert sorted(together([ask] * 5)) == ["counted"] + ["refused"] * 4
    (item,) = RateCounter.scan()
    assert len(item.sent) == 1


def test_rate_items_hold_no_raw_keys_and_expire(aws_env, frozen_clock):
    rate_limits.check_code_sending("camille@example.com")
    rate_limits.check_caller("203.0.113.9")
    items = {item.bucket.split("#")[0]: item for item in RateCounter.scan()}
    assert set(items) == {"code_send", "code_caller"}
    for item in items.values():
        assert "camille" not in item.bucket and "203.0.113.9" not in item.bucket
    # Each expires when its newest event leaves the longest window.
    assert items["code_send"].expires_at == clock.now() + timedelta(days=1)
    assert items["code_caller"].expires_at == clock.now() + timedelta(hours=1)


@pytest.fixture
def key_settings(monkeypatch: Any) -> Any:
    def configure(secret: str | None, parameter: str | None) -> None:
        for name, value in (
            ("PORTAL_CODE_SECRET", secret),
            ("PORTAL_CODE_SECRET_PARAMETER", parameter),
        ):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        settings.cache_clear()
        secrets_store.reset()

    yield configure
    monkeypatch.undo()
    settings.cache_clear()
    secrets_store.reset()


def test_code_key_from_ssm_is_read_once(aws_env, key_settings):
    ssm = aws.client("ssm")
    ssm.put_parameter(Name="/portal/test/code-key", Value="from-ssm", Type="SecureString")
    key_settings(None, "/portal/test/code-key")
    assert secrets_store.code_key() == b"from-ssm"
    ssm.put_parameter(
        Name="/portal/test/code-key", Value="rotated", Type="SecureString", Overwrite=True
    )
    assert secrets_store.code_key() == b"from-ssm"  # cached per process


def test_code_key_fails_closed(aws_env, key_settings):
    key_settings(None, None)
    with pytest.raises(Unavailable):
        secrets_store.code_key()
    key_settings(None, "/portal/test/missing")
    with pytest.raises(Unavailable):
        secrets_store.code_key()


def test_code_key_from_the_environment(key_settings):
    key_settings("local-secret", "/ignored")
    assert secrets_store.code_key() == b"local-secret"
