"""Every error code the API can answer has a French and an English message.

The codes are collected from the code itself, not from a list kept by hand: every
``chalicelib.errors`` class raised (its own code, or the literal code given to it:
``Conflict("email_in_use")``, ``code="too_many_attempts"``), every code answered
directly (``error_response(status, "internal_error", ...)``, ``message("...")``,
Chalice's and API Gateway's own errors mapped to the contract's shape).
"""

from __future__ import annotations

import ast
import inspect
from collections import defaultdict
from pathlib import Path

from chalicelib import errors
from chalicelib.api.errors import CHALICE_ERROR_CODES
from chalicelib.config import LANGUAGES
from chalicelib.i18n import errors as texts
from infra.package import GATEWAY_RESPONSES

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "app.py", *(ROOT / "chalicelib").rglob("*.py"), *(ROOT / "infra").rglob("*.py")]

ERROR_CLASSES = {
    name: cls
    for name, cls in vars(errors).items()
    if inspect.isclass(cls) and issubclass(cls, errors.PortalError)
}
# Classes whose first positional argument is the code (the others take fields, seconds...).
CODE_FIRST = {
    name
    for name, cls in ERROR_CLASSES.items()
    if list(inspect.signature(cls.__init__).parameters)[1:2] == ["code"]
}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def codes_by_status() -> dict[int | None, set[str]]:
    """Every code the code base can answer, by HTTP status (None: the status varies)."""
    found: dict[int | None, set[str]] = defaultdict(set)
    for status, code in CHALICE_ERROR_CODES.items():
        found[status].add(code)
    for status, code in GATEWAY_RESPONSES.values():
        found[status].add(code)
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name in ERROR_CLASSES:
                cls = ERROR_CLASSES[name]
                given = [_literal(k.value) for k in node.keywords if k.arg == "code"]
                if name in CODE_FIRST and node.args:
                    given.append(_literal(node.args[0]))
                if given:  # a code held in a variable comes from one of the tables above
                    found[cls.status].update(code for code in given if code)
                else:  # raised without a code: the class's own
                    found[cls.status].add(cls.code)
            elif name == "error_response" and len(node.args) >= 2 and _literal(node.args[1]):
                status = node.args[0].value if isinstance(node.args[0], ast.Constant) else None
                found[status].add(_literal(node.args[1]))
            elif name == "message" and node.args and _literal(node.args[0]):
                found[None].add(_literal(node.args[0]))
    return found


def test_the_collection_finds_the_codes_raised_in_services():
    every = set().union(*codes_by_status().values())
    # One of each way a code is given: class default, positional, keyword, direct answer.
    assert {"unavailable", "email_in_use", "too_many_attempts", "internal_error"} <= every
    assert {"route_not_found", "method_not_allowed", "photo_changed"} <= every
    assert "ValidationFailed" not in CODE_FIRST and "Conflict" in CODE_FIRST


def test_every_error_code_has_french_and_english_text():
    every = set().union(*codes_by_status().values())
    missing = {
        code: [language for language in LANGUAGES if not texts.MESSAGES.get(code, {}).get(language)]
        for code in sorted(every)
    }
    assert {code: gaps for code, gaps in missing.items() if gaps} == {}


def test_every_message_is_for_a_code_the_api_answers():
    """No text for a code nothing raises (a renamed code would leave its old text)."""
    every = set().union(*codes_by_status().values())
    assert sorted(set(texts.MESSAGES) - every) == []


def test_every_declared_error_status_has_a_code_with_texts():
    """Each status a route declares (``errors=``, in /openapi.json) is answered with codes
    that have texts."""
    from app import app
    from chalicelib.api.openapi import build

    found = codes_by_status()
    statuses = {
        int(status)
        for operations in build(app)["paths"].values()
        for operation in operations.values()
        for status in operation.get("responses", {})
        if status.isdigit() and int(status) >= 400
    }
    assert statuses
    for status in sorted(statuses):
        assert found.get(status), f"no error code answers {status}"
        for code in found[status]:
            assert all(texts.MESSAGES[code].get(language) for language in LANGUAGES), code
