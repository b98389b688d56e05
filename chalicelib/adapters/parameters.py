"""Secret configuration values from SSM Parameter Store."""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import client
from chalicelib.errors import Unavailable

log = logging.getLogger("portal.parameters")


def secure_string(name: str) -> str:
    """The decrypted value of an SSM SecureString parameter; any failure -> Unavailable."""
    try:
        answer = client("ssm").get_parameter(Name=name, WithDecryption=True)
    except (BotoCoreError, ClientError) as exc:
        log.warning("SSM get_parameter failed: %s", type(exc).__name__)
        raise Unavailable("ssm") from exc
    value = (answer.get("Parameter") or {}).get("Value") or ""
    if not value:
        raise Unavailable("ssm")
    return value
