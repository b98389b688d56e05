"""Shared pieces of the pynamodb models."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from pynamodb.attributes import MapAttribute, UnicodeAttribute
from pynamodb.connection import Connection, TableConnection
from pynamodb.exceptions import TableError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters import aws
from chalicelib.adapters.budget import apply_to_pynamodb
from chalicelib.config import settings
from chalicelib.store.ops import PortalTransaction

apply_to_pynamodb()  # before any model class is created: they copy the settings then


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


class PortalMap(MapAttribute[str, Any]):
    """Base of the typed map attributes (a photo, a location...): pynamodb's own
    constructor is unannotated; this one says what it takes."""

    def __init__(self, **attributes: Any) -> None:
        super().__init__(**attributes)  # type: ignore[no-untyped-call]


class _SharedSessionConnection(Connection):
    """A pynamodb ``Connection`` on the process's one botocore session (``adapters.aws``).

    pynamodb would start a botocore session per connection, and each parses the
    DynamoDB model again (45-170 ms).
    """

    @property
    def session(self) -> Any:
        return aws.botocore_session()

    @property
    def client(self) -> Any:
        with aws.creation_lock:
            return super().client


@cache
def connection() -> Connection:
    """The process's one pynamodb ``Connection``: one DynamoDB client for every table.

    A pynamodb ``Connection`` serves any table (each call names its table);
    every model (``PortalModel``) and transaction goes through this one. Same
    settings as the models' own would have: region, endpoint (``AWS_ENDPOINT_URL``),
    pynamodb's default timeouts and retries.
    """
    return _SharedSessionConnection(region=region())


class PortalModel(Model):
    """Base of every model: its table is reached through the shared ``connection()``.

    pynamodb gives each model class its own ``Connection`` (hence its own
    botocore session and client); the table connection it builds keeps the
    model's key schema, and only its ``connection`` (a public attribute) is
    replaced by the shared one.
    """

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = super()._get_connection()
        shared = connection()
        if table.connection is not shared:
            try:
                shared.get_meta_table(table.table_name)
            except TableError:
                shared.add_meta_table(table.get_meta_table())
            table.connection = shared
        return table


def transaction(client_request_token: str | None = None) -> TransactWrite:
    """A DynamoDB transaction on the shared connection (no new client per call).

    ``client_request_token`` makes a retried call (botocore's, after a lost reply)
    idempotent: DynamoDB answers it as the first one, instead of re-checking conditions.
    """
    return PortalTransaction(connection=connection(), client_request_token=client_request_token)


def delete_partition(model: type[Model], hash_key: str, key_names: list[str]) -> int:
    """Delete every item under ``hash_key`` (reading only their ``key_names``): one query,
    one batch call per 25 items; returns how many."""
    found = list(model.query(hash_key, attributes_to_get=key_names))
    with model.batch_write() as batch:
        for item in found:
            batch.delete(item)
    return len(found)
