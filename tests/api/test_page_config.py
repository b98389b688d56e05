"""GET /config and GET /timezones: what the page reads instead of keeping copies."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from chalicelib import limits, profile_facts
from chalicelib.config import DATE_FORMATS, LANGUAGES, TIME_FORMATS, settings
from chalicelib.services.timezones import timezones


def test_config_is_public_and_reads_the_server_declarations(client, monkeypatch):
    monkeypatch.setenv("PORTAL_DEFAULT_TIMEZONE", "America/Vancouver")
    monkeypatch.setenv("PORTAL_DEFAULT_DATE_FORMAT", "DD/MM/YYYY")
    settings.cache_clear()
    response = client.http.get("/config")
    assert response.status_code == 200
    body = response.json_body
    assert body["defaults"] == {
        "language": settings().default_language,
        "date_format": "DD/MM/YYYY",
        "time_format": settings().default_time_format,
        "timezone": "America/Vancouver",
    }
    assert body["choices"] == {
        "languages": list(LANGUAGES),
        "date_formats": list(DATE_FORMATS),
        "time_formats": list(TIME_FORMATS),
    }
    served = body["limits"]
    assert served["name_max_length"] == profile_facts.NAME_MAX_LENGTH == 100
    assert served["phone_max_length"] == limits.PHONE_MAX_LENGTH
    assert served["code_digits"] == limits.CODE_DIGITS == 6
    assert served["code_lifetime_seconds"] == 600
    assert served["email_max_length"] == 254
    assert served["session_lifetime_days"] == 90


def test_new_account_gets_the_advertised_defaults(client, outbox):
    from tests.api.test_auth import seed_record, sign_in

    seed_record()
    defaults = client.http.get("/config").json_body["defaults"]
    created = sign_in(client, outbox, "camille@example.com").json_body["profile"]
    assert created["date_format"] == defaults["date_format"]
    assert created["time_format"] == defaults["time_format"]
    assert created["timezone"] == defaults["timezone"]


def test_config_and_timezones_are_in_openapi(client):
    paths = client.http.get("/openapi.json").json_body["paths"]
    assert "security" not in paths["/config"]["get"] or paths["/config"]["get"]["security"] == []
    assert paths["/config"]["get"]["responses"]["200"]
    params = {p["name"] for p in paths["/timezones"]["get"].get("parameters", [])}
    assert "lang" in params


def zone(body, zone_id):
    return next(entry for entry in body["zones"] if entry["id"] == zone_id)


def test_timezones_in_french_name_cities_and_countries_with_offsets(client):
    response = client.http.get("/timezones?lang=fr")
    assert response.status_code == 200
    body = response.json_body
    assert body["language"] == "fr"
    toronto = zone(body, "America/Toronto")
    assert toronto["label"] == "Toronto (Canada)"
    assert toronto["offset"] in ("UTC\u221205:00", "UTC\u221204:00")  # winter / summer
    assert {"Montréal", "Québec", "Ottawa", "Montreal"} <= set(toronto["aliases"])
    assert zone(body, "Asia/Kolkata")["label"] == "Calcutta (Inde)"
    assert zone(body, "Asia/Kolkata")["offset"] == "UTC+05:30"
    assert zone(body, "UTC")["offset"] == "UTC+00:00"
    ids = [entry["id"] for entry in body["zones"]]
    assert "America/Montreal" not in ids  # a link: found as Toronto's alias
    assert len(ids) == len(set(ids)) > 400
    assert all(entry["id"] in profile_facts.zone_names() for entry in body["zones"])


def test_timezones_follow_accept_language_and_lang(client):
    english = client.http.get("/timezones", headers={"Accept-Language": "en-CA"}).json_body
    assert english["language"] == "en"
    assert zone(english, "America/St_Johns")["label"].endswith("(Canada)")
    assert zone(english, "Europe/Berlin")["label"] == "Berlin (Germany)"
    french = client.http.get("/timezones?lang=fr", headers={"Accept-Language": "en"}).json_body
    assert zone(french, "Europe/Berlin")["label"] == "Berlin (Allemagne)"
    bad = client.http.get("/timezones?lang=de")
    assert bad.status_code == 422
    assert bad.json_body["error"]["fields"] == {"lang": "invalid_choice"}


def test_timezones_sorted_by_offset_and_offsets_follow_the_date():
    winter = timezones("fr", datetime(2026, 1, 15, 12, tzinfo=UTC))
    summer = timezones("fr", datetime(2026, 7, 15, 12, tzinfo=UTC))
    assert zone(winter, "America/Toronto")["offset"] == "UTC\u221205:00"
    assert zone(summer, "America/Toronto")["offset"] == "UTC\u221204:00"
    assert zone(winter, "America/St_Johns")["offset"] == "UTC\u221203:30"

    def minutes(label: str) -> int:
        sign = -1 if label[3] == "\u2212" else 1
        return sign * (int(label[4:6]) * 60 + int(label[7:9]))

    offsets = [minutes(entry["offset"]) for entry in winter["zones"]]
    assert offsets == sorted(offsets)


def test_timezones_answer_is_utf8_json_as_built(client):
    response = client.http.get("/timezones?lang=fr")
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "UTC−05:00".encode() in response.body  # not escaped as \\u2212
    assert json.loads(response.body) == timezones("fr")
