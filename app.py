"""The Chalice app: routes, queue consumer and schedules are wired here; no logic."""

from __future__ import annotations

import logging
from typing import Any

from chalice import Chalice, Rate
from chalice.app import SQSEvent

from chalicelib.api import (
    account,
    appointments,
    auth,
    emails,
    errors,
    meta,
    photo,
    profile,
    sessions,
    web,
)
from chalicelib.api.endpoint import set_authenticator
from chalicelib.config import settings
from chalicelib.services import bookings, jobs
from chalicelib.services.sessions import authenticate

app = Chalice(app_name="client-portal")
app.log.setLevel(logging.INFO)
app.api.binary_types = [*app.api.binary_types, "image/jpeg", "image/png", "image/webp"]

errors.install(app)
set_authenticator(authenticate)
for module in (meta, web, auth, sessions, profile, photo, emails, appointments, account):
    app.register_blueprint(module.bp)

if settings().dev_routes:  # only the local stack sets this; never in a package
    from infra.local.dev_routes import bp as dev_bp

    app.register_blueprint(dev_bp)


@app.on_sqs_message(queue=settings().booking_queue, batch_size=10, name="booking_events")
def booking_events(event: SQSEvent) -> dict[str, Any]:
    """Apply booking events; failed messages are reported and end in the dead-letter queue."""
    messages = [(record.to_dict()["messageId"], record.body) for record in event]
    result = bookings.handle_batch(messages)
    return {"batchItemFailures": [{"itemIdentifier": mid} for mid in result.failed]}


@app.schedule(Rate(15, unit=Rate.MINUTES), name="send_reminders")
def send_reminders(event: Any) -> dict[str, Any]:
    return jobs.send_reminders()


@app.schedule(Rate(1, unit=Rate.DAYS), name="cleanup")
def cleanup(event: Any) -> dict[str, Any]:
    return jobs.cleanup()
