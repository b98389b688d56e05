"""Every email leaves the request path: requests record it, ``mail_sender`` sends it.

A request puts one small message on the outbound mail queue (adapters/mail_queue)
and answers; the ``mail_sender`` function (app.py) delivers it through SES. A
failing SES delays mail (the message is retried, then kept in the dead-letter
queue), it never changes an answer. Messages carry no code in clear:

- ``sign_in_code`` {flow, language}: the sender decides whether the flow's
  address may sign in; only then it arms the flow and emails its code
  (services/login.py), so both paths of ``POST /auth/code`` do the same work;
- ``verification_code`` {account_id, address, display, nonce}: the code derives
  from the nonce with the server key (services/emails.py);
- ``deletion_code`` {account_id, address, nonce}: the code that confirms deleting
  the account (services/account_deletion.py), derived like the verification code;
- ``notice`` {to, subject, text, html}: an already written notice, skipped when the
  address bounced for good (services/bounces.py);
- ``new_sign_in`` {account_id, session_id, at}: a sign-in of an existing account; the
  sender compares its device with the account's other sessions and, when it is new,
  writes and sends the notice (services/login.py), off the sign-in's path.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.adapters import mail_queue
from chalicelib.i18n.mail import Email

log = logging.getLogger("portal.outbound_mail")

SIGN_IN_CODE = "sign_in_code"
VERIFICATION_CODE = "verification_code"
NOTICE = "notice"
DELETION_CODE = "deletion_code"
NEW_SIGN_IN = "new_sign_in"


class PoisonMessage(Exception):
    """A message this sender cannot read: reported, ends in the dead-letter queue."""


@dataclass
class BatchResult:
    sent: int = 0
    failed: list[str] = field(default_factory=list)  # message ids, retried then DLQ


def notice(to: str, email: Email) -> None:
    """Record a notice for sending; Unavailable (503) if the queue refuses it."""
    mail_queue.enqueue(
        {"kind": NOTICE, "to": to, "subject": email.subject, "text": email.text, "html": email.html}
    )


def new_sign_in(account_id: str, session_id: str, at: datetime) -> None:
    """Record a sign-in for the new-device check; Unavailable (503) if the queue refuses it."""
    mail_queue.enqueue(
        {
            "kind": NEW_SIGN_IN,
            "account_id": account_id,
            "session_id": session_id,
            "at": at.isoformat(),
        }
    )


def send_notice(to: str, email: Email) -> None:
    """(mail sender) Send a notice now, unless the address bounced for good."""
    from chalicelib.adapters import mailer
    from chalicelib.services import bounces

    if bounces.deliverable([to]):
        mailer.send_email(to, email.subject, email.text, email.html)


def _fields(message: dict[str, Any], *names: str) -> list[str]:
    values = [message.get(name) for name in names]
    if not all(isinstance(value, str) and value for value in values):
        raise PoisonMessage(f"{message.get('kind')}: missing {', '.join(names)}")
    return values  # type: ignore[return-value]


def deliver(message: Any) -> None:
    """Send one message; Unavailable when SES (or DynamoDB) fails: the queue retries."""
    from chalicelib.services import emails, login

    if not isinstance(message, dict):
        raise PoisonMessage("not an object")
    kind = message.get("kind")
    if kind == SIGN_IN_CODE:
        (flow,) = _fields(message, "flow")
        login.send_sign_in_code(flow, str(message.get("language") or ""))
    elif kind == VERIFICATION_CODE:
        account_id, address, display, nonce = _fields(
            message, "account_id", "address", "display", "nonce"
        )
        emails.send_verification_code(account_id, address, display, nonce)
    elif kind == DELETION_CODE:
        from chalicelib.services import account_deletion

        account_id, address, nonce = _fields(message, "account_id", "address", "nonce")
        account_deletion.send_deletion_code(account_id, address, nonce)
    elif kind == NOTICE:
        to, subject, text = _fields(message, "to", "subject", "text")
        html = message.get("html")
        send_notice(to, Email(subject, text, html if isinstance(html, str) else None))
    elif kind == NEW_SIGN_IN:
        account_id, session_id, at = _fields(message, "account_id", "session_id", "at")
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            raise PoisonMessage("new_sign_in: bad time") from None
        if moment.tzinfo is None:
            raise PoisonMessage("new_sign_in: time without zone")
        login.send_new_sign_in_notice(account_id, session_id, moment)
    else:
        raise PoisonMessage("unknown kind")


def handle_batch(messages: list[tuple[str, str]]) -> BatchResult:
    """Deliver a batch of (message id, body); failures are reported, never block the rest."""
    result = BatchResult()
    for message_id, body in messages:
        try:
            try:
                message = json.loads(body)
            except (ValueError, RecursionError):
                raise PoisonMessage("not JSON") from None
            deliver(message)
            result.sent += 1
        except PoisonMessage as exc:
            log.warning("unreadable outbound mail message %s: %s", message_id, exc)
            result.failed.append(message_id)
        except Exception as exc:  # SES or DynamoDB trouble: retried by the queue
            log.warning("outbound mail message %s not sent: %s", message_id, type(exc).__name__)
            result.failed.append(message_id)
    log.info("outbound mail: %d sent, %d failed", result.sent, len(result.failed))
    return result
