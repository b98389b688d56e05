"""Who is on the other end of a request: user agent, client IP, location."""

from __future__ import annotations

import logging

import pytest
from chalice.app import CaseInsensitiveMapping

from chalicelib.adapters import geoip
from chalicelib.adapters.useragent import DeviceInfo, describe
from chalicelib.config import settings
from chalicelib.services.client_info import client_ip, client_location
from tests.support.mmdb import MONTREAL, build_city_mmdb

# Real User-Agent strings, as the browsers send them.
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
# Chrome on Android sends the "reduced" UA: fixed "Android 10; K", no model.
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
ANDROID_SAMSUNG_WEBVIEW_MODEL = (
    "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36"
)
WINDOWS_EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
MAC_FIREFOX = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0"
IPAD_SAFARI = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
ANDROID_TABLET_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
GOOGLEBOT_SMARTPHONE = (
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.6778.139 Mobile Safari/537.36 "
    "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
)
LINUX_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
CHROMEBOOK = (
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)

MONTREAL_LOCATION = {
    "city": "Montréal",
    "region": "Quebec",
    "country": "Canada",
    "country_code": "CA",
    "label": "Montréal, Quebec, Canada",
}


@pytest.fixture
def configure(monkeypatch):
    """Set PORTAL_* variables for one test; settings and the open geoip
    database are reset before and after."""
    for name in ("PORTAL_GEOIP_DB", "PORTAL_TRUSTED_PROXIES", "PORTAL_TRUST_CLOUDFRONT_HEADERS"):
        monkeypatch.delenv(name, raising=False)
    settings.cache_clear()
    geoip.reset()

    def apply(**env: str) -> None:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings.cache_clear()

    yield apply
    settings.cache_clear()
    geoip.reset()


@pytest.fixture
def city_db(tmp_path):
    return build_city_mmdb(
        tmp_path / "city.mmdb",
        {
            "203.0.113.0/24": MONTREAL,
            # A smaller network inside it: the more specific record wins.
            "203.0.113.128/25": {
                "city": {"names": {"en": "Quebec City", "fr": "Québec"}},
                "subdivisions": [{"iso_code": "QC", "names": {"en": "Quebec", "fr": "Québec"}}],
                "country": {"iso_code": "CA", "names": {"en": "Canada", "fr": "Canada"}},
            },
            # Only French names: fall back to them.
            "198.51.100.0/24": {
                "city": {"names": {"fr": "Genève"}},
                "country": {"iso_code": "CH", "names": {"fr": "Suisse"}},
            },
            "2001:db8:1::/48": {
                "city": {"names": {"en": "Paris", "fr": "Paris"}},
                "subdivisions": [{"iso_code": "IDF", "names": {"en": "Île-de-France"}}],
                "country": {"iso_code": "FR", "names": {"en": "France", "fr": "France"}},
            },
            # Private ranges never get looked up, even if a database has them.
            "10.0.0.0/8": MONTREAL,
        },
    )


# --- user agents -------------------------------------------------------------


def test_iphone_safari():
    assert describe(IPHONE_SAFARI) == DeviceInfo(
        "mobile", "iPhone", "iOS 17.4", "Mobile Safari 17.4"
    )


def test_android_chrome_phone():
    assert describe(ANDROID_CHROME) == DeviceInfo(
        "mobile", None, "Android 10", "Chrome Mobile 131.0"
    )
    info = describe(ANDROID_SAMSUNG_WEBVIEW_MODEL)
    assert info.type == "mobile"
    assert info.name == "Samsung SM-S911B"
    assert info.os == "Android 14"
    assert info.browser == "Chrome Mobile 124.0"


def test_windows_edge():
    assert describe(WINDOWS_EDGE) == DeviceInfo("desktop", None, "Windows", "Edge 131.0")


def test_mac_firefox():
    # Browsers freeze macOS at 10.15 in the User-Agent: shown as today's name, no version.
    assert describe(MAC_FIREFOX) == DeviceInfo("desktop", "Mac", "macOS", "Firefox 133.0")


