"""Dates and times as a person reads them, in their language, formats and time zone.

Every email, SMS and API text that shows a date or a time goes through here, with
the person's ``DisplayPrefs`` (the Profile's ``language``, ``date_format``,
``time_format`` and ``timezone``).

Choices (French is written the Québec way, following the OQLF's Banque de
dépannage linguistique and the federal Translation Bureau):

- French 24h: ``14 h 30``, ``9 h 05`` (no leading zero on the hour; minutes
  always two digits, the "usage moderne" the OQLF now prefers). On the hour the
  ``00`` is dropped: ``14 h``, ``0 h`` -- both the OQLF and the Translation
  Bureau advise against writing ``14 h 00``.
- French 12h: the OQLF and the Translation Bureau both say to avoid ``a.m.`` /
  ``p.m.`` (and ``AM`` / ``PM``) in French and to name the part of the day
  instead, so: ``2 h 30 de l'après-midi``, ``9 h du matin``, ``8 h du soir``;
  exactly noon and midnight are ``midi`` and ``minuit``. Parts of the day follow
  CLDR's French day periods: 00:00-11:59 "du matin", 12:00-17:59 "de
  l'après-midi", 18:00-23:59 "du soir" (``12 h 30 du matin`` is 00:30).
- English: 24h ``14:30`` / ``09:05`` (CLDR ``HH:mm``); 12h ``2:30 PM``,
  ``12:00 AM`` (midnight), ``12:00 PM`` (noon), minutes always shown.
- ``D MMMM YYYY`` is the long form with the weekday: ``vendredi 27 novembre
  2026`` (``1er`` for the first of the month: ``dimanche 1er novembre 2026``),
  ``Friday, November 27, 2026``. The numeric formats carry no weekday.
- Only plain ASCII spaces and apostrophes: CLDR's English times use a narrow
  no-break space (U+202F) before AM/PM and its French texts a typographic
  apostrophe; either one forces an SMS out of the GSM-7 alphabet (half the
  characters per segment) and the rest of the project's texts are ASCII-only
  in that respect. Templates that need no-break spaces can substitute them.

Month and weekday names come from Babel (CLDR), imported lazily: this module is
imported on the email/SMS paths and must stay cheap to import (cold starts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from chalicelib.config import DATE_FORMATS, LANGUAGES, TIME_FORMATS

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from babel import Locale

# Babel locale used for each portal language (names are the same as in fr/en).
_BABEL_LOCALES = {"fr": "fr_CA", "en": "en_CA"}
# Joins the date and the time in format_datetime.
_AT = {"fr": " à ", "en": " at "}


@dataclass(frozen=True)
class DisplayPrefs:
    language: str  # "fr" | "en"
    date_format: str  # one of DATE_FORMATS
    time_format: str  # "24h" | "12h"
    timezone: str  # IANA name

    def __post_init__(self) -> None:
        # Values are validated where people enter them; a bad one here is a bug.
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown language: {self.language!r}")
        if self.date_format not in DATE_FORMATS:
            raise ValueError(f"unknown date format: {self.date_format!r}")
        if self.time_format not in TIME_FORMATS:
            raise ValueError(f"unknown time format: {self.time_format!r}")
        _zone(self.timezone)


def format_date(moment: datetime, prefs: DisplayPrefs) -> str:
    """The date of ``moment`` in the person's time zone and date format."""
    return _format_date(_local(moment, prefs), prefs)


def format_time(moment: datetime, prefs: DisplayPrefs) -> str:
    """The time of ``moment`` in the person's time zone and time format."""
    return _format_time(_local(moment, prefs), prefs)


def format_datetime(moment: datetime, prefs: DisplayPrefs) -> str:
    """Date and time: ``vendredi 27 novembre 2026 à 14 h 30``."""
    local = _local(moment, prefs)
    return f"{_format_date(local, prefs)}{_AT[prefs.language]}{_format_time(local, prefs)}"


def _zone(name: str) -> ZoneInfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # on first use: not on the cold path

    try:
        return ZoneInfo(name)  # ZoneInfo keeps its own cache of zones
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown time zone: {name!r}") from exc


def _local(moment: datetime, prefs: DisplayPrefs) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: a time zone is required")
    return moment.astimezone(_zone(prefs.timezone))


@cache
def babel_locale(language: str) -> Locale:
    """The Babel (CLDR) locale of a portal language: Canadian French and English."""
    from babel import Locale  # lazy: keeps this module cheap to import

    return Locale.parse(_BABEL_LOCALES[language])


def _format_date(local: datetime, prefs: DisplayPrefs) -> str:
    fmt = prefs.date_format
    if fmt == "YYYY-MM-DD":
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    if fmt == "DD/MM/YYYY":
        return f"{local.day:02d}/{local.month:02d}/{local.year:04d}"
    if fmt == "MM/DD/YYYY":
        return f"{local.month:02d}/{local.day:02d}/{local.year:04d}"
    if fmt == "D MMMM YYYY":
        return _long_date(local, prefs.language)
    raise ValueError(f"unknown date format: {fmt!r}")


def _long_date(local: datetime, language: str) -> str:
    locale = babel_locale(language)
    weekday = locale.days["format"]["wide"][local.weekday()]  # 0 = Monday, as in Python
    month = locale.months["format"]["wide"][local.month]
    if language == "fr":
        day = "1er" if local.day == 1 else str(local.day)
        return f"{weekday} {day} {month} {local.year}"
    return f"{weekday}, {month} {local.day}, {local.year}"


def _format_time(local: datetime, prefs: DisplayPrefs) -> str:
    hour, minute = local.hour, local.minute
    language, fmt = prefs.language, prefs.time_format
    if fmt == "24h":
        if language == "fr":
            return _fr_clock(hour, minute)
        return f"{hour:02d}:{minute:02d}"
    if fmt == "12h":
        hour12 = hour % 12 or 12
        if language == "fr":
            if minute == 0 and hour in (0, 12):
                return "minuit" if hour == 0 else "midi"
            if hour < 12:
                period = "du matin"
            elif hour < 18:
                period = "de l'après-midi"
            else:
                period = "du soir"
            return f"{_fr_clock(hour12, minute)} {period}"
        return f"{hour12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"
    raise ValueError(f"unknown time format: {fmt!r}")


def _fr_clock(hour: int, minute: int) -> str:
    # "14 h 30", "9 h 05"; on the hour "14 h" (OQLF: no "14 h 00").
    return f"{hour} h" if minute == 0 else f"{hour} h {minute:02d}"
