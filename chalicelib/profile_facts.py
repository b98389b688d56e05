"""What a profile accepts, declared once, below every layer: the save rule
(``services/profile.py``) applies it and the request schema (``schemas/profile.py``)
documents it, without either importing the other."""

from __future__ import annotations

from functools import cache

NAME_MAX_LENGTH = 100
# Zones listed by tzdata that are not places people live in.
_NOT_PLACES = frozenset({"Factory"})


@cache
def zone_names() -> frozenset[str]:
    """The IANA zone names of the pinned tzdata package (also what Lambda has)."""
    try:
        from importlib import resources

        names = resources.files("tzdata").joinpath("zones").read_text().split()
    except (ImportError, OSError):  # tzdata is pinned; this is only a safety net
        from zoneinfo import available_timezones

        names = list(available_timezones())
    return frozenset(names) - _NOT_PLACES
