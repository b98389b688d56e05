"""AWS clients: one botocore session per process, one client per service, created on first use.

Each botocore session parses a service's JSON model again for every client
(45-170 ms for DynamoDB here), so the pynamodb models (``store.base.connection``)
and every client below share ``botocore_session()``. Clients are created on
first use (cheap cold starts) and after ``import moto`` in tests. They are
botocore clients (what boto3's are), so no request pays boto3's import.

botocore reads ``AWS_ENDPOINT_URL`` itself, which is how the local stack points
every client at moto's server.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from chalicelib.config import settings

# botocore sessions are not thread-safe while creating clients (created clients are).
creation_lock = threading.RLock()


@cache
def botocore_session() -> Any:
    """The process's one botocore session (its loader caches each parsed service model)."""
    from botocore.session import get_session

    return get_session()


@cache
def client(service: str) -> Any:
    """The cached client of ``service``."""
    return new_client(service)


def new_client(service: str, **config: Any) -> Any:
    """A client of ``service`` on the shared session, within the service's time budget
    (``adapters/budget.py``); ``config``: other botocore options (e.g. S3 addressing)."""
    from chalicelib.adapters.budget import botocore_config

    with creation_lock:
        return botocore_session().create_client(
            service, region_name=settings().region, config=botocore_config(service, **config)
        )


def reset() -> None:
    """Forget the cached session and clients (tests that start a fresh moto backend)."""
    client.cache_clear()
    botocore_session.cache_clear()
