"""Outgoing SMS through SNS (transactional)."""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import client
from chalicelib.errors import Unavailable

log = logging.getLogger("portal.sms")


def send_sms(phone_e164: str, text: str) -> str:
    """Send one SMS; returns the SNS message id. SNS failure -> Unavailable."""
    try:
        answer = client("sns").publish(
            PhoneNumber=phone_e164,
            Message=text,
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
            },
        )
    except (BotoCoreError, ClientError) as exc:
        log.warning("SNS publish failed: %s", type(exc).__name__)
        raise Unavailable("sns") from exc
    message_id: str = answer.get("MessageId", "")
    return message_id
