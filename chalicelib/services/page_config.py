"""What the web page needs to know about the server's rules (``GET /config``).

Every value is read from where the server declares it, so the page never keeps
a copy that could drift: the display defaults a new account gets, the choices
``PUT /profile`` accepts, and the limits the page shows or enforces as people type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import limits, profile_facts
from chalicelib.config import DATE_FORMATS, LANGUAGES, TIME_FORMATS, settings
from chalicelib.services import photos

if TYPE_CHECKING:  # the response shape: types only
    from chalicelib.schemas.page_config import PageConfig


def page_config() -> PageConfig:
    current = settings()
    return {
        "defaults": {
            "language": current.default_language,
            "date_format": current.default_date_format,
            "time_format": current.default_time_format,
            "timezone": current.default_timezone,
        },
        "choices": {
            "languages": list(LANGUAGES),
            "date_formats": list(DATE_FORMATS),
            "time_formats": list(TIME_FORMATS),
        },
        "limits": {
            "name_max_length": profile_facts.NAME_MAX_LENGTH,
            "phone_max_length": limits.PHONE_MAX_LENGTH,
            "email_max_length": limits.EMAIL_MAX_LENGTH,
            "code_digits": limits.CODE_DIGITS,
            "code_lifetime_seconds": limits.CODE_TTL_SECONDS,
            "photo_max_bytes": photos.MAX_UPLOAD_BYTES,
            "session_lifetime_days": limits.SESSION_LIFETIME.days,
        },
    }
