"""GET/PUT /profile against moto: what a person sees, saves, and what is stored."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.profiles import PROFILE_UPDATE

PUT_BODY = PROFILE_UPDATE


def stored(account_id: str) -> dict[str, Any]:
    from chalicelib.store.accounts import Account

    return Account.get(account_id, consistent_read=True).serialize()


def put(client: Any, headers: dict[str, str], version: Any, **changes: Any) -> Any:
    body = {"version": version, **PUT_BODY, **changes}
    return client.http.put("/profile", headers=headers, body=json.dumps(body))


# ---------------------------------------------------------------- GET


def test_get_profile_shows_the_account(client, signed_in, frozen_clock, dynamodb_calls):
    now = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    from chalicelib.store.accounts import PendingEmail

    account, headers = signed_in(
        first_name="Camille",
        last_name="Tremblay",
        mobile_phone="+15145550123",
        pending_emails=[
            PendingEmail(
                address="c.t@example.net",
                display="C.T@Example.net",
                expires_at=now + timedelta(minutes=10),
                resend_after=now + timedelta(minutes=1),
            ),
            PendingEmail(
                address="old@example.net",
                display="old@example.net",
                expires_at=now - timedelta(seconds=1),
                resend_after=now - timedelta(minutes=9),
            ),
        ],
    )
    dynamodb_calls.clear()

    response = client.http.get("/profile", headers=headers)

    assert response.status_code == 200
    assert response.json_body == {
        "account_id": account.account_id,
        "first_name": "Camille",
        "last_name": "Tremblay",
        "photo": None,
        "mobile_phone": {
            "e164": "+15145550123",
            "national": "(514) 555-0123",
            "international": "+1 514-555-0123",
        },
        "home_phone": None,
        "language": "fr",
        "date_format": "YYYY-MM-DD",
        "time_format": "24h",
        "timezone": "America/Toronto",
        "emails": [{"address": "camille@example.com", "verified_at": "2026-11-26T15:00:00Z"}],
        "pending_emails": [
            {
                "address": "C.T@Example.net",
                "expires_at": "2026-11-26T15:10:00Z",
                "resend_after": "2026-11-26T15:01:00Z",
            }
        ],
        "version": 1,
        "updated_at": "2026-11-26T15:00:00Z",
    }
    # The session read (authentication) and one account read; nothing written.
    operations = sorted(op for op, _ in dynamodb_calls)
    assert operations == ["GetItem", "GetItem"]
    assert {table.rsplit("-", 1)[-1] for _, table in dynamodb_calls} == {"sessions", "accounts"}


def test_profile_needs_a_session(client, aws_env):
    assert client.http.get("/profile").status_code == 401
    response = client.http.put("/profile", body=json.dumps({"version": 1, **PUT_BODY}))
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "unauthenticated"


# ---------------------------------------------------------------- PUT: success


def test_save_then_read_back(client, signed_in, frozen_clock):
    account, headers = signed_in(first_name="Camille", home_phone="+15145550199")
    frozen_clock(datetime(2026, 11, 27, 9, 30, tzinfo=UTC))

    response = put(
        client,
        headers,
        1,
        first_name="  Zoë ",
        last_name="Ngô",
        mobile_phone="+33 6 12 34 56 78",
        home_phone="+33 1 42 68 53 00",
        language="en",
        date_format="D MMMM YYYY",
        time_format="12h",
        timezone="Europe/Paris",
    )

    assert response.status_code == 200, response.json_body
    saved = response.json_body
    assert saved["version"] == 2
    assert saved["updated_at"] == "2026-11-27T09:30:00Z"
    assert saved["first_name"] == "Zoë"
    assert saved["mobile_phone"] == {
        "e164": "+33612345678",
        "national": "06 12 34 56 78",
        "international": "+33 6 12 34 56 78",
    }
    assert saved["home_phone"]["e164"] == "+33142685300"
    again = client.http.get("/profile", headers=headers).json_body
    assert again == saved
    assert (again["language"], again["date_format"], again["time_format"], again["timezone"]) == (
        "en",
        "D MMMM YYYY",
        "12h",
        "Europe/Paris",
    )
    item = stored(account.account_id)
    assert item["mobile_phone"] == {"S": "+33612345678"}
    assert item["language"] == {"S": "en"}
    # The emails are untouched by a profile save.
    assert again["emails"] == [
        {"address": "camille@example.com", "verified_at": "2026-11-26T15:00:00Z"}
    ]


@pytest.mark.parametrize(
    "typed", ["514 555 0123", "(514) 555-0123", "+1 514-555-0123", "5145550123", "1-514-555-0123"]
)
def test_a_number_typed_any_way_is_stored_in_e164(client, signed_in, typed):
    account, headers = signed_in()
    response = put(client, headers, 1, mobile_phone=typed, home_phone=typed)
    assert response.status_code == 200, response.json_body
    expected = {
        "e164": "+15145550123",
        "national": "(514) 555-0123",
        "international": "+1 514-555-0123",
    }
    assert response.json_body["mobile_phone"] == expected
    assert response.json_body["home_phone"] == expected
    item = stored(account.account_id)
    assert item["mobile_phone"] == item["home_phone"] == {"S": "+15145550123"}


def test_french_mobile_refused_without_country_code_accepted_with_it(client, signed_in):
    _, headers = signed_in()
    refused = put(client, headers, 1, mobile_phone="06 12 34 56 78")
    assert refused.status_code == 422
    assert refused.json_body["error"]["fields"] == {"mobile_phone": "invalid_phone"}
    accepted = put(client, headers, 1, mobile_phone="+33 6 12 34 56 78")
    assert accepted.status_code == 200
    assert accepted.json_body["mobile_phone"]["e164"] == "+33612345678"


def test_toll_free_is_not_a_mobile_but_a_fixed_line_is_a_home_phone(client, signed_in):
    account, headers = signed_in()
    refused = put(client, headers, 1, mobile_phone="+1 800 253 0000")
    assert refused.status_code == 422
    assert refused.json_body["error"]["fields"] == {"mobile_phone": "not_mobile"}
    assert "mobile_phone" not in stored(account.account_id)

    accepted = put(client, headers, 1, mobile_phone=None, home_phone="+33 1 42 68 53 00")
    assert accepted.status_code == 200
    assert accepted.json_body["home_phone"]["international"] == "+33 1 42 68 53 00"
    assert accepted.json_body["mobile_phone"] is None


@pytest.mark.parametrize("cleared", [None, "", "  "])
def test_null_or_empty_clears_a_phone(client, signed_in, cleared):
    account, headers = signed_in(mobile_phone="+15145550123", home_phone="+15145550199")
    response = put(client, headers, 1, mobile_phone=cleared, home_phone=cleared)
    assert response.status_code == 200
    assert response.json_body["mobile_phone"] is None
    assert response.json_body["home_phone"] is None
    item = stored(account.account_id)
    assert "mobile_phone" not in item and "home_phone" not in item


def test_a_missing_phone_clears_it_too(client, signed_in):
    account, headers = signed_in(mobile_phone="+15145550123")
    body = {"version": 1, **PUT_BODY}
    del body["mobile_phone"], body["home_phone"]
    response = client.http.put("/profile", headers=headers, body=json.dumps(body))
    assert response.status_code == 200
    assert response.json_body["mobile_phone"] is None
    assert "mobile_phone" not in stored(account.account_id)


@pytest.mark.parametrize(
    "name",
    [
        "Zoë",
        "Ngô",
        "O’Brien",
        "Jean-Éric",
        "山田",
        "Zoe\u0308",
        "Nguye\u0302\u0303n",
        "q\u0323\u0307",
    ],
)
def test_names_in_any_script_are_saved_nfc(client, signed_in, name):
    import unicodedata

    _, headers = signed_in()
    response = put(client, headers, 1, first_name=name, last_name=name)
    assert response.status_code == 200, response.json_body
    expected = unicodedata.normalize("NFC", name)
    assert response.json_body["first_name"] == response.json_body["last_name"] == expected
    assert client.http.get("/profile", headers=headers).json_body["first_name"] == expected


# ---------------------------------------------------------------- PUT: refused


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"first_name": "R2D2"}, {"first_name": "invalid_characters"}),
        ({"last_name": "Tremblay 🙂"}, {"last_name": "invalid_characters"}),
        ({"first_name": "C" + "\u0301" * 50}, {"first_name": "invalid_characters"}),
        ({"last_name": "Zalgo" + "\u0336\u0337\u0338"}, {"last_name": "invalid_characters"}),
        ({"first_name": "   "}, {"first_name": "required"}),
        ({"last_name": None}, {"last_name": "required"}),
        ({"first_name": "A" * 101}, {"first_name": "too_long"}),
        ({"mobile_phone": "12"}, {"mobile_phone": "invalid_phone"}),
        ({"home_phone": "call me"}, {"home_phone": "invalid_phone"}),
        ({"language": "es"}, {"language": "invalid_choice"}),
        ({"date_format": "DD-MM-YY"}, {"date_format": "invalid_choice"}),
        ({"time_format": "am/pm"}, {"time_format": "invalid_choice"}),
        ({"timezone": "Eastern"}, {"timezone": "invalid_choice"}),
        ({"version": None}, {"version": "required"}),
    ],
)
def test_each_reason(client, signed_in, changes, fields):
    account, headers = signed_in(first_name="Camille")
    before = stored(account.account_id)
    response = put(client, headers, **{"version": 1, **changes})
    assert response.status_code == 422
    error = response.json_body["error"]
    assert error["code"] == "validation_failed"
    assert error["fields"] == fields
    assert error["message"] == "Certains champs ne sont pas valides."
    assert stored(account.account_id) == before


def test_every_failing_field_at_once_and_nothing_written(client, signed_in):
    account, headers = signed_in(first_name="Camille")
    before = stored(account.account_id)
    response = client.http.put(
        "/profile",
        headers=headers,
        body=json.dumps(
            {
                "version": 1,
                "first_name": "C4mille",
                "last_name": "",
                "mobile_phone": "1-800-253-0000",
                "home_phone": "0",
                "language": "de",
                "date_format": "?",
                "time_format": "25h",
                "timezone": "Moon/Base",
            }
        ),
    )
    assert response.status_code == 422
    assert response.json_body["error"]["fields"] == {
        "first_name": "invalid_characters",
        "last_name": "required",
        "mobile_phone": "not_mobile",
        "home_phone": "invalid_phone",
        "language": "invalid_choice",
        "date_format": "invalid_choice",
        "time_format": "invalid_choice",
        "timezone": "invalid_choice",
    }
    assert stored(account.account_id) == before


def test_missing_version_and_fields_are_required(client, signed_in):
    _, headers = signed_in()
    response = client.http.put(
        "/profile", headers=headers, body=json.dumps({"first_name": "Camille"})
    )
    assert response.status_code == 422
    assert response.json_body["error"]["fields"] == {
        "version": "required",
        "last_name": "required",
        "language": "required",
        "date_format": "required",
        "time_format": "required",
        "timezone": "required",
    }


@pytest.mark.parametrize(
    "changes",
    [{"first_name": 12}, {"version": "1"}, {"version": True}, {"mobile_phone": 5145550123}],
)
def test_wrong_json_types_are_400(client, signed_in, changes):
    account, headers = signed_in()
    before = stored(account.account_id)
    response = put(client, headers, **{"version": 1, **changes})
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "malformed_request"
    assert stored(account.account_id) == before


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"'])
def test_bad_bodies_are_400(client, signed_in, raw):
    _, headers = signed_in()
    assert client.http.put("/profile", headers=headers, body=raw).status_code == 400


# ---------------------------------------------------------------- optimistic locking


def test_stale_version_is_a_conflict_and_nothing_is_written(client, signed_in):
    account, headers = signed_in(first_name="Camille")
    assert put(client, headers, 1, first_name="Premier").status_code == 200
    after_first = stored(account.account_id)

    stale = put(client, headers, 1, first_name="Second")

    assert stale.status_code == 409
    assert stale.json_body["error"]["code"] == "version_conflict"
    assert "ailleurs" in stale.json_body["error"]["message"]
    assert stored(account.account_id) == after_first
    assert client.http.get("/profile", headers=headers).json_body["first_name"] == "Premier"
    assert put(client, headers, 2, first_name="Second").json_body["version"] == 3


@pytest.mark.parametrize("version", [0, -1, 10**40])
def test_a_version_that_cannot_match_is_a_conflict(client, signed_in, version):
    account, headers = signed_in()
    before = stored(account.account_id)
    response = put(client, headers, version)
    assert response.status_code == 409
    assert stored(account.account_id) == before


def test_the_write_itself_checks_the_version(signed_in):
    """Two requests that both read version 1 before either writes: the database picks one."""
    from chalicelib.caller import Caller
    from chalicelib.errors import Conflict
    from chalicelib.schemas.profile import ProfileUpdate
    from chalicelib.services.activity import Actor
    from chalicelib.services.profile import save_profile
    from chalicelib.services.sessions import _load_account

    account, _ = signed_in()
    first = Caller(account.account_id, "s_1", "camille@example.com", _load_account)
    second = Caller(account.account_id, "s_2", "camille@example.com", _load_account)
    first.account(), second.account()  # both loaded at version 1

    actor = Actor(account.account_id, "s_1", "camille@example.com", None, None, None)
    saved = save_profile(first, ProfileUpdate(version=1, **{**PUT_BODY, "first_name": "Un"}), actor)
    with pytest.raises(Conflict) as caught:
        save_profile(second, ProfileUpdate(version=1, **{**PUT_BODY, "first_name": "Deux"}), actor)

    assert caught.value.code == "version_conflict"
    assert saved["version"] == 2
    assert stored(account.account_id)["first_name"] == {"S": "Un"}


def test_concurrent_saves_one_wins(client, signed_in, serialised_moto):
    account, headers = signed_in()
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def save(name: str) -> None:
        barrier.wait()
        results[name] = put(client, headers, 1, first_name=name)

    threads = [threading.Thread(target=save, args=(name,)) for name in ("Alice", "Berthe")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(r.status_code for r in results.values())
    assert statuses == [200, 409]
    winner = next(name for name, r in results.items() if r.status_code == 200)
    item = stored(account.account_id)
    assert item["first_name"] == {"S": winner}
    assert item["version"] == {"N": "2"}


def test_a_database_failure_is_503_not_500(client, signed_in, monkeypatch):
    from botocore.exceptions import ClientError
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    def failing_commit(self: Any) -> None:
        error = {"Error": {"Code": "InternalServerError", "Message": "down"}}
        raise TransactWriteError("boom", cause=ClientError(error, "TransactWriteItems"))

    _, headers = signed_in()
    monkeypatch.setattr(TransactWrite, "_commit", failing_commit)
    response = put(client, headers, 1)
    assert response.status_code == 503
    assert response.json_body["error"]["code"] == "unavailable"


# ---------------------------------------------------------------- language


def test_after_switching_to_english_errors_are_in_english(client, signed_in):
    _, headers = signed_in()
    assert put(client, headers, 1, language="en").status_code == 200

    conflict = put(client, headers, 1, language="en")
    assert conflict.status_code == 409
    assert conflict.json_body["error"]["message"] == (
        "Your profile was changed elsewhere in the meantime. Reload it, then save again."
    )
    invalid = put(client, headers, 2, first_name="", language="en")
    assert invalid.json_body["error"]["message"] == "Some fields are not valid."


def test_after_switching_to_english_the_next_code_email_is_in_english(
    client, aws_env, outbox, frozen_clock
):
    """Signed in through the real flow, from a French client record of a first booking."""
    import re

    from chalicelib.store.client_records import ClientRecord

    now = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    ClientRecord(
        "p_clinic",
        "c_1",
        first_name="Camille",
        last_name="Tremblay",
        email="camille@example.com",
        email_display="Camille@Example.com",
        mobile_phone="+15145550123",
        language="fr",
        created_at=now.isoformat(),
        occurred_at=now,
    ).save()

    def code_emails() -> list[dict[str, Any]]:
        return [m for m in outbox()["emails"] if re.search(r"\b\d{6}\b", m["subject"])]

    def request_code() -> str:
        answer = client.http.post("/auth/code", body=json.dumps({"email": "camille@example.com"}))
        assert answer.status_code == 202
        return answer.json_body["flow"]

    flow = request_code()
    (french,) = code_emails()
    assert french["subject"].startswith("Votre code")
    code = re.search(r"\b\d{6}\b", french["subject"]).group()
    login = client.http.post(
        "/auth/login",
        body=json.dumps({"email": "camille@example.com", "code": code, "flow": flow}),
    )
    assert login.status_code == 201, login.json_body
    profile = login.json_body["profile"]
    assert (profile["first_name"], profile["language"]) == ("Camille", "fr")
    assert profile["mobile_phone"]["national"] == "(514) 555-0123"
    headers = {"Authorization": f"Bearer {login.json_body['token']}"}

    saved = put(client, headers, profile["version"], language="en")
    assert saved.status_code == 200
    frozen_clock(now + timedelta(minutes=2))  # past the one-code-per-minute limit
    request_code()

    english = code_emails()[-1]
    assert len(code_emails()) == 2
    assert english["subject"].startswith("Your sign-in code")
    assert "valid for 10 minutes" in english["text"]


def test_the_photo_is_shown_with_a_signed_url(client, signed_in):
    from chalicelib.store.accounts import Photo

    taken = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    _, headers = signed_in(
        photo=Photo(key="photos/a_1/p_1.jpg", width=1024, height=768, updated_at=taken)
    )
    photo = client.http.get("/profile", headers=headers).json_body["photo"]
    assert photo["width"] == 1024 and photo["height"] == 768
    assert datetime.fromisoformat(photo["updated_at"]) == taken
    assert "photos/a_1/p_1.jpg" in photo["url"] and "Signature" in photo["url"]
