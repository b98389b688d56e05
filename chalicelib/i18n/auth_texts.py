"""Emails of the sign-in area (codes, new sign-in notices), in French and English.

Short plain texts; the HTML part is the same text with the code emphasised.
"""

from __future__ import annotations

from html import escape
from typing import Any

from chalicelib.i18n import in_language
from chalicelib.i18n.mail import Email

_CODE: dict[str, dict[str, Any]] = {
    "fr": {
        "subject": "Votre code de connexion : {code}",
        "lines": (
            "Votre code de connexion au portail client est : {code}",
            "Il est valide pendant {minutes} minutes et ne peut servir qu'une fois.",
            "Si vous n'avez pas demandé ce code, ignorez ce courriel.",
        ),
    },
    "en": {
        "subject": "Your sign-in code: {code}",
        "lines": (
            "Your client portal sign-in code is: {code}",
            "It is valid for {minutes} minutes and can be used once.",
            "If you did not ask for this code, ignore this email.",
        ),
    },
}

_NOTICE: dict[str, dict[str, Any]] = {
    "fr": {
        "subject": "Nouvelle connexion à votre portail client",
        "lines": (
            "Une nouvelle connexion à votre compte a eu lieu le {when}.",
            "Appareil : {device}",
            "Navigateur : {browser}",
            "Lieu approximatif : {location}",
            "Si ce n'était pas vous, mettez fin à cette session dans Connexions actives.",
        ),
        "unknown": "inconnu",
    },
    "en": {
        "subject": "New sign-in to your client portal",
        "lines": (
            "There was a new sign-in to your account on {when}.",
            "Device: {device}",
            "Browser: {browser}",
            "Approximate location: {location}",
            "If this wasn't you, end the session in Active sessions (Connexions actives).",
        ),
        "unknown": "unknown",
    },
}


def _html(lines: list[str]) -> str:
    return "".join(f"<p>{escape(line)}</p>" for line in lines)


def code_email(code: str, language: str, *, minutes: int) -> Email:
    """The sign-in code; ``minutes``: how long it is valid (``limits.CODE_TTL``)."""
    texts = in_language(_CODE, language)
    lines = [line.format(code=code, minutes=minutes) for line in texts["lines"]]
    html = _html(lines).replace(escape(code), f"<strong>{escape(code)}</strong>", 1)
    return Email(texts["subject"].format(code=code), "\n\n".join(lines), html)


def new_sign_in_email(
    language: str, *, when: str, device: str | None, browser: str | None, location: str | None
) -> Email:
    texts = in_language(_NOTICE, language)
    unknown = texts["unknown"]
    values = {
        "when": when,
        "device": device or unknown,
        "browser": browser or unknown,
        "location": location or unknown,
    }
    lines = [line.format(**values) for line in texts["lines"]]
    return Email(texts["subject"], "\n\n".join(lines), _html(lines))
