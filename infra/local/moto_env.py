"""The environment for in-process moto (tests, benchmarks): set before any botocore client.

moto only intercepts clients created after it is imported, and the models read
table names at import, so callers run this first, then import moto and the app.
"""

from __future__ import annotations

import os


def use_in_process_moto(code_secret: str) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": "ca-central-1",
            "AWS_REGION": "ca-central-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "PORTAL_STAGE": "local",
            "PORTAL_CODE_SECRET": code_secret,
        }
    )
