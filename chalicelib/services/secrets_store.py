"""The server-side key that one-time codes are HMAC'd with."""

from __future__ import annotations

import threading

from chalicelib.config import settings
from chalicelib.errors import Unavailable

_lock = threading.Lock()
_from_parameter: dict[str, bytes] = {}  # parameter name -> key (one SSM read per process)


def code_key() -> bytes:
    """``PORTAL_CODE_SECRET`` when set (local, tests), else the SSM SecureString named by
    ``PORTAL_CODE_SECRET_PARAMETER`` (cached per process). Neither: fail closed (503),
    never a built-in default key.
    """
    config = settings()
    if config.code_secret:
        return config.code_secret.encode()
    name = config.code_secret_parameter
    if not name:
        raise Unavailable("code_secret")
    key = _from_parameter.get(name)
    if key is None:
        from chalicelib.adapters import parameters

        with _lock:
            key = _from_parameter.get(name)
            if key is None:
                key = parameters.secure_string(name).encode()
                _from_parameter[name] = key
    return key


def reset() -> None:
    """Forget the cached key (tests; a rotated parameter)."""
    _from_parameter.clear()
