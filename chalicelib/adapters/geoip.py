"""IP address to city, from a MaxMind-format City database (GeoLite2-City,
GeoIP2-City, or anything with the same record layout).

The database path is ``settings().geoip_db`` (``PORTAL_GEOIP_DB``); unset means
no lookups. The file is opened on first use with ``maxminddb`` (MODE_AUTO: the
C extension with mmap when available) and kept in a module global; if the path
setting changes (tests) it is reopened. A database that cannot be opened is
logged once and not retried for that path until ``reset()``.

Nothing here logs an IP address.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import threading
from typing import TYPE_CHECKING, Any

from chalicelib.config import settings

if TYPE_CHECKING:
    from chalicelib.schemas.sessions import LocationOut

log = logging.getLogger("portal.geoip")

# Addresses no geo database can place: they only ever mean "a machine on some
# private network". Listed explicitly because ``ipaddress``'s ``is_private`` is
# also true for the documentation ranges (192.0.2.0/24, 198.51.100.0/24,
# 203.0.113.0/24, 2001:db8::/32) that the API examples and tests use.
_INTERNAL_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "::/128",
        "::1/128",
        "fc00::/7",  # unique local
        "fe80::/10",  # link local
    )
)

_lock = threading.Lock()
_reader: Any = None  # maxminddb.Reader (or its C twin) for _reader_path
_reader_path: str | None = None
_failed_path: str | None = None


def lookup(ip: str) -> LocationOut | None:
    """``{"city", "region", "country", "country_code", "label"}`` for ``ip``.

    Names are English (``names["en"]``), French when a record has no English
    name; ``region`` is the largest subdivision (province, state); ``label``
    joins the non-empty ones with ", " (``"Montréal, Quebec, Canada"``). Any
    of the first four may be None. Returns None when no database is
    configured or readable, the address is invalid, private/loopback/link
    local, not in the database, or its record has neither names nor a
    country code.
    """
    address = _public_address(ip)
    if address is None:
        return None
    reader = _get_reader()
    if reader is None:
        return None
    try:
        record = reader.get(address)
    except ValueError:
        # An IPv6 address asked of an IPv4-only database: simply unknown.
        return None
    except Exception:  # maxminddb.InvalidDatabaseError, I/O errors of a mmap
        log.warning("geoip: database lookup failed", exc_info=True)
        return None
    return _location(record) if isinstance(record, dict) else None


def is_internal(ip: str | None) -> bool:
    """A loopback, private, link-local or carrier-grade NAT address: "a local network"
    (the local demo's 127.0.0.1, an office LAN behind no proxy). The documentation
    ranges are not: they stand for public addresses in examples and tests."""
    address = _address(ip)
    return address is not None and _internal(address)


def reset() -> None:
    """Close the database and forget failures (tests; a replaced file)."""
    global _reader, _reader_path, _failed_path
    with _lock:
        if _reader is not None:
            with contextlib.suppress(Exception):  # closing is best effort
                _reader.close()
        _reader = _reader_path = _failed_path = None


def _address(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except (TypeError, ValueError, AttributeError):
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:a.b.c.d is an IPv4 client
    return address


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in net for net in _INTERNAL_NETWORKS)


def _public_address(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    address = _address(ip)
    if address is None or address.is_multicast or _internal(address):
        return None
    return address


def _get_reader() -> Any:
    global _reader, _reader_path, _failed_path
    path = settings().geoip_db
    if not path:
        return None
    if _reader is not None and _reader_path == path:
        return _reader
    if _failed_path == path:
        return None
    with _lock:
        if _reader is not None and _reader_path == path:
            return _reader
        import maxminddb

        try:
            reader = maxminddb.open_database(path, maxminddb.MODE_AUTO)
        except Exception:  # missing file, not an mmdb, permissions
            log.warning("geoip: cannot open the database configured in PORTAL_GEOIP_DB")
            _failed_path = path
            return None
        if _reader is not None:
            _reader.close()
        _reader, _reader_path, _failed_path = reader, path, None
        return reader


def _name(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return None
    names = entry.get("names")
    if not isinstance(names, dict):
        return None
    name = names.get("en") or names.get("fr")
    return (name.strip() or None) if isinstance(name, str) else None


def _location(record: dict[str, Any]) -> LocationOut | None:
    subdivisions = record.get("subdivisions")
    country = record.get("country")
    code = country.get("iso_code") if isinstance(country, dict) else None
    return make_location(
        city=_name(record.get("city")),
        region=_name(subdivisions[0]) if isinstance(subdivisions, list) and subdivisions else None,
        country=_name(country),
        country_code=code if isinstance(code, str) and code else None,
    )


def make_location(
    *, city: str | None, region: str | None, country: str | None, country_code: str | None
) -> LocationOut | None:
    """The location object of the API (shared with the CloudFront-header path).

    ``label`` joins city, region and country with ", ", or is the country code
    when that is all there is; None when nothing at all is known.
    """
    if not (city or region or country or country_code):
        return None
    return {
        "city": city,
        "region": region,
        "country": country,
        "country_code": country_code,
        "label": ", ".join(part for part in (city, region, country) if part) or country_code,
    }
