"""The time zones people pick from, named in their language (``GET /timezones``).

One entry per zone of tzdata's ``zone.tab`` (one or more per country, the list
every zone picker starts from) plus UTC, each labelled "exemplar city (country)"
from CLDR through Babel ("Toronto (Canada)", "Saint-Jean de Terre-Neuve
(Canada)"), with its UTC offset now (``UTC−05:00``, U+2212 minus) and the words
people search for that are in neither: the places ``SEARCH_ALIASES`` declares and
the old names tzdata keeps as links (America/Montreal is America/Toronto).

Built once per language and process (Babel's CLDR data takes ~0.1 s to load),
and the offsets once per quarter hour (~20 ms): every offset change happens on
a quarter hour.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from chalicelib.adapters import clock
from chalicelib.config import LANGUAGES
from chalicelib.i18n.formatting import babel_locale
from chalicelib.profile_facts import zone_names

if TYPE_CHECKING:  # the response shape: types only
    from chalicelib.schemas.page_config import TimeZoneOut, TimeZones

UTC_ZONE = "UTC"
MINUS = "\u2212"

# Places people look for that CLDR does not name as the zone's city, declared once.
SEARCH_ALIASES: dict[str, tuple[str, ...]] = {
    "America/Toronto": ("Montréal", "Québec", "Ottawa", "Gatineau", "Sherbrooke"),
    "America/Vancouver": ("Victoria", "Surrey", "Kelowna", "Colombie-Britannique"),
    "America/Edmonton": ("Calgary", "Alberta"),
    "America/Winnipeg": ("Manitoba",),
    "America/Regina": ("Saskatoon", "Saskatchewan"),
    "America/Halifax": ("Charlottetown", "Nouvelle-Écosse", "Nova Scotia"),
    "America/Moncton": ("Fredericton", "Saint John", "Nouveau-Brunswick", "New Brunswick"),
    "America/St_Johns": ("Terre-Neuve", "Newfoundland"),
    "Europe/Paris": ("Lyon", "Marseille", "Toulouse"),
    "Europe/Brussels": ("Bruxelles", "Liège"),
    "America/Port-au-Prince": ("Haïti",),
}
# tzdata link names under these areas are old city names worth finding (not Canada/Eastern).
_CITY_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian"}
    | {"Pacific"}
)


def offset_minutes(zone: str, now: datetime) -> int:
    from zoneinfo import ZoneInfo  # on first use: not on the cold path

    offset = now.astimezone(ZoneInfo(zone)).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def offset_label(minutes: int) -> str:
    """``UTC−05:00``, ``UTC+05:30``, ``UTC+00:00``."""
    sign = "+" if minutes >= 0 else MINUS
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def timezones(language: str, now: datetime | None = None) -> TimeZones:
    """The zones with labels in ``language``, sorted by offset then label."""
    return _answer(*_key(language, now))


def timezones_json(language: str, now: datetime | None = None) -> str:
    """``timezones`` as the answer's JSON text, also built once per quarter hour; UTF-8
    as is, not ``\\u`` escapes (a tenth smaller with the accents and minus signs)."""
    return _answer_json(*_key(language, now))


def _key(language: str, now: datetime | None) -> tuple[str, datetime]:
    now = (now or clock.now()).astimezone(UTC)
    # Offsets change on a quarter hour (every transition does): one answer per quarter.
    quarter = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    return (language if language in LANGUAGES else LANGUAGES[0]), quarter


@lru_cache(maxsize=4)
def _answer_json(language: str, quarter: datetime) -> str:
    return json.dumps(_answer(language, quarter), ensure_ascii=False, separators=(",", ":"))


@lru_cache(maxsize=4)
def _answer(language: str, now: datetime) -> TimeZones:
    entries = []
    for zone, label, aliases in _labelled(language):
        minutes = offset_minutes(zone, now)
        entry: TimeZoneOut = {"id": zone, "label": label, "offset": offset_label(minutes)}
        if aliases:
            entry["aliases"] = list(aliases)
        entries.append((minutes, label, entry))
    entries.sort(key=lambda item: (item[0], item[1]))
    return {"language": language, "zones": [entry for _, _, entry in entries]}


def _tzdata_file(name: str) -> list[list[str]]:
    from importlib import resources

    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split() for line in text.splitlines() if line and not line.startswith("#")]


@cache
def _zone_countries() -> dict[str, str]:
    """zone.tab: zone -> ISO country code, for the zones the server accepts."""
    accepted = zone_names()
    return {row[2]: row[0] for row in _tzdata_file("zone.tab") if row[2] in accepted}


@cache
def _link_aliases() -> dict[str, tuple[str, ...]]:
    """Old names tzdata keeps as links, as searchable city names of their target."""
    found: dict[str, list[str]] = {}
    for row in _tzdata_file("tzdata.zi"):
        if row[0] != "L" or len(row) < 3:
            continue
        target, link = row[1], row[2]
        area, _, city = link.rpartition("/")
        if area.split("/")[0] in _CITY_AREAS and city:
            found.setdefault(target, []).append(city.replace("_", " "))
    return {zone: tuple(names) for zone, names in found.items()}


@cache
def _labelled(language: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    from babel.dates import get_timezone_location

    locale = babel_locale(language)
    links = _link_aliases()
    out: list[tuple[str, str, tuple[str, ...]]] = [(UTC_ZONE, "UTC", ("GMT", "Greenwich"))]
    for zone, country in _zone_countries().items():
        city = get_timezone_location(zone, locale, return_city=True)
        label = f"{city} ({locale.territories.get(country, country)})"
        extra = [*SEARCH_ALIASES.get(zone, ()), *links.get(zone, ())]
        aliases = tuple(dict.fromkeys(name for name in extra if name not in label))
        out.append((zone, label, aliases))
    return tuple(out)
