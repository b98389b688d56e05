"""The client portal page: ``GET /`` and its assets under ``GET /static/{name}``.

The page references its assets under a versioned path, ``assets/<version>/<name>``
(``version``: a hash of every asset's content), served with a year-long ``immutable``
cache lifetime: CloudFront and browsers keep them until a deploy changes a file, which
changes the version and so every name at once (a page never mixes old and new modules).
``/static/{name}`` stays, revalidated on every use, for anything that links it directly.

The page is plain HTML, CSS and ES modules kept in ``chalicelib/web`` (so they
ship in the Lambda package). Files are read once and kept in memory. Only
files that exist in that directory, with an allow-listed extension, are served:
the name is looked up in a listing of the directory, never joined to a path,
so nothing outside it can be reached.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

from chalice.app import Blueprint, Response

from chalicelib.api.endpoint import Call, endpoint
from chalicelib.config import settings
from chalicelib.errors import NotFound

bp = Blueprint(__name__)

WEB_DIR = Path(__file__).parent.parent / "web"
INDEX = "index.html"

# Extension -> Content-Type. Anything else is never served.
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
_TEXT_TYPES = (".js", ".css", ".json", ".svg")

_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

# Assets made from code rather than read from chalicelib/web: the API's error texts
# (chalicelib/i18n/errors.py) in both languages, so the page can show an error it got
# again in the other language when the person switches.
ERROR_TEXTS = "errors.json"


def _error_texts() -> str:
    from chalicelib.i18n.errors import MESSAGES

    by_language: dict[str, dict[str, str]] = {}
    for code, texts in sorted(MESSAGES.items()):
        for language, text in texts.items():
            by_language.setdefault(language, {})[code] = text
    return json.dumps(by_language, ensure_ascii=False, sort_keys=True)


_cache: dict[str, str | bytes] = {}
_assets: dict[str, Path] | None = None
_version: str | None = None
_lock = threading.Lock()
IMMUTABLE = "public, max-age=31536000, immutable"


def _asset_index() -> dict[str, Path]:
    """Name -> path of every servable asset (regular files, allow-listed extensions)."""
    global _assets
    if _assets is None:
        found: dict[str, Path] = {}
        for path in WEB_DIR.iterdir():
            if path.is_file() and not path.name.startswith(".") and path.suffix in CONTENT_TYPES:
                found[path.name] = path
        _assets = found
    return _assets


def asset_version() -> str:
    """A short hash of every asset's name and content: changes when any file does."""
    global _version
    if _version is None:
        digest = hashlib.sha256()
        for name, path in sorted(_asset_index().items()):
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        digest.update(ERROR_TEXTS.encode() + b"\0" + _error_texts().encode() + b"\0")
        _version = digest.hexdigest()[:12]
    return _version


def _read(name: str, path: Path, text: bool) -> str | bytes:
    cached = _cache.get(name)
    if cached is None:
        with _lock:
            cached = _cache.get(name)
            if cached is None:
                cached = path.read_text("utf-8") if text else path.read_bytes()
                _cache[name] = cached
    return cached


def s3_origins() -> str:
    """Origins the page may load photos from and post uploads to."""
    endpoint_url = os.environ.get("AWS_ENDPOINT_URL", "").strip()
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    conf = settings()
    return (
        f"https://{conf.bucket}.s3.{conf.region}.amazonaws.com "
        f"https://{conf.bucket}.s3.amazonaws.com"
    )


def content_security_policy() -> str:
    s3 = s3_origins()
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: blob: {s3}",
            f"connect-src 'self' {s3}",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


@endpoint(
    bp,
    "/",
    "GET",
    summary="The portal page",
    tags=("web",),
    auth=False,
    produces="text/html",
)
def portal_page(call: Call) -> Response:
    # Assets are referenced relatively ("static/app.js"). Behind API Gateway's
    # default URL the page lives at "/<stage>/"; opened as "/<stage>" those
    # references would miss the stage, so add the slash.
    public_path = (call.request.context or {}).get("path") or "/"
    if not public_path.endswith("/"):
        return Response(
            body="",
            status_code=308,
            headers={"Location": public_path + "/", **_COMMON_HEADERS},
        )
    body = str(_read(INDEX, WEB_DIR / INDEX, text=True))
    body = body.replace('="static/', f'="assets/{asset_version()}/')
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": content_security_policy(),
            "Cache-Control": "no-cache",
            "X-Frame-Options": "DENY",
            **_COMMON_HEADERS,
        },
    )


@endpoint(
    bp,
    "/static/{name}",
    "GET",
    summary="Portal page assets",
    tags=("web",),
    auth=False,
    errors=(404,),
    produces="text/javascript",
)
def portal_asset(call: Call, name: str) -> Response:
    # Revalidate: these names carry no version, and a stale module graph
    # (new app.js, old api.js) would break the page.
    return _asset(name, cache_control="no-cache")


@endpoint(
    bp,
    "/assets/{version}/{name}",
    "GET",
    summary="Portal page assets under the current version (cached for a year)",
    tags=("web",),
    auth=False,
    errors=(404,),
    produces="text/javascript",
)
def portal_versioned_asset(call: Call, version: str, name: str) -> Response:
    if version != asset_version():  # an old page's name: not this content
        raise NotFound()
    return _asset(name, cache_control=IMMUTABLE)


def _asset(name: str, cache_control: str) -> Response:
    path = _asset_index().get(name)
    if name == ERROR_TEXTS and path is None:
        path = Path(ERROR_TEXTS)
        if name not in _cache:
            _cache[name] = _error_texts()
        body: str | bytes = _cache[name]
    elif path is None:
        raise NotFound()
    else:
        body = _read(name, path, text=path.suffix in _TEXT_TYPES)
    headers = {
        "Content-Type": CONTENT_TYPES[path.suffix],
        "Cache-Control": cache_control,
        **_COMMON_HEADERS,
    }
    if path.suffix == ".svg":
        # An SVG opened on its own is a document: it may run nothing.
        headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return Response(body=body, status_code=200, headers=dict(headers))