@pytest.mark.parametrize("ua", [LINUX_CHROME, CHROMEBOOK])
def test_other_desktops(ua):
    assert describe(ua).type == "desktop"


def test_tablets():
    assert describe(IPAD_SAFARI) == DeviceInfo("tablet", "iPad", "iOS 17.4", "Mobile Safari 17.4")
    # Android without the "Mobile" token is a tablet.
    info = describe(ANDROID_TABLET_CHROME)
    assert info.type == "tablet"
    assert info.os == "Android 14"
    assert info.browser == "Chrome 131.0"


@pytest.mark.parametrize("ua", [GOOGLEBOT, GOOGLEBOT_SMARTPHONE])
def test_bots(ua):
    info = describe(ua)
    assert info.type == "bot"
    assert info.name is None
    assert info.browser == "Googlebot 2.1"


@pytest.mark.parametrize("ua", [None, "", "   ", "garbage", "\x00\x01", 42])
def test_empty_or_unknown(ua):
    assert describe(ua) == DeviceInfo("other", None, None, None)


def test_http_library_is_other():
    info = describe("curl/8.5.0")
    assert info.type == "other"
    assert info.browser == "curl 8.5"


def test_long_input_is_capped_and_results_cached():
    huge = IPHONE_SAFARI + " x" * 100_000
    assert describe(huge).type == "mobile"
    assert describe(WINDOWS_EDGE) is describe(WINDOWS_EDGE)


# --- client IP ---------------------------------------------------------------


def test_forwarded_for_ignored_without_trusted_proxies(configure):
    configure()
    headers = {"X-Forwarded-For": "6.6.6.6"}
    assert client_ip("198.51.100.7", headers) == "198.51.100.7"
    configure(PORTAL_TRUSTED_PROXIES="0")
    assert client_ip("198.51.100.7", {"X-Forwarded-For": "6.6.6.6, 7.7.7.7"}) == "198.51.100.7"


def test_one_trusted_proxy_takes_what_it_appended(configure):
    configure(PORTAL_TRUSTED_PROXIES="1")
    # Hops: [1.2.3.4, 203.0.113.9, 10.0.0.1]; the proxy (10.0.0.1) appended
    # 203.0.113.9, the address that connected to it.
    headers = {"X-Forwarded-For": "1.2.3.4, 203.0.113.9"}
    assert client_ip("10.0.0.1", headers) == "203.0.113.9"


def test_forged_forwarded_for_through_one_proxy_is_never_picked(configure):
    configure(PORTAL_TRUSTED_PROXIES="1")
    # The client at 198.51.100.7 sent "X-Forwarded-For: 6.6.6.6"; the proxy appended.
    assert client_ip("10.0.0.1", {"X-Forwarded-For": "6.6.6.6, 198.51.100.7"}) == "198.51.100.7"
    # However many entries the client forges.
    forged = {"X-Forwarded-For": "6.6.6.6, 7.7.7.7, 8.8.8.8, 198.51.100.7"}
    assert client_ip("10.0.0.1", forged) == "198.51.100.7"


def test_two_trusted_proxies(configure):
    configure(PORTAL_TRUSTED_PROXIES="2")
    headers = {"X-Forwarded-For": "6.6.6.6, 198.51.100.7, 10.0.0.2"}
    assert client_ip("10.0.0.1", headers) == "198.51.100.7"
    # Shorter than N + 1: the leftmost entry.
    assert client_ip("10.0.0.1", {"X-Forwarded-For": "198.51.100.7"}) == "198.51.100.7"


def test_trusted_proxy_without_forwarded_for_uses_source(configure):
    configure(PORTAL_TRUSTED_PROXIES="1")
    assert client_ip("198.51.100.7", {}) == "198.51.100.7"
    assert client_ip("198.51.100.7", None) == "198.51.100.7"


