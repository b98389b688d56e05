"""The SES adapter: accented text survives, SES failure becomes 503."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters import mailer
from chalicelib.errors import Unavailable


def test_accented_text_and_html_arrive_intact(aws_env, outbox):
    mailer.send_email(
        "camille@example.com", "Votre code élevé", "Code demandé : 123 — à bientôt", "<p>Été</p>"
    )
    sent = outbox()["emails"][-1]
    assert sent["to"] == "camille@example.com"
    assert sent["subject"] == "Votre code élevé"
    assert sent["text"].strip() == "Code demandé : 123 — à bientôt"
    assert sent["html"].strip() == "<p>Été</p>"


def test_ses_failure_is_unavailable(aws_env, monkeypatch):
    class Failing:
        def send_email(self, **kwargs):
            raise ClientError(
                {"Error": {"Code": "Throttling", "Message": "slow down"}}, "SendEmail"
            )

    monkeypatch.setattr(mailer, "client", lambda service: Failing())
    with pytest.raises(Unavailable):
        mailer.send_email("camille@example.com", "s", "t")
