"""GET /appointments: one list across every professional who knows one of my addresses."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from chalicelib.adapters import clock
from chalicelib.services import bookings
from chalicelib.store.accounts import VerifiedEmail
from chalicelib.store.email_claims import EmailClaim

FIRST = "camille@example.com"
SECOND = "camille.tremblay@example.net"
_event_clock = [datetime(2026, 1, 1, tzinfo=UTC)]


def _apply(event: dict) -> None:
    # Each event a second later than the previous one, so updates are never stale.
    _event_clock[0] += timedelta(seconds=1)
    event["occurred_at"] = _event_clock[0].isoformat()
    assert bookings.apply(bookings.parse(json.dumps(event)))


def professional(pid, name, timezone="America/Toronto"):
    _apply(
        {
            "type": "professional.upserted",
            "professional": {"id": pid, "name": name, "timezone": timezone},
        }
    )


def record(pid, cid, email, created_at="2026-01-05T10:00:00Z"):
    _apply(
        {
            "type": "client_record.upserted",
            "client_record": {
                "professional_id": pid,
                "client_id": cid,
                "first_name": "Camille",
                "last_name": "Tremblay",
                "email": email,
                "language": "fr",
                "created_at": created_at,
            },
        }
    )


def appointment(pid, cid, aid, start, minutes=60, status="booked", service="Consultation"):
    begin = datetime.fromisoformat(start)
    _apply(
        {
            "type": "appointment.upserted",
            "appointment": {
                "professional_id": pid,
                "client_id": cid,
                "id": aid,
                "start": begin.isoformat(),
                "end": (begin + timedelta(minutes=minutes)).isoformat(),
                "service": service,
                "status": status,
            },
        }
    )


def deleted(pid, cid, aid):
    _apply(
        {
            "type": "appointment.deleted",
            "appointment": {"professional_id": pid, "client_id": cid, "id": aid},
        }
    )


def add_verified(account, address, display=None):
    """A second verified address, as the emails routes would leave it."""
    account.refresh(consistent_read=True)
    account.emails = [
        *account.emails,
        VerifiedEmail(address=address, display=display or address, verified_at=clock.now()),
    ]
    account.save()
    EmailClaim(address, account_id=account.account_id, claimed_at=clock.now()).save()


@pytest.fixture
def two_professionals(aws_env, frozen_clock):
    """Camille: at p-riviere under FIRST, at p-harmonie under SECOND (the demo data's shape)."""
    professional("p-riviere", "Clinique Rivière", "America/Toronto")
    professional("p-harmonie", "Salon Harmonie", "America/Vancouver")
    record("p-riviere", "c1", FIRST, created_at="2026-01-05T10:00:00Z")
    record("p-harmonie", "c7", "Camille.Tremblay@Example.NET", created_at="2026-02-01T10:00:00Z")
    record("p-riviere", "c2", "someone.else@example.com")
    appointment("p-riviere", "c1", "r-1", "2026-11-28T14:00:00-05:00", service="Physiothérapie")
    appointment("p-harmonie", "c7", "h-1", "2026-11-27T10:00:00-08:00", service="Coupe")
    appointment("p-riviere", "c1", "r-2", "2026-12-10T09:30:00-05:00", status="cancelled")
    appointment("p-harmonie", "c7", "h-2", "2026-12-02T16:00:00Z")
    appointment("p-riviere", "c1", "r-old", "2026-10-01T09:00:00-04:00")  # > 30 days ago
    appointment("p-riviere", "c1", "r-gone", "2026-11-30T09:00:00-05:00")
    deleted("p-riviere", "c1", "r-gone")
    appointment("p-riviere", "c2", "x-1", "2026-11-29T09:00:00-05:00")  # another client


def _get(client, headers, **query):
    path = "/appointments"
    if query:
        path += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
    return client.http.get(path, headers=headers)


def _ids(body):
    return [a["id"] for a in body["appointments"]]


def test_one_address_sees_one_professional(client, signed_in, two_professionals):
    _, headers = signed_in(email=FIRST)
    response = _get(client, headers)
    assert response.status_code == 200
    body = response.json_body
    assert _ids(body) == ["r-1", "r-2"]
    assert body["professionals"] == [
        {"id": "p-riviere", "name": "Clinique Rivière", "email": FIRST}
    ]
    assert body["appointments"][0] == {
        "id": "r-1",
        "professional": {"id": "p-riviere", "name": "Clinique Rivière"},
        "start": "2026-11-28T19:00:00Z",
        "end": "2026-11-28T20:00:00Z",
        "timezone": "America/Toronto",
        "service": "Physiothérapie",
        "status": "booked",
    }


def test_appointments_across_addresses_and_professionals(client, signed_in, two_professionals):
    account, headers = signed_in(email=FIRST)
    add_verified(account, SECOND)
    body = _get(client, headers).json_body
    # Sorted by start across both professionals; deleted, too old and other clients left out.
    assert _ids(body) == ["h-1", "r-1", "h-2", "r-2"]
    assert [a["start"] for a in body["appointments"]] == sorted(
        a["start"] for a in body["appointments"]
    )
    by_id = {a["id"]: a for a in body["appointments"]}
    assert by_id["h-1"]["timezone"] == "America/Vancouver"
    assert by_id["h-1"]["professional"] == {"id": "p-harmonie", "name": "Salon Harmonie"}
    assert by_id["r-2"]["status"] == "cancelled"  # cancelled ones are shown as such
    assert body["professionals"] == [
        {"id": "p-riviere", "name": "Clinique Rivière", "email": FIRST},
        # The address as that professional's record has it (display form).
        {"id": "p-harmonie", "name": "Salon Harmonie", "email": "Camille.Tremblay@Example.NET"},
    ]


def test_from_and_to_filter_by_start(client, signed_in, two_professionals):
    account, headers = signed_in(email=FIRST)
    add_verified(account, SECOND)
    body = _get(
        client, headers, **{"from": "2026-11-28T00:00:00-05:00", "to": "2026-12-02T16:00:00Z"}
    ).json_body
    assert _ids(body) == ["r-1", "h-2"]  # both bounds included
    body = _get(client, headers, **{"from": "2026-09-01T00:00:00Z"}).json_body
    assert _ids(body) == ["r-old", "h-1", "r-1", "h-2", "r-2"]
    body = _get(client, headers, to="2026-11-28T00:00:00Z").json_body
    assert _ids(body) == ["h-1"]  # default start: 30 days ago (r-old is older)


def test_client_since_tells_how_far_back_history_goes(client, signed_in, two_professionals):
    account, headers = signed_in(email=FIRST)
    body = _get(client, headers).json_body
    assert body["client_since"].startswith("2026-01-05T10:00:00")
    add_verified(account, SECOND)
    assert _get(client, headers).json_body["client_since"].startswith("2026-01-05T10:00:00")
    # Windows before it, back to client_since, reach the oldest appointment.
    older = _get(client, headers, **{"from": body["client_since"], "to": "2026-10-30T00:00:00Z"})
    assert _ids(older.json_body) == ["r-old"]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"from": "yesterday"}, {"from": "invalid_datetime"}),
        ({"to": "2026-13-40T00:00:00Z"}, {"to": "invalid_datetime"}),
        ({"from": "2026-11-01T00:00:00"}, {"from": "timezone_required"}),
        ({"from": "2026-11-01"}, {"from": "timezone_required"}),
        ({"from": "0001-01-01T00:00:01+15:21"}, {"from": "invalid_datetime"}),  # before year 1
    ],
)
def test_invalid_bounds_are_422_on_the_field(client, signed_in, aws_env, query, fields):
    _, headers = signed_in()
    response = _get(client, headers, **query)
    assert response.status_code == 422
    assert response.json_body["error"]["fields"] == fields


