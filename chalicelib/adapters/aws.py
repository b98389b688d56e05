"""boto3 clients, created on first use and cached (cheap cold starts; moto-friendly).

boto3 reads ``AWS_ENDPOINT_URL`` itself, which is how the local stack points
every client at moto's server.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.config import settings


@cache
def client(service: str) -> Any:
    import boto3  # imported here: most requests never need a raw client

    from chalicelib.adapters.budget import botocore_config

    config = botocore_config(service)
    return boto3.session.Session().client(service, region_name=settings().region, config=config)


def reset() -> None:
    """Forget cached clients (tests that start a fresh moto backend)."""
    client.cache_clear()
