"""Profile photo requests and answers (docs/api.md "Photo")."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from chalicelib.schemas.common import Instant, out

DEFERRED = ConfigDict(defer_build=True)


@out
class UploadTicket(TypedDict):
    url: Annotated[str, Field(description="Where to POST the multipart form (S3).")]
    fields: Annotated[
        dict[str, str],
        Field(
            description="Form fields to send as given, before the `file` field. `Content-Type` "
            "may be replaced by the file's own image/... type."
        ),
    ]
    key: Annotated[str, Field(description="The object key to commit with POST /profile/photo.")]
    max_bytes: Annotated[int, Field(description="Largest file S3 accepts for this upload.")]
    expires_in: Annotated[int, Field(description="Seconds the form stays valid.")]


class PhotoCommit(BaseModel):
    model_config = DEFERRED

    key: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^uploads/[A-Za-z0-9_-]{1,64}/[A-Za-z0-9_-]{1,64}$",
        description="The `key` of an upload issued to this account.",
    )


class PhotoRotate(BaseModel):
    model_config = DEFERRED

    degrees: Literal[90, 180, 270] = Field(description="Clockwise.")


@out
class PhotoOut(TypedDict):
    """The ``photo`` member of the profile."""

    url: Annotated[
        str, Field(description="Signed URL valid one hour; the object itself is never public.")
    ]
    width: Annotated[int, Field(ge=1, le=1024)]
    height: Annotated[int, Field(ge=1, le=1024)]
    updated_at: Instant


@out
class PhotoChanged(PhotoOut):
    """A photo route's answer: the photo, and the profile version after the change."""

    version: Annotated[
        int,
        Field(
            description="The profile's version after this change: photo changes increment it "
            "(so a stale profile save cannot bring back a deleted photo); use it for the next "
            "PUT /profile."
        ),
    ]
