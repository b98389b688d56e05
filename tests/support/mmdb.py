"""A small MaxMind-format City database for tests, written with mmdb_writer
(a dev-only dependency; never imported by ``chalicelib``).

The layout matches GeoLite2-City: an IPv6 tree with the IPv4 space at
``::/96`` (so both IPv4 and IPv6 addresses can be looked up), database type
"GeoLite2-City", records shaped like MaxMind's (``city``, ``subdivisions``,
``country``, each with ``names`` per language). Strings are stored as UTF-8.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mmdb_writer import MMDBWriter
from netaddr import IPNetwork, IPSet

MONTREAL: dict[str, Any] = {
    "city": {"geoname_id": 6077243, "names": {"en": "Montréal", "fr": "Montréal"}},
    "subdivisions": [{"iso_code": "QC", "names": {"en": "Quebec", "fr": "Québec"}}],
    "country": {"iso_code": "CA", "names": {"en": "Canada", "fr": "Canada"}},
    "location": {"latitude": 45.5088, "longitude": -73.5878, "time_zone": "America/Toronto"},
}


def build_city_mmdb(path: str | Path, entries: dict[str, dict]) -> Path:
    """Write a City database mapping each CIDR (``"203.0.113.0/24"``,
    ``"2001:db8:1::/48"``) to its record; returns the path.

    Overlapping networks are allowed: insert the larger one first and the
    smaller one (more specific) wins inside it.
    """
    writer = MMDBWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type="GeoLite2-City",
        languages=["en", "fr"],
        description={"en": "Test City database", "fr": "Base de villes de test"},
    )

    def specificity(item: tuple[str, dict]) -> int:  # prefix length in the IPv6 tree
        network = IPNetwork(item[0])
        return network.prefixlen + (96 if network.version == 4 else 0)

    ordered = sorted(entries.items(), key=specificity)
    for cidr, record in ordered:
        writer.insert_network(IPSet([cidr]), record)
    path = Path(path)
    writer.to_db_file(str(path))
    return path
