"""Entry points of the scheduled functions, by name (used by app.py and the local stack)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def send_reminders() -> dict[str, Any]:
    from chalicelib.services import reminders

    return reminders.run()


def cleanup() -> dict[str, Any]:
    from chalicelib.services import cleanup as cleanup_service

    return cleanup_service.run()


JOBS: dict[str, Callable[[], dict[str, Any]]] = {
    "send_reminders": send_reminders,
    "cleanup": cleanup,
}
