"""Instants as text: one format on the wire and in stored keys.

RFC 3339 in UTC, whole seconds, ``Z`` (``2026-11-29T20:15:00Z``): every instant
the API answers (profile, photo, emails, sessions, appointments, activity,
export) and every event it publishes. The fixed width makes the strings sort
like the instants, which the stored index keys (reminder due times,
appointment starts) rely on.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_iso(moment: datetime) -> str:
    """``2026-11-29T20:15:00Z``: the instant in UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(value: str) -> datetime:
    """The aware datetime of an RFC 3339 string (``Z`` or an offset)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
