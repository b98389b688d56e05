"""Shared pieces of the pynamodb models."""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.transactions import TransactWrite

from chalicelib.config import settings


def table_name(entity: str) -> str:
    return settings().table_name(entity)


def region() -> str:
    return settings().region


def expiry_day(moment: datetime) -> str:
    """The UTC day an item expires on: the hash key of the by-expiry indexes.

    Cleanup queries one partition per elapsed day, so its cost follows what
    expired, not the size of the table.
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


class DayAttribute(UnicodeAttribute):
    """A UTC day, ``YYYY-MM-DD``."""


def transaction(client_request_token: str | None = None) -> TransactWrite:
    """A DynamoDB transaction on the models' shared connection.

    Every model uses the same region and endpoint, so any model's connection
    serves; a new ``Connection`` would build a botocore client (~80 ms) per call.
    ``client_request_token`` makes a retried call (botocore's, after a lost reply)
    idempotent: DynamoDB answers it as the first one, instead of re-checking conditions.
    """
    from chalicelib.store.accounts import Account  # here: accounts imports this module

    return TransactWrite(
        connection=Account._get_connection().connection, client_request_token=client_request_token
    )


def condition_failed(exc: PynamoDBException) -> bool:
    """The write was refused by its condition (as opposed to failing)."""
    return exc.cause_response_code == "ConditionalCheckFailedException"