@pytest.mark.parametrize("entry", ["not-an-ip", "", "198.51.100.7:443", "unknown"])
def test_invalid_forwarded_entry_falls_back_to_source(configure, entry):
    configure(PORTAL_TRUSTED_PROXIES="1")
    headers = {"X-Forwarded-For": f"6.6.6.6, {entry}"}
    assert client_ip("10.0.0.1", headers) == "10.0.0.1"


def test_header_names_are_case_insensitive(configure):
    configure(PORTAL_TRUSTED_PROXIES="1")
    assert client_ip("10.0.0.1", {"x-forwarded-for": "198.51.100.7"}) == "198.51.100.7"
    chalice_headers = CaseInsensitiveMapping({"X-FORWARDED-FOR": "6.6.6.6, 198.51.100.7"})
    assert client_ip("10.0.0.1", chalice_headers) == "198.51.100.7"
    # Several X-Forwarded-For headers count as one, comma-joined.
    assert client_ip("10.0.0.1", {"X-Forwarded-For": ["6.6.6.6", "198.51.100.7"]}) == (
        "198.51.100.7"
    )


def test_addresses_are_normalised_and_never_invented(configure):
    configure()
    assert client_ip("2001:DB8:0::0:1", {}) == "2001:db8::1"
    assert client_ip(None, {}) == ""
    assert client_ip("garbage", {"X-Forwarded-For": "198.51.100.7"}) == ""
    configure(PORTAL_TRUSTED_PROXIES="1")
    assert client_ip(None, {"X-Forwarded-For": "198.51.100.7"}) == "198.51.100.7"


def test_cloudfront_viewer_address_only_when_trusted(configure):
    headers = {"CloudFront-Viewer-Address": "198.51.100.7:46532", "X-Forwarded-For": "6.6.6.6"}
    configure()
    assert client_ip("10.0.0.1", headers) == "10.0.0.1"
    configure(PORTAL_TRUST_CLOUDFRONT_HEADERS="true")
    assert client_ip("10.0.0.1", headers) == "198.51.100.7"
    # IPv6: split on the last colon.
    assert client_ip("10.0.0.1", {"cloudfront-viewer-address": "2001:db8::1:443"}) == "2001:db8::1"
    # Unusable header: the ordinary rule.
    assert client_ip("10.0.0.1", {"CloudFront-Viewer-Address": "nonsense"}) == "10.0.0.1"


# --- location ----------------------------------------------------------------


def test_lookup_from_city_database(configure, city_db):
    configure(PORTAL_GEOIP_DB=str(city_db))
    assert geoip.lookup("203.0.113.9") == MONTREAL_LOCATION
    assert geoip.lookup("203.0.113.200")["city"] == "Quebec City"
    assert geoip.lookup("::ffff:203.0.113.9") == MONTREAL_LOCATION
    assert geoip.lookup("2001:db8:1::42") == {
        "city": "Paris",
        "region": "Île-de-France",
        "country": "France",
        "country_code": "FR",
        "label": "Paris, Île-de-France, France",
    }


def test_lookup_falls_back_to_french_names(configure, city_db):
    configure(PORTAL_GEOIP_DB=str(city_db))
    assert geoip.lookup("198.51.100.1") == {
        "city": "Genève",
        "region": None,
        "country": "Suisse",
        "country_code": "CH",
        "label": "Genève, Suisse",
    }


@pytest.mark.parametrize("ip", ["192.0.2.1", "2001:db8:2::1"])
def test_unknown_ip_has_no_location(configure, city_db, ip):
    configure(PORTAL_GEOIP_DB=str(city_db))
    assert geoip.lookup(ip) is None


@pytest.mark.parametrize(
    "ip", ["10.1.2.3", "127.0.0.1", "192.168.1.10", "172.16.0.1", "::1", "fd00::1", "fe80::1"]
)
def test_private_ips_are_not_looked_up(configure, city_db, ip):
    configure(PORTAL_GEOIP_DB=str(city_db))
    assert geoip.lookup(ip) is None


