"""Secret configuration values from SSM Parameter Store (or Secrets Manager, directly)."""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.aws import client
from chalicelib.errors import Unavailable

log = logging.getLogger("portal.parameters")


# SSM's path for a Secrets Manager secret: such a name is read from Secrets Manager
# itself, whose client is far lighter to create (its model ~6x smaller than SSM's:
# ~4 ms against ~17 ms on a new instance's first sign-in). Same secret, same value.
SECRETS_MANAGER_REFERENCE = "/aws/reference/secretsmanager/"


def secure_string(name: str) -> str:
    """The decrypted value of an SSM SecureString parameter; any failure -> Unavailable."""
    if name.startswith(SECRETS_MANAGER_REFERENCE):
        return _secret_string(name.removeprefix(SECRETS_MANAGER_REFERENCE))
    try:
        answer = client("ssm").get_parameter(Name=name, WithDecryption=True)
    except (BotoCoreError, ClientError) as exc:
        log.warning("SSM get_parameter failed: %s", type(exc).__name__)
        raise Unavailable("ssm") from exc
    value = (answer.get("Parameter") or {}).get("Value") or ""
    if not value:
        raise Unavailable("ssm")
    return value


def _secret_string(secret_id: str) -> str:
    try:
        answer = client("secretsmanager").get_secret_value(SecretId=secret_id)
    except (BotoCoreError, ClientError) as exc:
        log.warning("Secrets Manager get_secret_value failed: %s", type(exc).__name__)
        raise Unavailable("secretsmanager") from exc
    value = answer.get("SecretString") or ""
    if not value:
        raise Unavailable("secretsmanager")
    return value
