"""The time, in one place, so tests and jobs can control it."""

from __future__ import annotations

from datetime import UTC, datetime

_frozen: list[datetime] = []


def now() -> datetime:
    """Aware UTC now (or the time a test set)."""
    return _frozen[0] if _frozen else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at ``moment`` (None: back to real time)."""
    _frozen[:] = [moment.astimezone(UTC)] if moment else []
