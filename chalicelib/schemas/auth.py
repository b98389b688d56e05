"""Sign-in by emailed code (docs/api.md "Sign-in")."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from chalicelib.limits import CODE_TTL_SECONDS
from chalicelib.schemas.common import EmailIn, out
from chalicelib.schemas.profile import Profile
from chalicelib.schemas.sessions import SessionOut

FLOW_EXAMPLE = "Jk3v0wq9Yx2bT8sLmN4pR6uZ1aC5dE7f"
_BODY = ConfigDict(defer_build=True, str_strip_whitespace=True)


class CodeRequest(BaseModel):
    model_config = _BODY

    email: EmailIn


@out
class CodeSent(TypedDict):
    sent: Literal[True]
    expires_in: Annotated[
        int,
        Field(description="Seconds the code stays valid.", examples=[CODE_TTL_SECONDS]),
    ]
    flow: Annotated[
        str,
        Field(
            description="Opaque id of this sign-in flow: send it with the code to /auth/login.",
            examples=[FLOW_EXAMPLE],
        ),
    ]


class LoginRequest(BaseModel):
    model_config = _BODY

    email: EmailIn
    code: Annotated[str, Field(pattern=r"^[0-9]{6}$", examples=["123456"])]
    flow: Annotated[
        str,
        Field(
            pattern=r"^[A-Za-z0-9_-]{16,64}$",
            description="The `flow` of the `POST /auth/code` answer that sent the code.",
            examples=[FLOW_EXAMPLE],
        ),
    ]


@out
class LoginOut(TypedDict):
    token: NotRequired[
        Annotated[
            str,
            Field(
                description="Bearer token; shown once. `<account>.<session>.<secret>`. Absent "
                "when the page signs in (`X-Portal-Page: 1`): the token is then only in the "
                "HttpOnly session cookie."
            ),
        ]
    ]
    session: SessionOut
    profile: Profile
