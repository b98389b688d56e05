"""``chalice deploy`` is not how this app is deployed: it stops with a pointer to ``make deploy``.

Chalice's own deploy would build the zip for this machine's Python and CPU (not the Lambda
runtime's), create none of the stack's tables, bucket, queue or CloudFront distribution, and
fail on the queue's event source. ``make deploy`` builds the package for the runtime
(``infra/package.py``) and deploys the whole stack. Chalice imports ``app.py`` before it
deploys anything, so this check, called from there, stops it first; on Lambda, in
``chalice local`` and under ``chalice package`` the command line is something else.
"""

from __future__ import annotations

import sys
from pathlib import Path

MESSAGE = (
    "chalice deploy is not supported for this project: it would deploy a package built for "
    "this machine and none of the stack's tables, bucket, queue or CloudFront. "
    "Use `make deploy STAGE=dev|prod` (docs/deploying.md)."
)


def refuse_chalice_deploy(argv: list[str] | None = None) -> None:
    argv = sys.argv if argv is None else argv
    if argv and Path(argv[0]).name == "chalice" and "deploy" in argv[1:]:
        raise SystemExit(MESSAGE)
