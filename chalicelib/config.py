"""Every setting, read from the environment in one place.

Values are read once per process (``settings()`` is cached); tests that change
the environment call ``settings.cache_clear()``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

LANGUAGES = ("fr", "en")
# How people can have dates and times written (i18n/formatting.py writes them).
DATE_FORMATS = ("YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "D MMMM YYYY")
TIME_FORMATS = ("24h", "12h")

# The display defaults of a new account and of a person without one: each read from
# the environment here, with this default, and nowhere else (the store model, the
# texts, the reminders and the page's ``GET /config`` read ``settings()``).
DEFAULT_LANGUAGE = "fr"
DEFAULT_DATE_FORMAT = "YYYY-MM-DD"
DEFAULT_TIME_FORMAT = "24h"
DEFAULT_TIMEZONE = "America/Toronto"


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _choice(value: str | None, choices: tuple[str, ...], default: str) -> str:
    return value if value in choices else default


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_prefix: str
    bucket: str
    booking_queue: str
    mail_queue: str  # outbound email: requests record, the mail_sender function sends
    sender_email: str
    default_language: str
    default_phone_region: str
    default_timezone: str
    geoip_db: str | None
    trusted_proxies: int
    trust_cloudfront_headers: bool
    # HMAC key for one-time codes: given directly (local, tests) or as the
    # name of an SSM SecureString parameter (AWS).
    code_secret: str | None
    code_secret_parameter: str | None
    # SES configuration set that publishes bounces and complaints (infra/operations.py).
    ses_configuration_set: str | None
    # The EventBridge bus portal events go out on (services/portal_events.py).
    events_bus: str
    # Behind CloudFront: the X-Origin-Verify value CloudFront adds; None = no check.
    origin_secret: str | None = None
    # The mail queue's URL when known (AWS: the stack's Ref), saving a GetQueueUrl per instance.
    mail_queue_url: str | None = None
    default_date_format: str = DEFAULT_DATE_FORMAT
    default_time_format: str = DEFAULT_TIME_FORMAT
    # Check every answer against its declared response shape (tests, the local stack;
    # off in Lambda: it would load pydantic on every cold start).
    validate_responses: bool = False

    def table_name(self, entity: str) -> str:
        return f"{self.table_prefix}{entity}"

    @property
    def ses_events_topic(self) -> str:
        """SNS topic of SES's bounce and complaint events (infra/operations.py creates it)."""
        return f"portal-{self.stage}-ses-events"


@cache
def settings() -> Settings:
    env = os.environ
    stage = env.get("PORTAL_STAGE", "local")
    return Settings(
        stage=stage,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "ca-central-1",
        table_prefix=env.get("PORTAL_TABLE_PREFIX", f"portal-{stage}-"),
        bucket=env.get("PORTAL_BUCKET", f"portal-{stage}-photos"),
        booking_queue=env.get("PORTAL_BOOKING_QUEUE", f"portal-{stage}-booking-events"),
        mail_queue=env.get("PORTAL_MAIL_QUEUE", f"portal-{stage}-outbound-mail"),
        sender_email=env.get("PORTAL_SENDER_EMAIL", "portail@example.com"),
        default_language=_choice(env.get("PORTAL_DEFAULT_LANGUAGE"), LANGUAGES, DEFAULT_LANGUAGE),
        default_phone_region=env.get("PORTAL_DEFAULT_PHONE_REGION", "CA"),
        default_timezone=env.get("PORTAL_DEFAULT_TIMEZONE", DEFAULT_TIMEZONE),
        geoip_db=env.get("PORTAL_GEOIP_DB") or None,
        trusted_proxies=max(0, int(env.get("PORTAL_TRUSTED_PROXIES", "0") or 0)),
        trust_cloudfront_headers=_bool(env.get("PORTAL_TRUST_CLOUDFRONT_HEADERS")),
        code_secret=env.get("PORTAL_CODE_SECRET") or None,
        code_secret_parameter=env.get("PORTAL_CODE_SECRET_PARAMETER") or None,
        ses_configuration_set=env.get("PORTAL_SES_CONFIGURATION_SET") or None,
        events_bus=env.get("PORTAL_EVENTS_BUS", f"portal-{stage}-events"),
        origin_secret=env.get("PORTAL_ORIGIN_SECRET") or None,
        mail_queue_url=env.get("PORTAL_MAIL_QUEUE_URL") or None,
        default_date_format=_choice(
            env.get("PORTAL_DEFAULT_DATE_FORMAT"), DATE_FORMATS, DEFAULT_DATE_FORMAT
        ),
        default_time_format=_choice(
            env.get("PORTAL_DEFAULT_TIME_FORMAT"), TIME_FORMATS, DEFAULT_TIME_FORMAT
        ),
        validate_responses=_bool(env.get("PORTAL_VALIDATE_RESPONSES")),
    )
