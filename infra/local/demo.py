"""Demo data for the local stack, loaded through the booking-events queue.

Camille Tremblay booked at two professionals under two different addresses:
signing in with one address shows one professional's appointments, until the
other address is added to the account ("+ Courriel").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

PRIMARY_EMAIL = "camille@example.com"  # on Clinique Rivière's record (the first booking)
SECOND_EMAIL = "camille.tremblay@example.net"  # on Salon Harmonie's record
OTHER_EMAIL = "alex.martin@example.org"  # a second person, English-speaking


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def events(now: datetime | None = None) -> list[dict[str, Any]]:
    now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    at = _iso(now)
    day = timedelta(days=1)

    def slot(days: float, hour: int) -> tuple[str, str]:
        start = (now + days * day).replace(hour=hour, minute=0)
        return _iso(start), _iso(start + timedelta(minutes=45))

    professionals = [
        ("p-riviere", "Clinique Rivière", "America/Toronto", True),
        ("p-harmonie", "Salon Harmonie", "America/Toronto", False),
    ]
    out: list[dict[str, Any]] = [
        {
            "type": "professional.upserted",
            "occurred_at": at,
            "professional": {"id": pid, "name": name, "timezone": tz, "sms_reminders_enabled": sms},
        }
        for pid, name, tz, sms in professionals
    ]
    records = [
        (
            "p-riviere",
            "c-camille",
            "Camille",
            "Tremblay",
            PRIMARY_EMAIL,
            "514 555-0123",
            "fr",
            -400,
        ),
        (
            "p-harmonie",
            "c-camille-h",
            "Camille",
            "Tremblay",
            SECOND_EMAIL,
            "514-555-0123",
            "fr",
            -120,
        ),
        ("p-riviere", "c-alex", "Alex", "Martin", OTHER_EMAIL, "+1 438 555 0142", "en", -60),
    ]
    for pid, cid, first, last, email, mobile, lang, created_days in records:
        out.append(
            {
                "type": "client_record.upserted",
                "occurred_at": at,
                "client_record": {
                    "professional_id": pid,
                    "client_id": cid,
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "mobile_phone": mobile,
                    "home_phone": None,
                    "language": lang,
                    "created_at": _iso(now + created_days * day),
                },
            }
        )
    appointments = [
        ("p-riviere", "c-camille", "ap-r1", -20, 10, "Physiothérapie", "booked"),
        ("p-riviere", "c-camille", "ap-r2", 3, 14, "Physiothérapie", "booked"),
        ("p-riviere", "c-camille", "ap-r3", 10, 9, "Ostéopathie", "cancelled"),
        ("p-harmonie", "c-camille-h", "ap-h1", -5, 16, "Coupe et coiffure", "booked"),
        ("p-harmonie", "c-camille-h", "ap-h2", 14, 11, "Coloration", "booked"),
        ("p-riviere", "c-alex", "ap-a1", 6, 15, "Massothérapie", "booked"),
    ]
    for pid, cid, aid, days, hour, service, status in appointments:
        start, end = slot(days, hour)
        out.append(
            {
                "type": "appointment.upserted",
                "occurred_at": at,
                "appointment": {
                    "professional_id": pid,
                    "client_id": cid,
                    "id": aid,
                    "start": start,
                    "end": end,
                    "service": service,
                    "status": status,
                },
            }
        )
    return out