def test_removed_address_hides_that_professional(
    client, signed_in, two_professionals, outbox, monkeypatch
):
    account, headers = signed_in(email=FIRST)
    add_verified(account, SECOND)
    assert len(_get(client, headers).json_body["professionals"]) == 2
    response = client.http.delete(f"/profile/emails/{quote(SECOND, safe='')}", headers=headers)
    assert response.status_code == 200
    body = _get(client, headers).json_body
    assert _ids(body) == ["r-1", "r-2"]
    assert [p["id"] for p in body["professionals"]] == ["p-riviere"]


def test_no_record_means_an_empty_list(client, signed_in, two_professionals):
    _, headers = signed_in(email="nobody.booked@example.org")
    assert _get(client, headers).json_body == {
        "appointments": [],
        "professionals": [],
        "client_since": None,
    }


def test_needs_a_session(client, aws_env):
    assert client.http.get("/appointments").status_code == 401


# ---------------------------------------------------------------- round trips


class _Recorder:
    """Every DynamoDB call's (start, end), each slowed down so that calls of one wave overlap."""

    DELAY = 0.05

    def __init__(self):
        self.calls: list[tuple[float, float, str]] = []
        self._lock = threading.Lock()

    def critical_path(self) -> int:
        """The longest chain of calls each starting after the previous ended: sequential waves."""
        calls = sorted(self.calls)
        longest: list[int] = []
        for i, (start, _end, _op) in enumerate(calls):
            before = [longest[j] for j in range(i) if calls[j][1] <= start]
            longest.append(1 + max(before, default=0))
        return max(longest, default=0)


@pytest.fixture
def recorder(monkeypatch):
    from pynamodb.connection.base import Connection

    recorder = _Recorder()
    original = Connection._make_api_call

    def timed(self, operation_name, operation_kwargs):
        start = time.monotonic()
        time.sleep(_Recorder.DELAY)
        try:
            return original(self, operation_name, operation_kwargs)
        finally:
            with recorder._lock:
                recorder.calls.append((start, time.monotonic(), operation_name))

    monkeypatch.setattr(Connection, "_make_api_call", timed)
    return recorder


def _many(count):
    """``count`` professionals, each with a record under its own address and 2 appointments."""
    addresses = []
    for n in range(count):
        pid, address = f"p-{n}", f"camille+{n}@example.org"
        professional(pid, f"Professional {n}")
        record(pid, f"c{n}", address)
        appointment(pid, f"c{n}", f"a{n}-1", f"2026-12-{n + 1:02d}T10:00:00Z")
        appointment(pid, f"c{n}", f"a{n}-2", f"2026-12-{n + 1:02d}T15:00:00Z")
        addresses.append(address)
    return addresses


@pytest.mark.parametrize("count", [1, 6])
def test_round_trips_do_not_grow_with_addresses(client, signed_in, frozen_clock, recorder, count):
    addresses = _many(count)
    account, headers = signed_in(email=addresses[0])
    for address in addresses[1:]:
        add_verified(account, address)
    recorder.calls.clear()
    response = _get(client, headers)
    assert response.status_code == 200
    assert len(response.json_body["appointments"]) == 2 * count
    assert len(response.json_body["professionals"]) == count
    # session + account + records (∥ per address) + professionals batch ∥ appointments
    assert recorder.critical_path() == 4
    operations = [op for _start, _end, op in recorder.calls]
    assert operations.count("Query") == 2 * count  # one per address + one per record
    assert operations.count("BatchGetItem") == 1
