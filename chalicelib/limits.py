"""Limits and lifetimes, declared once below every layer.

The service that enforces each one imports it from here, and so do the response
and request schemas that document it, the email texts that state it and
``GET /config`` that serves it to the page; none imports another layer for it.
"""

from __future__ import annotations

from datetime import timedelta

CODE_TTL = timedelta(minutes=10)  # a one-time code's life (sign-in, new address, deletion)
CODE_TTL_SECONDS = int(CODE_TTL.total_seconds())  # what the API's expires_in says
CODE_TTL_MINUTES = CODE_TTL_SECONDS // 60  # what the emails say
CODE_DIGITS = 6
SESSION_LIFETIME = timedelta(days=90)  # from created_at, whatever the activity
ACTIVITY_RETENTION = timedelta(days=90)  # the activity list, then DynamoDB's TTL
APPOINTMENT_HISTORY = timedelta(days=30)  # GET /appointments' default start
PHONE_MAX_LENGTH = 40  # a phone number as typed; longer is not one (and parsing stays cheap)
EMAIL_MAX_LENGTH = 254  # RFC 5321's path limit
