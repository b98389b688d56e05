"""Routes: profile (see docs/api.md "Profile")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.api.actor import actor_of
from chalicelib.api.endpoint import Call, endpoint
from chalicelib.api.schema_ref import schema
from chalicelib.services import profile

if TYPE_CHECKING:
    from chalicelib.schemas.profile import Profile, ProfileUpdate

bp = Blueprint(__name__)


@endpoint(
    bp,
    "/profile",
    "GET",
    summary="The signed-in person's profile",
    tags=["profile"],
    response=schema("profile.Profile"),
    errors=(503,),
)
def get_profile(call: Call) -> Profile:
    return profile.get_profile(call.account)


@endpoint(
    bp,
    "/profile",
    "PUT",
    summary="Save the profile (Enregistrer)",
    description=(
        "Replaces every editable field at once. `version` must be the one read; "
        "otherwise 409 `version_conflict` and nothing is written. A 422 lists every "
        "failing field with its reason."
    ),
    tags=["profile"],
    body=schema("profile.ProfileUpdate"),
    response=schema("profile.Profile"),
    errors=(409, 422, 503),
)
def save_profile(call: Call, body: ProfileUpdate) -> Profile:
    return profile.save_profile(call.account, body, actor_of(call))
