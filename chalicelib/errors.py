"""Domain errors: each knows its HTTP status and stable error code.

Services raise these; the endpoint layer (``chalicelib.api.endpoint``) turns
them into the contract's error shape with a message in the caller's language.

The dependency-failure rule (one rule, applied once):

- Adapters (``chalicelib.adapters``: SES, SNS, SQS, S3, EventBridge, SSM) turn
  their client's failure into ``Unavailable(<service>)``: the one place that
  knows which botocore errors mean "that service failed" (S3's "no such key" is
  an answer, ``None``, not a failure).
- DynamoDB failures are not translated: services use the pynamodb models
  directly, and a pynamodb exception (or a botocore one) goes up as it is.
- The route decorator answers both with 503 ``unavailable`` and ``Retry-After``
  (``DEPENDENCY_FAILURES``); a job lets them fail the invocation (the queue or
  the scheduler retries). Nothing is committed by a failed call: a retry is safe.
- So services translate nothing. A service catches a failure only where it
  decides something on it (a best-effort notice is logged and skipped, an SMS
  reminder's mark is undone, a refused conditional write is a lost race:
  ``store.ops.conditional``).
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException


class PortalError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self,
        code: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, object] | None = None,
    ) -> None:
        super().__init__(code or self.code)
        if code:
            self.code = code
        self.fields = fields
        self.headers = headers or {}
        self.params = params or {}


class BadRequest(PortalError):
    status = 400
    code = "malformed_request"


class Unauthenticated(PortalError):
    status = 401
    code = "unauthenticated"


class Forbidden(PortalError):
    status = 403
    code = "forbidden"


class NotFound(PortalError):
    status = 404
    code = "not_found"


class MethodNotAllowed(PortalError):
    status = 405
    code = "method_not_allowed"


class Conflict(PortalError):
    status = 409
    code = "conflict"


class PayloadTooLarge(PortalError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(PortalError):
    status = 415
    code = "unsupported_media_type"


class ValidationFailed(PortalError):
    status = 422
    code = "validation_failed"

    def __init__(self, fields: dict[str, str], code: str | None = None) -> None:
        super().__init__(code, fields=fields)


class RateLimited(PortalError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, code: str | None = None) -> None:
        retry_after = max(1, int(retry_after))
        super().__init__(code, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class Unavailable(PortalError):
    """A dependency (SES, SNS, S3, DynamoDB) failed; nothing was lost, retry is safe."""

    status = 503
    code = "unavailable"

    def __init__(self, dependency: str = "dependency") -> None:
        super().__init__(headers={"Retry-After": "2"})
        self.dependency = dependency


# What the route decorator answers with 503 (see the module docstring).
DEPENDENCY_FAILURES: tuple[type[Exception], ...] = (
    BotoCoreError,
    ClientError,
    PynamoDBException,
    Unavailable,
)
