"""Outgoing email through SES (v2 API)."""

from __future__ import annotations

import logging
from email.message import EmailMessage

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import client
from chalicelib.config import settings
from chalicelib.errors import Unavailable

log = logging.getLogger("portal.mailer")


def send_email(to: str, subject: str, text: str, html: str | None = None) -> str:
    """Send one email; returns the SES message id. SES failure -> Unavailable (503).

    Sent as a MIME multipart/alternative (text + HTML) through SES v2's Raw
    content: every client gets a readable part, and the local outbox can show both.
    """
    message = EmailMessage()
    message["From"] = settings().sender_email
    message["To"] = to
    message["Subject"] = subject
    # Quoted-printable keeps accented French text 7-bit clean through every relay.
    message.set_content(text, cte="quoted-printable")
    if html:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    try:
        answer = client("sesv2").send_email(
            FromEmailAddress=settings().sender_email,
            Destination={"ToAddresses": [to]},
            Content={"Raw": {"Data": message.as_bytes()}},
            **_configuration_set(),
        )
    except (BotoCoreError, ClientError) as exc:
        log.warning("SES send failed: %s", type(exc).__name__)
        raise Unavailable("ses") from exc
    message_id: str = answer.get("MessageId", "")
    return message_id


def _configuration_set() -> dict[str, str]:
    """Send through the stage's configuration set (bounce and complaint events) when set."""
    name = settings().ses_configuration_set
    return {"ConfigurationSetName": name} if name else {}
