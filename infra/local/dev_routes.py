"""Development-only routes, registered by the local stack (``infra/local/run.py``) on the app.

``app.py`` never imports this module: the Lambda package cannot contain these routes."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.api.endpoint import Call, endpoint
from chalicelib.errors import NotFound
from chalicelib.services.jobs import JOBS
from infra.local.outbox import Outbox

bp = Blueprint(__name__)
OUTBOX = Outbox()


@endpoint(
    bp,
    "/_dev/outbox",
    "GET",
    summary="Emails, SMS and portal events sent so far (local stack only)",
    tags=["dev"],
    auth=False,
)
def outbox(call: Call) -> dict[str, Any]:
    return OUTBOX.collect()


@endpoint(
    bp,
    "/_dev/jobs/{name}",
    "POST",
    summary="Run a scheduled function now (local stack only)",
    tags=["dev"],
    auth=False,
    errors=(404,),
)
def run_job(call: Call, name: str) -> dict[str, Any]:
    job = JOBS.get(name)
    if job is None:
        raise NotFound()
    return job()
