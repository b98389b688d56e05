"""French-first texts and language negotiation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from chalicelib.config import LANGUAGES, settings

T = TypeVar("T")


def in_language(texts: Mapping[str, T], language: str) -> T:
    """The text in ``language``, or in the default language when there is none."""
    return texts.get(language) or texts[settings().default_language]


def negotiate(accept_language: str | None) -> str:
    """Pick fr or en from an Accept-Language header (q-values honoured)."""
    best, best_q = None, -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if lang in LANGUAGES and q > best_q:
            best, best_q = lang, q
    return best or settings().default_language
