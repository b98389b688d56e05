"""Dates and times shown to people: languages, formats, time zones, DST."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chalicelib.config import DATE_FORMATS, TIME_FORMATS
from chalicelib.i18n.formatting import (
    DisplayPrefs,
    format_date,
    format_datetime,
    format_time,
)

TORONTO = "America/Toronto"
PARIS = "Europe/Paris"
ROOT = Path(__file__).resolve().parents[2]

# Friday 27 November 2026, 14:30 in Toronto (EST, UTC-5), 20:30 in Paris (CET).
MOMENT = datetime(2026, 11, 27, 19, 30, tzinfo=UTC)
# Thursday 26 November 2026, same hour.
THURSDAY = datetime(2026, 11, 26, 19, 30, tzinfo=UTC)


def prefs(language="fr", date_format="D MMMM YYYY", time_format="24h", tz=TORONTO):
    return DisplayPrefs(language, date_format, time_format, tz)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# Every language x date format x time format on the fixed moment.
EXPECTED_DATES = {
    ("fr", "YYYY-MM-DD"): "2026-11-27",
    ("fr", "DD/MM/YYYY"): "27/11/2026",
    ("fr", "MM/DD/YYYY"): "11/27/2026",
    ("fr", "D MMMM YYYY"): "vendredi 27 novembre 2026",
    ("en", "YYYY-MM-DD"): "2026-11-27",
    ("en", "DD/MM/YYYY"): "27/11/2026",
    ("en", "MM/DD/YYYY"): "11/27/2026",
    ("en", "D MMMM YYYY"): "Friday, November 27, 2026",
}
EXPECTED_TIMES = {
    ("fr", "24h"): "14 h 30",
    ("fr", "12h"): "2 h 30 de l'après-midi",
    ("en", "24h"): "14:30",
    ("en", "12h"): "2:30 PM",
}
MATRIX = [(lang, df, tf) for lang in ("fr", "en") for df in DATE_FORMATS for tf in TIME_FORMATS]


def test_constants():
    assert DATE_FORMATS == ("YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "D MMMM YYYY")
    assert TIME_FORMATS == ("24h", "12h")


@pytest.mark.parametrize(("language", "date_format", "time_format"), MATRIX)
def test_matrix(language, date_format, time_format):
    p = prefs(language, date_format, time_format)
    day = EXPECTED_DATES[language, date_format]
    clock = EXPECTED_TIMES[language, time_format]
    at = " à " if language == "fr" else " at "
    assert format_date(MOMENT, p) == day
    assert format_time(MOMENT, p) == clock
    assert format_datetime(MOMENT, p) == f"{day}{at}{clock}"


def test_matrix_is_complete():
    assert len(MATRIX) == 16


def test_long_form_examples():
    assert format_date(THURSDAY, prefs("fr")) == "jeudi 26 novembre 2026"
    assert format_date(THURSDAY, prefs("en")) == "Thursday, November 26, 2026"
    assert format_datetime(THURSDAY, prefs("fr")) == "jeudi 26 novembre 2026 à 14 h 30"
    assert (
        format_datetime(THURSDAY, prefs("en", time_format="12h"))
        == "Thursday, November 26, 2026 at 2:30 PM"
    )
    assert format_datetime(MOMENT, prefs("fr")) == "vendredi 27 novembre 2026 à 14 h 30"
    assert (
        format_datetime(MOMENT, prefs("en", time_format="12h"))
        == "Friday, November 27, 2026 at 2:30 PM"
    )


def test_weekday_is_the_real_one():
    # Babel's weekday index must line up with datetime.weekday() on every day.
    start = datetime(2026, 1, 5, 12, tzinfo=UTC)  # a Monday
    fr = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    en = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    for offset in range(7):
        moment = start + timedelta(days=offset)
        assert format_date(moment, prefs("fr", tz="UTC")).startswith(fr[offset] + " ")
        assert format_date(moment, prefs("en", tz="UTC")).startswith(en[offset] + ", ")


def test_month_names_from_cldr():
    fr = [format_date(utc(2026, m, 15, 12), prefs("fr", tz="UTC")).split()[2] for m in range(1, 13)]
    assert fr == [
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ]  # fmt: skip
    assert format_date(utc(2026, 8, 15, 12), prefs("en", tz="UTC")) == "Saturday, August 15, 2026"


def test_first_of_the_month_is_1er_in_french():
    moment = utc(2026, 11, 1, 17)
    assert format_date(moment, prefs("fr")) == "dimanche 1er novembre 2026"
    assert format_date(moment, prefs("en")) == "Sunday, November 1, 2026"
    assert format_date(moment, prefs("fr", "DD/MM/YYYY")) == "01/11/2026"
    assert format_date(utc(2026, 11, 2, 17), prefs("fr")) == "lundi 2 novembre 2026"


# --- French times: Québec style -------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (14, 30, "14 h 30"),
        (9, 5, "9 h 05"),
        (14, 0, "14 h"),  # choice: on the hour, no "00" (OQLF)
        (0, 0, "0 h"),
        (0, 7, "0 h 07"),
        (12, 0, "12 h"),
        (23, 59, "23 h 59"),
    ],
)
def test_french_24h(hour, minute, expected):
    moment = datetime(2026, 11, 27, hour, minute, tzinfo=ZoneInfo(TORONTO))
    assert format_time(moment, prefs("fr")) == expected


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (14, 30, "2 h 30 de l'après-midi"),
        (14, 0, "2 h de l'après-midi"),
        (9, 5, "9 h 05 du matin"),
        (0, 0, "minuit"),
        (0, 30, "12 h 30 du matin"),
        (3, 0, "3 h du matin"),
        (11, 59, "11 h 59 du matin"),
        (12, 0, "midi"),
        (12, 30, "12 h 30 de l'après-midi"),
        (17, 59, "5 h 59 de l'après-midi"),
        (18, 0, "6 h du soir"),
        (23, 59, "11 h 59 du soir"),
    ],
)
def test_french_12h_names_the_part_of_the_day(hour, minute, expected):
    # Choice: no "a.m."/"p.m." in French (OQLF, Translation Bureau).
    moment = datetime(2026, 11, 27, hour, minute, tzinfo=ZoneInfo(TORONTO))
    assert format_time(moment, prefs("fr", time_format="12h")) == expected


def test_french_12h_parts_of_the_day_follow_cldr():
    from babel import Locale
    from babel.dates import get_period_id

    wide = Locale.parse("fr_CA").day_periods["format"]["wide"]
    p = prefs("fr", time_format="12h", tz="UTC")
    for minutes in range(0, 24 * 60, 15):
        t = time(minutes // 60, minutes % 60)
        period_id = get_period_id(t, locale="fr_CA")
        cldr = wide[period_id].replace("\u2019", "'")
        shown = format_time(datetime.combine(date(2026, 1, 1), t, tzinfo=UTC), p)
        assert shown.endswith(cldr), (t, shown, cldr)


def test_datetime_at_noon_and_midnight_in_french():
    noon = datetime(2026, 11, 27, 12, tzinfo=ZoneInfo(TORONTO))
    assert format_datetime(noon, prefs("fr", time_format="12h")) == (
        "vendredi 27 novembre 2026 à midi"
    )
    assert format_datetime(noon, prefs("fr")) == "vendredi 27 novembre 2026 à 12 h"


# --- English times ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "twelve", "twentyfour"),
    [
        (0, 0, "12:00 AM", "00:00"),
        (0, 30, "12:30 AM", "00:30"),
        (9, 5, "9:05 AM", "09:05"),
        (11, 59, "11:59 AM", "11:59"),
        (12, 0, "12:00 PM", "12:00"),
        (12, 30, "12:30 PM", "12:30"),
        (14, 0, "2:00 PM", "14:00"),
        (23, 59, "11:59 PM", "23:59"),
    ],
)
def test_english_times(hour, minute, twelve, twentyfour):
    moment = datetime(2026, 11, 27, hour, minute, tzinfo=ZoneInfo(TORONTO))
    assert format_time(moment, prefs("en", time_format="12h")) == twelve
    assert format_time(moment, prefs("en", time_format="24h")) == twentyfour


def test_output_uses_plain_spaces_only():
    # CLDR's English pattern puts U+202F before AM/PM; that must not leak out.
    for language, date_format, time_format in MATRIX:
        text = format_datetime(MOMENT, prefs(language, date_format, time_format))
        assert "\u202f" not in text and "\xa0" not in text and "\u2019" not in text


# --- Time zones and DST ----------------------------------------------------------


def test_converted_into_the_persons_time_zone():
    assert format_datetime(MOMENT, prefs("fr", tz=TORONTO)) == (
        "vendredi 27 novembre 2026 à 14 h 30"
    )
    assert format_datetime(MOMENT, prefs("fr", tz=PARIS)) == "vendredi 27 novembre 2026 à 20 h 30"
    assert format_datetime(MOMENT, prefs("en", "YYYY-MM-DD", "12h", PARIS)) == (
        "2026-11-27 at 8:30 PM"
    )
    # Summer: EDT (UTC-4) and CEST (UTC+2).
    summer = utc(2026, 7, 1, 12)
    assert format_time(summer, prefs("fr", tz=TORONTO)) == "8 h"
    assert format_time(summer, prefs("fr", tz=PARIS)) == "14 h"


def test_date_is_the_local_date():
    late = utc(2026, 11, 28, 3, 30)  # Friday 22:30 in Toronto, Saturday 4:30 in Paris
    assert format_datetime(late, prefs("fr", "YYYY-MM-DD", tz=TORONTO)) == "2026-11-27 à 22 h 30"
    assert format_datetime(late, prefs("fr", "YYYY-MM-DD", tz=PARIS)) == "2026-11-28 à 4 h 30"
    assert format_date(late, prefs("en", tz=TORONTO)) == "Friday, November 27, 2026"
    assert format_date(late, prefs("en", tz=PARIS)) == "Saturday, November 28, 2026"


def test_any_aware_moment_is_accepted():
    # Same instant given in another offset: same text.
    other = MOMENT.astimezone(timezone(timedelta(hours=-7)))
    p = prefs("fr")
    assert format_datetime(other, p) == format_datetime(MOMENT, p)
    paris = MOMENT.astimezone(ZoneInfo(PARIS))
    assert format_datetime(paris, p) == format_datetime(MOMENT, p)


def test_fall_back_the_repeated_hour():
    # America/Toronto 2026-11-01: 2:00 EDT becomes 1:00 EST; 1:30 happens twice.
    first = utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    second = utc(2026, 11, 1, 6, 30)  # 01:30 EST
    for moment in (first, second):
        assert format_time(moment, prefs("fr")) == "1 h 30"
        assert format_time(moment, prefs("en", time_format="12h")) == "1:30 AM"
        assert format_datetime(moment, prefs("fr")) == "dimanche 1er novembre 2026 à 1 h 30"
    assert format_time(utc(2026, 11, 1, 7, 30), prefs("fr")) == "2 h 30"  # EST


def test_spring_forward_the_skipped_hour():
    # America/Toronto 2026-03-08: 2:00 EST becomes 3:00 EDT; no 2 h 30 that day.
    assert format_time(utc(2026, 3, 8, 6, 59), prefs("fr")) == "1 h 59"  # EST
    assert format_time(utc(2026, 3, 8, 7, 0), prefs("fr")) == "3 h"  # EDT
    assert format_time(utc(2026, 3, 8, 7, 30), prefs("en")) == "03:30"
    assert format_datetime(utc(2026, 3, 8, 7, 30), prefs("en", time_format="12h")) == (
        "Sunday, March 8, 2026 at 3:30 AM"
    )
    # Paris changes on another day (2026-03-29), still on CET (UTC+1) here.
    assert format_time(utc(2026, 3, 8, 7, 30), prefs("fr", tz=PARIS)) == "8 h 30"


# --- Errors ----------------------------------------------------------------------


@pytest.mark.parametrize("func", [format_date, format_time, format_datetime])
def test_naive_datetime_raises(func):
    with pytest.raises(ValueError, match="naive"):
        func(datetime(2026, 11, 27, 14, 30), prefs())


def test_a_date_is_not_a_datetime():
    with pytest.raises(TypeError):
        format_date(date(2026, 11, 27), prefs())


@pytest.mark.parametrize(
    "changes",
    [
        {"language": "de"},
        {"language": "FR"},
        {"date_format": "DD.MM.YYYY"},
        {"date_format": "d mmmm yyyy"},
        {"time_format": "24H"},
        {"time_format": "am/pm"},
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": ""},
        {"timezone": "../etc/passwd"},
    ],
)
def test_unknown_values_raise(changes):
    with pytest.raises(ValueError):
        dataclasses.replace(prefs(), **changes)


def test_prefs_are_frozen():
    p = prefs()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.language = "en"


def test_import_does_not_load_babel():
    code = (
        "import sys; import chalicelib.i18n.formatting; "
        "sys.exit(1 if any(m == 'babel' or m.startswith('babel.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0
