"""Routes: auth (see API.md)."""

from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