@pytest.mark.parametrize("ip", ["", "nope", "300.1.1.1", None])
def test_invalid_ip_has_no_location(configure, city_db, ip):
    configure(PORTAL_GEOIP_DB=str(city_db))
    assert geoip.lookup(ip) is None


def test_no_database_configured(configure):
    configure()
    assert geoip.lookup("203.0.113.9") is None


def test_unreadable_database_logs_without_the_ip(configure, tmp_path, caplog):
    broken = tmp_path / "broken.mmdb"
    broken.write_bytes(b"this is not a MaxMind database")
    configure(PORTAL_GEOIP_DB=str(broken))
    with caplog.at_level(logging.WARNING, logger="portal.geoip"):
        assert geoip.lookup("203.0.113.9") is None
        assert geoip.lookup("203.0.113.9") is None
    assert len(caplog.records) == 1  # logged once, not on every request
    assert "203.0.113" not in caplog.text
    configure(PORTAL_GEOIP_DB=str(tmp_path / "missing.mmdb"))
    assert geoip.lookup("203.0.113.9") is None


def test_client_location_from_database(configure, city_db):
    configure(PORTAL_GEOIP_DB=str(city_db))
    assert client_location("203.0.113.9", {}) == MONTREAL_LOCATION
    assert client_location("", {}) is None
    assert client_location("192.0.2.1", {}) is None


CLOUDFRONT_GEO = {
    "CloudFront-Viewer-City": "Montréal",
    "CloudFront-Viewer-Country-Region-Name": "Quebec",
    "CloudFront-Viewer-Country-Name": "Canada",
    "CloudFront-Viewer-Country": "CA",
}
TORONTO = {
    "cloudfront-viewer-city": "Toronto",
    "cloudfront-viewer-country-region-name": "Ontario",
    "cloudfront-viewer-country-name": "Canada",
    "cloudfront-viewer-country": "CA",
}


def test_cloudfront_location_only_when_trusted(configure, city_db):
    configure(PORTAL_GEOIP_DB=str(city_db))
    assert client_location("203.0.113.9", TORONTO) == MONTREAL_LOCATION
    configure(PORTAL_GEOIP_DB="")
    assert client_location("203.0.113.9", CLOUDFRONT_GEO) is None

    configure(PORTAL_GEOIP_DB=str(city_db), PORTAL_TRUST_CLOUDFRONT_HEADERS="1")
    assert client_location("203.0.113.9", TORONTO) == {
        "city": "Toronto",
        "region": "Ontario",
        "country": "Canada",
        "country_code": "CA",
        "label": "Toronto, Ontario, Canada",
    }
    # Trusted but absent: the database.
    assert client_location("203.0.113.9", {}) == MONTREAL_LOCATION


def test_cloudfront_location_without_database(configure):
    configure(PORTAL_TRUST_CLOUDFRONT_HEADERS="true")
    assert client_location("203.0.113.9", CaseInsensitiveMapping(CLOUDFRONT_GEO)) == (
        MONTREAL_LOCATION
    )
    assert client_location("203.0.113.9", {"CloudFront-Viewer-Country": "ca"}) == {
        "city": None,
        "region": None,
        "country": None,
        "country_code": "CA",
        "label": "CA",
    }
    assert client_location("203.0.113.9", {}) is None


@pytest.mark.parametrize(
    "city",
    [
        "Montr%C3%A9al",  # percent-encoded UTF-8
        "Montréal".encode().decode("latin-1"),  # UTF-8 bytes read as Latin-1
        "Montr\xe9al",  # genuine Latin-1, already the right text
    ],
)
def test_cloudfront_city_encodings(configure, city):
    configure(PORTAL_TRUST_CLOUDFRONT_HEADERS="true")
    headers = {**CLOUDFRONT_GEO, "CloudFront-Viewer-City": city}
    assert client_location("203.0.113.9", headers) == MONTREAL_LOCATION
