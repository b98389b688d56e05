"""The photo bucket (S3), behind a few small functions.

Every S3 call of the portal goes through here. A missing object is an answer
(``None``); any other S3 failure is ``Unavailable("s3")`` (``chalicelib.errors``).

The client signs with SigV4 (``s3v4``): presigned URLs and POST policies then
carry ``X-Amz-*`` parameters that S3 accepts in every region (the legacy
signature is refused by newer regions such as ca-central-1). Presigning is
local computation, no network call.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters import aws
from chalicelib.config import settings
from chalicelib.errors import Unavailable

_NO_SUCH_KEY = ("404", "NoSuchKey", "NotFound")


@contextmanager
def _s3_call() -> Iterator[None]:
    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise Unavailable("s3") from exc


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in _NO_SUCH_KEY


@cache
def _s3() -> Any:
    # Virtual-hosted, regional URLs on AWS (bucket.s3.<region>.amazonaws.com):
    # the global endpoint answers 307 for new buckets outside us-east-1, which a
    # browser's cross-origin POST does not survive. A local endpoint (moto's
    # server on an IP address) needs path-style URLs.
    local = bool(os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"))
    return aws.new_client(
        "s3", signature_version="s3v4", s3={"addressing_style": "path" if local else "virtual"}
    )


def reset() -> None:
    """Forget the cached client (tests that start a fresh moto backend)."""
    _s3.cache_clear()


def _bucket() -> str:
    return settings().bucket


def presigned_post(key: str, *, max_bytes: int, expires_in: int) -> dict[str, Any]:
    """A browser-postable form for exactly ``key``: ``{"url", "fields"}``.

    S3 enforces the size range and the image/* Content-Type (moto does not:
    the service checks the real object anyway). ``Content-Type`` is prefilled
    so a client that posts the fields as given satisfies the policy; it may
    replace it with the file's real ``image/...`` type.
    """
    with _s3_call():
        form: dict[str, Any] = _s3().generate_presigned_post(
            Bucket=_bucket(),
            Key=key,
            Fields={"Content-Type": "image/jpeg"},
            Conditions=[
                ["content-length-range", 1, max_bytes],
                ["starts-with", "$Content-Type", "image/"],
            ],
            ExpiresIn=expires_in,
        )
    return form


def head_size(key: str) -> int | None:
    """The object's size in bytes, or None when there is no such object."""
    try:
        with _s3_call():
            head = _s3().head_object(Bucket=_bucket(), Key=key)
    except Unavailable as exc:
        if isinstance(exc.__cause__, ClientError) and _missing(exc.__cause__):
            return None
        raise
    return int(head["ContentLength"])


def get_bytes(key: str, *, limit: int) -> bytes | None:
    """The object's first ``limit + 1`` bytes at most (more than ``limit``: too big).

    None when there is no such object. The range bounds memory even if the
    object changed since it was measured.
    """
    try:
        with _s3_call():
            response = _s3().get_object(Bucket=_bucket(), Key=key, Range=f"bytes=0-{limit}")
            body = response["Body"]
            try:
                data: bytes = body.read(limit + 1)
            finally:
                body.close()
    except Unavailable as exc:
        if isinstance(exc.__cause__, ClientError) and _missing(exc.__cause__):
            return None
        raise
    return data


def put_jpeg(key: str, data: bytes) -> None:
    """Store a processed photo: encrypted at rest, private, cacheable by its viewer only."""
    with _s3_call():
        _s3().put_object(
            Bucket=_bucket(),
            Key=key,
            Body=data,
            ContentType="image/jpeg",
            CacheControl="private, max-age=3600",
            ServerSideEncryption="AES256",
        )


def delete(key: str) -> None:
    """Delete an object; deleting a missing object succeeds (S3 semantics)."""
    with _s3_call():
        _s3().delete_object(Bucket=_bucket(), Key=key)


def delete_prefix(prefix: str) -> list[str]:
    """Delete every object whose key starts with ``prefix``; returns their keys.

    One List call per 1000 keys and one batch delete per page."""
    deleted: list[str] = []
    with _s3_call():
        pages = _s3().get_paginator("list_objects_v2").paginate(Bucket=_bucket(), Prefix=prefix)
        for page in pages:
            keys = [item["Key"] for item in page.get("Contents") or []]
            if not keys:
                continue
            answer = _s3().delete_objects(
                Bucket=_bucket(), Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
            )
            if answer.get("Errors"):
                raise ClientError({"Error": answer["Errors"][0]}, "DeleteObjects")
            deleted.extend(keys)
    return deleted


def presigned_get(key: str, *, expires_in: int) -> str:
    """A time-limited URL to read one object (the bucket itself is never public)."""
    with _s3_call():
        url: str = _s3().generate_presigned_url(
            "get_object", Params={"Bucket": _bucket(), "Key": key}, ExpiresIn=expires_in
        )
    return url
