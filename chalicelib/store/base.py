"""Shared pieces of the pynamodb models."""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import UnicodeAttribute

from chalicelib.config import settings


def table_name(entity: str) -> str:
    return settings().table_name(entity)


def region() -> str:
    return settings().region


def expiry_day(moment: datetime) -> str:
    """The UTC day an item expires on: the hash key of the by-expiry indexes.

    Cleanup queries one partition per elapsed day, so its cost follows what
    expired, not the size of the table.
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


class DayAttribute(UnicodeAttribute):
    """A UTC day, ``YYYY-MM-DD``."""
