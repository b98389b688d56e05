"""A valid ``PUT /profile`` body (without ``version``), shared by tests and benchmarks."""

from __future__ import annotations

PROFILE_UPDATE = {
    "first_name": "Camille",
    "last_name": "Tremblay",
    "mobile_phone": "514 555-0123",
    "home_phone": None,
    "language": "fr",
    "date_format": "YYYY-MM-DD",
    "time_format": "24h",
    "timezone": "America/Toronto",
}
