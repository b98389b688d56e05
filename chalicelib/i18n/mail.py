"""The one shape of every email the portal writes: codes, notices, confirmations.

Texts modules (``auth_texts``, ``email_texts``) return an ``Email``; the senders
(``codes.mail``, ``outbound_mail.notice`` / ``send_notice``) take one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Email:
    subject: str
    text: str  # the plain-text part, always sent
    html: str | None = None  # the HTML alternative, when the message has one
