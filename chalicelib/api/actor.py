"""The actor of a change (for the activity log): the caller's session and request."""

from __future__ import annotations

from chalicelib.api.endpoint import Call
from chalicelib.services.activity import Actor
from chalicelib.services.client_info import client_ip, client_location


def actor_of(call: Call) -> Actor:
    """Built here, from the request, so services get plain values, not the request."""
    caller = call.account
    ip = client_ip(call.source_ip, call.headers)
    return Actor(
        account_id=caller.account_id,
        session_id=caller.session_id,
        email=caller.email,
        ip=ip or None,
        location=client_location(ip, call.headers) if ip else None,
        user_agent=call.headers.get("user-agent"),
    )
