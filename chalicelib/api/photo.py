"""Routes: profile photo (see docs/api.md "Photo" and docs/photo.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.actor import actor_of
from chalicelib.api.endpoint import Call, endpoint
from chalicelib.api.schema_ref import schema
from chalicelib.services import photos

if TYPE_CHECKING:
    from chalicelib.schemas.photo import PhotoChanged, PhotoCommit, PhotoRotate, UploadTicket

bp = Blueprint(__name__)

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
_TAGS = ("photo",)


@endpoint(
    bp,
    "/profile/photo/upload",
    "POST",
    summary="Get a presigned S3 POST to upload a photo",
    tags=_TAGS,
    response=schema("photo.UploadTicket"),
    errors=(503,),
    description="Post the file to `url` with every `fields` entry, then the `file` field; "
    "then commit the `key` with POST /profile/photo.",
)
def issue_upload(call: Call) -> UploadTicket:
    return photos.issue_upload(call.account.account_id)


@endpoint(
    bp,
    "/profile/photo",
    "POST",
    summary="Use an uploaded file as the profile photo",
    tags=_TAGS,
    body=schema("photo.PhotoCommit"),
    response=schema("photo.PhotoChanged"),
    errors=(400, 404, 409, 413, 415, 422, 503),
    description="404 for a key not issued to this account (or already used, or older than "
    f"{photos.UPLOAD_COMMIT_WINDOW.total_seconds() / 3600:g} h); 422 `not_uploaded` when "
    "nothing was posted to it.",
)
def commit_upload(call: Call, body: PhotoCommit) -> PhotoChanged:
    return photos.commit_upload(call.account.account_id, body.key, actor_of(call))


@endpoint(
    bp,
    "/profile/photo",
    "PUT",
    summary="Replace the profile photo with the image in the body (at most "
    f"{photos.MAX_BODY_BYTES // 2**20} MB)",
    tags=_TAGS,
    response=schema("photo.PhotoChanged"),
    errors=(409, 413, 415, 422, 503),
    content_types=IMAGE_TYPES,
)
def put_photo(call: Call) -> PhotoChanged:
    raw = call.request.raw_body or b""  # bytes: Chalice encodes a text body
    data = raw if isinstance(raw, bytes) else raw.encode()
    return photos.replace_with_bytes(call.account.account_id, data, actor_of(call))


@endpoint(
    bp,
    "/profile/photo/rotate",
    "POST",
    summary="Turn the profile photo clockwise",
    tags=_TAGS,
    body=schema("photo.PhotoRotate"),
    response=schema("photo.PhotoChanged"),
    errors=(400, 404, 409, 422, 503),
)
def rotate_photo(call: Call, body: PhotoRotate) -> PhotoChanged:
    return photos.rotate(call.account.account_id, body.degrees, actor_of(call))


@endpoint(
    bp,
    "/profile/photo",
    "DELETE",
    summary="Remove the profile photo",
    tags=_TAGS,
    status=204,
    errors=(409, 503),
)
def delete_photo(call: Call) -> None:
    photos.delete(call.account.account_id, actor_of(call))
