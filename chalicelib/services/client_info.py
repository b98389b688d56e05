"""Who is on the other end of a request: client IP and approximate location,
as recorded on a session.

Rules (docs/design.md, "Sessions"): the client IP comes from the API Gateway
request context; ``X-Forwarded-For`` only counts behind configured trusted
proxies (``PORTAL_TRUSTED_PROXIES``); CloudFront's viewer headers only count
when ``PORTAL_TRUST_CLOUDFRONT_HEADERS`` is on; location comes from CloudFront
when trusted, else from the MaxMind-format database when configured, else it
is None.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import unquote

from chalicelib.adapters import geoip
from chalicelib.config import settings

if TYPE_CHECKING:
    from chalicelib.schemas.sessions import LocationOut

_MAX_TEXT = 128  # longest place name we keep from a header


def client_ip(source_ip: str | None, headers: Mapping[str, object] | None) -> str:
    """The client's IP address, normalised (``ipaddress`` form), or ``""``
    when nothing usable is known (never a made-up address such as 0.0.0.0).

    ``source_ip`` is ``requestContext.identity.sourceIp``: the address that
    opened the connection to API Gateway. Header names are matched without
    regard to case, so Chalice's header mapping and plain dicts both work.

    1. ``PORTAL_TRUST_CLOUDFRONT_HEADERS`` on and a valid
       ``CloudFront-Viewer-Address`` (``ip:port``; split on the last colon, so
       ``2001:db8::1:443`` gives ``2001:db8::1``): that address.
    2. ``PORTAL_TRUSTED_PROXIES`` = 0 (default): ``source_ip``.
       ``X-Forwarded-For`` is ignored entirely: anyone can send it.
    3. N >= 1 trusted proxies: build the hop list ``X-Forwarded-For`` entries
       (left to right, every X-Forwarded-For header comma-joined) +
       ``[source_ip]``, and take the entry N+1 from the right,
       ``hops[-(N + 1)]`` (the leftmost entry when the list is shorter). The
       N rightmost hops are our own proxies: each trusted proxy *appends* the
       address it received the connection from, so the entry just left of
       them was written by the outermost trusted proxy and is the address
       that connected to it, i.e. the client. Everything further left was
       sent by the client and is never used. If the chosen entry is not a
       valid IP, ``source_ip`` is used.

       Example, N = 1 (e.g. CloudFront in front of the API): a client at
       198.51.100.7 sends ``X-Forwarded-For: 6.6.6.6``; CloudFront appends
       what it saw, so we receive ``X-Forwarded-For: 6.6.6.6, 198.51.100.7``
       from source 10.0.0.1 (the proxy). Hops: ``[6.6.6.6, 198.51.100.7,
       10.0.0.1]``; ``hops[-2]`` = ``198.51.100.7``. The forged 6.6.6.6 is
       never picked, however many entries the client adds.

    This is only sound if the API cannot be reached except through those N
    proxies (someone connecting directly could otherwise write the entries
    the proxies are trusted for); configure N to match the deployment.
    """
    headers = headers or {}
    config = settings()
    if config.trust_cloudfront_headers:
        viewer = _header(headers, "CloudFront-Viewer-Address")
        if viewer:
            viewer = viewer.strip()
            host = viewer.rpartition(":")[0] if ":" in viewer else viewer
            address = _normalise(host.strip("[]"))
            if address:
                return address
    source = _normalise(source_ip)
    if config.trusted_proxies <= 0:
        return source
    forwarded = _header(headers, "X-Forwarded-For")
    if not forwarded:
        return source
    hops = [entry.strip() for entry in forwarded.split(",")]
    hops.append(source_ip or "")
    chosen = hops[max(0, len(hops) - (config.trusted_proxies + 1))]
    return _normalise(chosen) or source


def client_location(ip: str, headers: Mapping[str, object] | None) -> LocationOut | None:
    """``{"city", "region", "country", "country_code", "label"}`` or None.

    With ``PORTAL_TRUST_CLOUDFRONT_HEADERS`` on and any of
    ``CloudFront-Viewer-City``, ``-Country-Region-Name``, ``-Country-Name``,
    ``-Country`` present, the location is built from them (values may arrive
    percent-encoded or as UTF-8 read as Latin-1; both are repaired). Otherwise
    the configured MaxMind-format database is asked about ``ip``
    (``geoip.lookup``); None when there is none or it knows nothing.
    """
    headers = headers or {}
    if settings().trust_cloudfront_headers:
        code = _header_text(headers, "CloudFront-Viewer-Country")
        location = geoip.make_location(
            city=_header_text(headers, "CloudFront-Viewer-City"),
            region=_header_text(headers, "CloudFront-Viewer-Country-Region-Name"),
            country=_header_text(headers, "CloudFront-Viewer-Country-Name"),
            country_code=code.upper() if code and len(code) == 2 and code.isalpha() else None,
        )
        if location:
            return location
    return geoip.lookup(ip) if ip else None


def _normalise(value: str | None) -> str:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return ""


def _header(headers: Mapping[str, object], name: str) -> str | None:
    """The header's value, whatever the case of its name; repeated headers
    (case variants in a plain dict, or a list value) are comma-joined in
    order, as HTTP defines."""
    wanted = name.lower()
    values: list[str] = []
    for key, value in headers.items():
        if key.lower() != wanted or value is None:
            continue
        if isinstance(value, list | tuple):
            values.extend(str(item) for item in value)
        else:
            values.append(str(value))
    return ",".join(values) if values else None


def _header_text(headers: Mapping[str, object], name: str) -> str | None:
    """A human-readable header value (a place name), decoded leniently."""
    value = (_header(headers, name) or "").strip()
    if not value:
        return None
    if "%" in value:
        # Percent-encoded UTF-8; if it does not decode, keep it as sent.
        with contextlib.suppress(UnicodeDecodeError):
            value = unquote(value, errors="strict")
    if any("\x80" <= char <= "\xff" for char in value):
        # UTF-8 bytes that were decoded as Latin-1 ("MontrÃ©al"); genuine
        # Latin-1 text or proper Unicode fails to round-trip and is kept.
        with contextlib.suppress(UnicodeError):
            value = value.encode("latin-1").decode("utf-8")
    value = "".join(char for char in value if char.isprintable()).strip()
    return value[:_MAX_TEXT] or None
