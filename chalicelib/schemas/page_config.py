"""``GET /config`` and ``GET /timezones``: what the web page reads instead of copying."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_DEFERRED = ConfigDict(defer_build=True)


class DisplayDefaults(BaseModel):
    model_config = _DEFERRED

    language: str = Field(examples=["fr"])
    date_format: str = Field(examples=["YYYY-MM-DD"])
    time_format: str = Field(examples=["24h"])
    timezone: str = Field(examples=["America/Toronto"])


class Choices(BaseModel):
    model_config = _DEFERRED

    languages: list[str]
    date_formats: list[str]
    time_formats: list[str]


class Limits(BaseModel):
    model_config = _DEFERRED

    name_max_length: int
    phone_max_length: int
    email_max_length: int
    code_digits: int
    code_lifetime_seconds: int
    photo_max_bytes: int
    session_lifetime_days: int


class PageConfig(BaseModel):
    """The display defaults of a new account, the choices ``PUT /profile`` accepts, limits."""

    model_config = _DEFERRED

    defaults: DisplayDefaults
    choices: Choices
    limits: Limits


class TimezonesQuery(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")

    lang: Literal["fr", "en"] | None = Field(
        default=None, description="Language of the labels (default: Accept-Language)."
    )


class TimeZoneOut(BaseModel):
    model_config = _DEFERRED

    id: str = Field(description="IANA name (the profile's `timezone`).", examples=["Asia/Tokyo"])
    label: str = Field(description="Exemplar city (country).", examples=["Toronto (Canada)"])
    offset: str = Field(description="UTC offset now, U+2212 minus.", examples=["UTC−05:00"])
    aliases: list[str] = Field(
        default_factory=list,
        description="Other places and old names to search by; absent when none.",
        examples=[["Montréal", "Québec", "Ottawa"]],
    )


class TimeZones(BaseModel):
    model_config = _DEFERRED

    language: str
    zones: list[TimeZoneOut]
