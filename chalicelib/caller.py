"""The authenticated caller of a request, as routes and services see it.

A neutral module: the route decorator (``chalicelib.api.endpoint``) builds a
``Call``; services receive the ``Caller`` (or the ``Call``) without importing
anything of the API layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalice.app import Request

if TYPE_CHECKING:
    from chalicelib.store.accounts import Account


class Caller:
    """The authenticated person behind a request.

    The account item is read only when something needs it (the profile, the
    language of an error message), once per request.
    """

    def __init__(
        self,
        account_id: str,
        session_id: str,
        email: str,
        load_account: Callable[[str], Account],
    ) -> None:
        self.account_id = account_id
        self.session_id = session_id
        self.email = email
        self._load_account = load_account
        self._account: Account | None = None

    def account(self) -> Account:
        if self._account is None:
            self._account = self._load_account(self.account_id)
        return self._account

    @property
    def language(self) -> str:
        return self.account().language


@dataclass
class Call:
    """What a view receives: the request, the caller, parsed query and language."""

    request: Request
    caller: Caller | None = None
    query: Any = None
    negotiated_language: str = "fr"

    @property
    def language(self) -> str:
        """The account's language when signed in, else Accept-Language, else the default."""
        if self.caller is not None:
            try:
                return self.caller.language
            except Exception:  # the account could not be read: fall back, never fail here
                return self.negotiated_language
        return self.negotiated_language

    @property
    def headers(self) -> Any:
        return self.request.headers

    @property
    def source_ip(self) -> str:
        identity = (self.request.context or {}).get("identity") or {}
        return identity.get("sourceIp") or ""

    @property
    def request_id(self) -> str:
        return (self.request.context or {}).get("requestId") or ""

    @property
    def account(self) -> Caller:
        """The caller of an authenticated route (never None there)."""
        assert self.caller is not None
        return self.caller
