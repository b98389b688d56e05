"""The Chalice app: routes, consumers, the event publisher and schedules are wired here."""

from __future__ import annotations

import logging
from typing import Any

from chalice import Chalice, Rate
from chalice.app import DynamoDBEvent, SNSEvent, SQSEvent

from chalicelib import observability
from chalicelib.api import (
    account,
    appointments,
    auth,
    cookie_session,
    emails,
    errors,
    headers,
    meta,
    page_config,
    photo,
    profile,
    sessions,
    web,
)
from chalicelib.api.endpoint import set_authenticator
from chalicelib.api.origin import install as install_origin_check
from chalicelib.config import settings
from chalicelib.deploy_guard import refuse_chalice_deploy
from chalicelib.services import bounces, jobs, outbound_mail, portal_events
from chalicelib.services.sessions import authenticate
from chalicelib.store.outbox import stream_arn_placeholder

refuse_chalice_deploy()  # `make deploy` deploys this app; chalice deploy would half-do it
app = Chalice(app_name="client-portal")
app.log.setLevel(logging.INFO)
observability.install(app)  # JSON log lines with the request id
app.api.binary_types = [*app.api.binary_types, "image/jpeg", "image/png", "image/webp"]

headers.install(app)  # first: the outermost middleware, so it sees every final answer
errors.install(app)
install_origin_check(app)  # behind CloudFront: refuse requests without the origin secret
cookie_session.install(app)  # a dead page session's cookie is dropped with its 401
set_authenticator(authenticate)
for module in (meta, web, auth, sessions, profile, photo, emails, appointments, account):
    app.register_blueprint(module.bp)
app.register_blueprint(page_config.bp)


@app.on_sqs_message(queue=settings().booking_queue, batch_size=10, name="booking_events")
def booking_events(event: SQSEvent) -> dict[str, Any]:
    """Apply booking events; failed messages are reported and end in the dead-letter queue."""
    from chalicelib.services import bookings  # with pydantic: not on the API's cold start

    messages = [(record.to_dict()["messageId"], record.body) for record in event]
    result = bookings.handle_batch(messages)
    return {"batchItemFailures": [{"itemIdentifier": mid} for mid in result.failed]}


@app.on_sns_message(topic=settings().ses_events_topic, name="ses_events")
def ses_events(event: SNSEvent) -> None:
    """Record the addresses SES reports as hard-bounced or complaining."""
    bounces.record_ses_event(event.message)


@app.on_dynamodb_record(
    stream_arn=stream_arn_placeholder(),
    batch_size=100,
    starting_position="TRIM_HORIZON",
    name="publish_events",
)
def publish_events(event: DynamoDBEvent) -> dict[str, Any]:
    """Put the outbox's new portal events on the bus; Lambda retries from the first refused."""
    records = [
        portal_events.StreamRecord(r.sequence_number, r.event_name, r.new_image) for r in event
    ]
    failed = portal_events.publish_stream_records(records)
    return {"batchItemFailures": [{"itemIdentifier": number} for number in failed]}


@app.on_sqs_message(queue=settings().mail_queue, batch_size=10, name="mail_sender")
def mail_sender(event: SQSEvent) -> dict[str, Any]:
    """Send the emails requests recorded; failed ones are retried, then dead-lettered."""
    messages = [(record.to_dict()["messageId"], record.body) for record in event]
    result = outbound_mail.handle_batch(messages)
    return {"batchItemFailures": [{"itemIdentifier": mid} for mid in result.failed]}


@app.schedule(Rate(15, unit=Rate.MINUTES), name="send_reminders")
def send_reminders(event: Any) -> dict[str, Any]:
    return jobs.send_reminders()


@app.schedule(Rate(1, unit=Rate.DAYS), name="cleanup")
def cleanup(event: Any) -> dict[str, Any]:
    return jobs.cleanup()
