"""``GET /config`` and ``GET /timezones``: what the web page reads instead of copying."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from chalicelib.schemas.common import out


@out
class DisplayDefaults(TypedDict):
    language: Annotated[str, Field(examples=["fr"])]
    date_format: Annotated[str, Field(examples=["YYYY-MM-DD"])]
    time_format: Annotated[str, Field(examples=["24h"])]
    timezone: Annotated[str, Field(examples=["America/Toronto"])]


@out
class Choices(TypedDict):
    languages: list[str]
    date_formats: list[str]
    time_formats: list[str]


@out
class Limits(TypedDict):
    name_max_length: int
    phone_max_length: int
    email_max_length: int
    code_digits: int
    code_lifetime_seconds: int
    photo_max_bytes: int
    session_lifetime_days: int


@out
class PageConfig(TypedDict):
    """The display defaults of a new account, the choices ``PUT /profile`` accepts, limits."""

    defaults: DisplayDefaults
    choices: Choices
    limits: Limits


class TimezonesQuery(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    lang: Literal["fr", "en"] | None = Field(
        default=None, description="Language of the labels (default: Accept-Language)."
    )


@out
class TimeZoneOut(TypedDict):
    id: Annotated[
        str, Field(description="IANA name (the profile's `timezone`).", examples=["Asia/Tokyo"])
    ]
    label: Annotated[
        str, Field(description="Exemplar city (country).", examples=["Toronto (Canada)"])
    ]
    offset: Annotated[
        str, Field(description="UTC offset now, U+2212 minus.", examples=["UTC−05:00"])
    ]
    aliases: NotRequired[
        Annotated[
            list[str],
            Field(
                description="Other places and old names to search by; absent when none.",
                examples=[["Montréal", "Québec", "Ottawa"]],
            ),
        ]
    ]


@out
class TimeZones(TypedDict):
    language: str
    zones: list[TimeZoneOut]
