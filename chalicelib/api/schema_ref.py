"""Pydantic models named in route declarations, imported on the first request that needs them.

Importing pydantic and creating the ~40 model classes of ``chalicelib.schemas``
would add about a third to every cold start, though only the routes that
validate a body or a query need them (GET routes never do, bar one query).
So a route declares its models by name (``schema("profile.ProfileUpdate")``);
the module is imported on the first request that validates, and by
``/openapi.json``, which documents every route from the same declarations.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import TypeAdapter

SCHEMAS_PACKAGE = "chalicelib.schemas"


@dataclass(frozen=True)
class SchemaRef:
    """``chalicelib.schemas.<module>.<name>``, not imported yet."""

    module: str
    name: str

    def load(self) -> Any:
        return _load(self.module, self.name)


def schema(dotted: str) -> SchemaRef:
    """``schema("profile.ProfileUpdate")``: a model of ``chalicelib.schemas.profile``."""
    module, _, name = dotted.rpartition(".")
    if not module or not name:
        raise ValueError(f"expected '<module>.<Model>', got {dotted!r}")
    return SchemaRef(module, name)


Model = Any  # a SchemaRef, or a model / TypedDict class (tools and tests may pass one)


def load(model: Model) -> Any:
    """The class behind a declaration (imports its module on first use): a pydantic
    model (a request) or a ``TypedDict`` (a response)."""
    return model.load() if isinstance(model, SchemaRef) else model


def adapter(model: Model) -> TypeAdapter[Any]:
    """The pydantic ``TypeAdapter`` of a declared class (cached per class)."""
    return _adapter(load(model))


@cache
def _adapter(declared: Any) -> TypeAdapter[Any]:
    from pydantic import TypeAdapter

    return TypeAdapter(declared)


def check_response(model: Model, answer: object) -> None:
    """Raise ``pydantic.ValidationError`` unless ``answer`` is exactly the declared
    response shape: every key, no other key, each value of its type (strict)."""
    adapter(model).validate_python(answer, strict=True)


@cache
def _load(module: str, name: str) -> Any:
    return getattr(importlib.import_module(f"{SCHEMAS_PACKAGE}.{module}"), name)
