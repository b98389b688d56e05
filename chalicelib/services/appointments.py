"""One list of appointments across every professional who knows the person.

Each professional keeps a client record keyed by email; the account's verified
addresses find those records (GSI ``by_email``), the records find the
appointments. A person who booked under two addresses sees both professionals.

Round trips. The work is done in waves; the calls of a wave run in parallel
(a thread pool; pynamodb's botocore client is thread-safe), so the number of
*sequential* DynamoDB round trips of ``GET /appointments`` does not grow with
the number of addresses, records or professionals:

    1. the session (authentication)          1 GetItem
    2. the account (its verified addresses)  1 GetItem
    3. client records, one query per address, in parallel
    4. professionals (one BatchGetItem per 100) in parallel with
       one appointments query per record

= 4 waves (5 on the request that refreshes the session's ``last_active_at``,
at most once per 5 minutes). A wave grows only if a query returns more than
1 MB (DynamoDB pages) or a record has more than 100 professionals.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from chalicelib import limits
from chalicelib.adapters import clock
from chalicelib.config import settings
from chalicelib.instants import utc_iso
from chalicelib.store.accounts import Account
from chalicelib.store.appointments import Appointment, record_key
from chalicelib.store.client_records import ClientRecord
from chalicelib.store.professionals import Professional

if TYPE_CHECKING:  # response shapes: types only (pydantic is not loaded by services)
    from chalicelib.schemas.appointments import AppointmentOut, AppointmentsOut, ProfessionalOut

log = logging.getLogger("portal.appointments")

_MAX_WORKERS = 16


@cache
def _pool() -> ThreadPoolExecutor:
    """One pool per process (a warm Lambda reuses its threads)."""
    return ThreadPoolExecutor(max_workers=_MAX_WORKERS, thread_name_prefix="appointments")


@dataclass(frozen=True)
class _Record:
    professional_id: str
    client_id: str
    email_display: str
    created_at: str


def list_for_account(
    account: Account, start_from: datetime | None, until: datetime | None
) -> AppointmentsOut:
    """Appointments (not deleted) starting in [from, to] of every record under a verified address.

    Sorted by start; cancelled ones are included with their status. Each
    professional is listed once, with the address its (earliest) record uses.
    """
    lower = utc_iso(start_from or clock.now() - limits.APPOINTMENT_HISTORY)
    upper = utc_iso(until) if until is not None else None
    addresses = sorted({e.address for e in account.emails or []})
    records = _records(addresses)  # wave 3
    # Wave 4: the professionals and every record's appointments at once.
    pool = _pool()
    professionals_future = pool.submit(_professionals, sorted({r.professional_id for r in records}))
    appointment_futures = [
        pool.submit(_appointments_of, record, lower, upper) for record in records
    ]
    professionals = professionals_future.result()
    found = [item for future in appointment_futures for item in future.result()]

    default_zone = settings().default_timezone
    appointments: list[AppointmentOut] = []
    seen: set[tuple[str, str]] = set()
    for item in found:
        key = (item.professional_id, item.appointment_id)
        if key in seen:  # the same record reached through two addresses
            continue
        seen.add(key)
        professional = professionals.get(item.professional_id)
        appointments.append(
            {
                "id": item.appointment_id,
                "professional": {
                    "id": item.professional_id,
                    "name": professional.name if professional else None,
                },
                "start": item.start,
                "end": item.end,
                "timezone": professional.timezone if professional else default_zone,
                "service": item.service,
                "status": "cancelled" if item.status == "cancelled" else "booked",
            }
        )
    appointments.sort(key=lambda a: (a["start"], a["professional"]["id"], a["id"]))

    listed: dict[str, ProfessionalOut] = {}
    for record in records:  # oldest record first: its address represents the professional
        if record.professional_id not in listed:
            professional = professionals.get(record.professional_id)
            listed[record.professional_id] = {
                "id": record.professional_id,
                "name": professional.name if professional else None,
                "email": record.email_display,
            }
    return {
        "appointments": appointments,
        "professionals": list(listed.values()),
        # Where history begins: the page asks earlier windows (from/to) until it gets there.
        "client_since": records[0].created_at if records else None,
    }


def _records(addresses: list[str]) -> list[_Record]:
    """Every client record under any of the addresses: one GSI query per address, in parallel."""
    per_address = list(_pool().map(_records_for, addresses))
    unique: dict[tuple[str, str], _Record] = {}
    for record in sorted(
        (r for found in per_address for r in found), key=lambda r: (r.created_at, r.professional_id)
    ):
        unique.setdefault((record.professional_id, record.client_id), record)
    return list(unique.values())


def _records_for(address: str) -> list[_Record]:
    return [
        _Record(
            professional_id=r.professional_id,
            client_id=r.client_id,
            email_display=r.email_display or r.email or address,
            created_at=r.created_at,
        )
        for r in ClientRecord.by_email.query(address)
    ]


def _professionals(ids: list[str]) -> dict[str, Professional]:
    if not ids:
        return {}
    return {p.professional_id: p for p in Professional.batch_get(ids)}


def _appointments_of(record: _Record, lower: str, upper: str | None) -> list[Appointment]:
    # Starts are fixed-width UTC ISO strings, so string order is time order.
    condition = (Appointment.deleted != True) & (Appointment.start >= lower)  # noqa: E712
    if upper is not None:
        condition &= Appointment.start <= upper
    return list(
        Appointment.query(
            record_key(record.professional_id, record.client_id), filter_condition=condition
        )
    )
