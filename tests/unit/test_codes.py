"""One-time codes, rate-limit counters and the HMAC key, against moto."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.adapters import aws, clock
from chalicelib.config import settings
from chalicelib.errors import RateLimited, Unauthenticated, Unavailable
from chalicelib.services import codes, rate_limits, secrets_store
from chalicelib.store.codes import Code
from chalicelib.store.rate_limits import RateCounter


def test_issue_stores_only_an_hmac(aws_env, frozen_clock):
    code = codes.issue("login", "camille@example.com", account_id="a_1")
    assert len(code) == 6 and code.isdigit()
    item = Code.get("login#camille@example.com")
    assert code not in item.digest
    assert len(item.digest) == 64
    assert item.attempts == 0
    assert item.account_id == "a_1"
    assert item.expires_at == clock.now() + timedelta(minutes=10)
    assert item.sent_at == clock.now()
    assert item.expiry_day == "2026-11-26"


def test_verify_consumes_the_code(aws_env):
    code = codes.issue("login", "camille@example.com")
    assert codes.verify("login", "camille@example.com", code).code_id == "login#camille@example.com"
    assert Code.count() == 0
    with pytest.raises(Unauthenticated):
        codes.verify("login", "camille@example.com", code)


def test_a_new_code_replaces_the_previous_one(aws_env):
    first = codes.issue("login", "camille@example.com")
    second = codes.issue("login", "camille@example.com")
    if first != second:  # one chance in a million that they are equal
        with pytest.raises(Unauthenticated):
            codes.verify("login", "camille@example.com", first)
    assert codes.verify("login", "camille@example.com", second)


def test_code_is_bound_to_purpose_and_subject(aws_env):
    code = codes.issue("login", "camille@example.com")
    with pytest.raises(Unauthenticated):
        codes.verify("email", "camille@example.com", code)
    with pytest.raises(Unauthenticated):
        codes.verify("login", "sam@example.com", code)
    assert codes.verify("login", "camille@example.com", code)


def test_fifth_wrong_try_burns_the_code(aws_env):
    code = codes.issue("login", "camille@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(1, 6):
        with pytest.raises(Unauthenticated) as raised:
            codes.verify("login", "camille@example.com", wrong)
        assert raised.value.code == "invalid_code"
        assert Code.get("login#camille@example.com").attempts == attempt
    with pytest.raises(RateLimited) as limited:
        codes.verify("login", "camille@example.com", code)
    assert limited.value.code == "too_many_attempts"
    assert limited.value.status == 429
    assert 0 < limited.value.retry_after <= 600


def test_expired_code_is_invalid_even_if_still_stored(aws_env, frozen_clock):
    code = codes.issue("login", "camille@example.com")
    frozen_clock(clock.now() + timedelta(minutes=10, seconds=1))
    with pytest.raises(Unauthenticated):
        codes.verify("login", "camille@example.com", code)


def test_concurrent_uses_succeed_once(aws_env):
    code = codes.issue("login", "camille@example.com")
    barrier = threading.Barrier(5)
    outcomes: list[str] = []

    def use() -> None:
        barrier.wait()
        try:
            codes.verify("login", "camille@example.com", code)
            outcomes.append("ok")
        except Unauthenticated:
            outcomes.append("refused")

    threads = [threading.Thread(target=use) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] + ["refused"] * 4


def test_discard(aws_env):
    code = codes.issue("login", "camille@example.com")
    codes.discard("login", "camille@example.com")
    codes.discard("login", "camille@example.com")  # nothing there: fine
    with pytest.raises(Unauthenticated):
        codes.verify("login", "camille@example.com", code)


def test_rate_limit_window_and_retry_after(aws_env, frozen_clock):
    # frozen at 15:00:00, the start of a 10-minute window
    frozen_clock(clock.now() + timedelta(minutes=4))
    for _ in range(3):
        rate_limits.hit("test", "203.0.113.9", limit=3, window=timedelta(minutes=10))
    with pytest.raises(RateLimited) as limited:
        rate_limits.hit("test", "203.0.113.9", limit=3, window=timedelta(minutes=10))
    assert limited.value.retry_after == 6 * 60
    rate_limits.hit("test", "198.51.100.1", limit=3, window=timedelta(minutes=10))  # other key
    frozen_clock(clock.now() + timedelta(minutes=6))  # the next window
    rate_limits.hit("test", "203.0.113.9", limit=3, window=timedelta(minutes=10))


def test_rate_counters_hold_no_raw_keys_and_expire(aws_env, frozen_clock):
    rate_limits.check_code_sending("camille@example.com")
    counters = list(RateCounter.scan())
    assert len(counters) == 2
    for counter in counters:
        assert "camille" not in counter.bucket
        assert counter.expires_at > clock.now()
    assert {c.expires_at - clock.now() for c in counters} == {
        timedelta(minutes=1),
        timedelta(hours=1),
    }


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
