"""A provisioned moto account, made once per settings and copied into each test.

Provisioning through the API (tables, bucket, queues, bus, SES sender: ~35 calls)
was most of an API test's set-up and most of its AWS calls. ``aws_env`` still gives
every test a fresh account: moto starts empty, then gets a deep copy of the state a
first provisioning left, which no test can change (tests write to their copy).
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from moto.backends import get_backend

# The services ``infra.provision.provision`` creates resources in.
SERVICES = ("dynamodb", "s3", "sqs", "events", "ses")

_snapshots: dict[Any, list[tuple[str, str, str, Any]]] = {}


def _copy(backend: Any) -> Any:
    """A deep copy; SQS queues hold a Condition (not copyable): each copy gets its own."""
    memo: dict[int, Any] = {}
    for queue in getattr(backend, "queues", {}).values():
        lock = getattr(queue, "_messages_lock", None)
        if lock is not None:
            memo[id(lock)] = threading.Condition()
    return copy.deepcopy(backend, memo)


def _backends() -> list[tuple[str, str, str, Any]]:
    return [
        (service, account, region, backend)
        for service in SERVICES
        for account, regions in get_backend(service).items()
        for region, backend in regions.items()
    ]


def restore(key: Any) -> bool:
    """Copy the snapshot taken for ``key`` into the (freshly started) moto; False if none."""
    snapshot = _snapshots.get(key)
    if snapshot is None:
        return False
    for service, account, region, backend in snapshot:
        get_backend(service)[account][region] = _copy(backend)
    return True


def take(key: Any) -> None:
    """Remember the state of the provisioned account for ``key`` (right after provision)."""
    _snapshots[key] = [(s, a, r, _copy(b)) for s, a, r, b in _backends()]
