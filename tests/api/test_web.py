"""The portal page and its assets: headers, CSP, no path traversal, complete translations."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chalicelib.api import web

WEB = Path(web.__file__).resolve().parent.parent / "web"
CSP_DIRECTIVES = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
]


class Page(HTMLParser):
    """What the tests need to know about index.html."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_scripts = 0
        self.style_elements = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self._in_script = True
            if not attributes.get("src"):
                self.inline_scripts += 1
        if tag == "style":
            self.style_elements += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def error_code(response) -> str:
    body = json.loads(response.body)
    assert set(body) == {"error"}
    assert isinstance(body["error"]["message"], str)
    return body["error"]["code"]


# ---------------------------------------------------------------- serving


def test_page_is_html_with_strict_headers(client):
    response = client.http.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-cache"
    csp = response.headers["Content-Security-Policy"]
    directives = [d.strip() for d in csp.split(";")]
    for directive in CSP_DIRECTIVES:
        assert directive in directives
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_page_has_no_inline_script_or_style(client):
    html = client.http.get("/").body.decode("utf-8")
    page = parse(html)
    assert page.inline_scripts == 0
    assert page.style_elements == 0
    assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE)
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE), "inline event handler"
    assert "javascript:" not in html.lower()
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert scripts and all(attrs.get("type") == "module" for attrs in scripts)


def test_every_asset_the_page_references_is_served(client):
    page = parse(client.http.get("/").body.decode("utf-8"))
    refs = [
        attrs.get("src") or attrs.get("href")
        for tag, attrs in page.tags
        if tag in ("script", "link") and (attrs.get("src") or attrs.get("href"))
    ]
    version = web.asset_version()
    assert f"assets/{version}/app.js" in refs and f"assets/{version}/styles.css" in refs
    for ref in refs:
        # Relative, so the page also works under an API Gateway stage path; versioned, so
        # CloudFront and browsers may keep them a year.
        assert ref.startswith(f"assets/{version}/"), ref
        response = client.http.get("/" + ref)
        assert response.status_code == 200, ref
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        unversioned = client.http.get("/static/" + ref.rsplit("/", 1)[1])
        assert unversioned.body == response.body
        assert unversioned.headers["Cache-Control"] == "no-cache"


def test_the_apis_error_texts_are_served_to_the_page_in_both_languages(client, monkeypatch):
    """errors.json: what the page shows for an error code, in fr and en (it re-renders an
    error shown when the person switches language), from chalicelib/i18n/errors.py."""
    from chalicelib.i18n.errors import MESSAGES

    answer = client.http.get(f"/assets/{web.asset_version()}/errors.json")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    texts = json.loads(answer.body)
    assert set(texts) == {"fr", "en"}
    assert texts["fr"]["invalid_code"] == MESSAGES["invalid_code"]["fr"]
    assert texts["en"]["rate_limited"] == MESSAGES["rate_limited"]["en"]
    assert set(texts["fr"]) == set(texts["en"]) == set(MESSAGES)
    # A change of the texts is a new version: the year-long cached name must change too.
    first = web.asset_version()
    monkeypatch.setitem(MESSAGES, "invalid_code", {"fr": "Autre.", "en": "Other."})
    monkeypatch.setattr(web, "_version", None)
    assert web.asset_version() != first
    monkeypatch.setattr(web, "_version", None)


def test_an_asset_under_another_version_is_not_found(client):
    answer = client.http.get("/assets/0123456789ab/app.js")
    assert answer.status_code == 404
    assert answer.json_body["error"]["code"] == "not_found"


def test_the_asset_version_follows_the_content(monkeypatch, tmp_path):
    for name in ("app.js", "styles.css"):
        (tmp_path / name).write_text(f"/* {name} */", encoding="utf-8")
    monkeypatch.setattr(web, "WEB_DIR", tmp_path)
    monkeypatch.setattr(web, "_assets", None)
    monkeypatch.setattr(web, "_version", None)
    first = web.asset_version()
    (tmp_path / "app.js").write_text("/* changed */", encoding="utf-8")
    monkeypatch.setattr(web, "_version", None)
    assert web.asset_version() != first and len(first) == 12


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("api.js", "text/javascript; charset=utf-8"),
        ("i18n.js", "text/javascript; charset=utf-8"),
        ("format.js", "text/javascript; charset=utf-8"),
        ("styles.css", "text/css; charset=utf-8"),
        ("i18n.json", "application/json; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
def test_assets_are_served_with_their_type(client, name, content_type):
    response = client.http.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.body == (WEB / name).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/..%2Fapp.py",
        "/static/%2e%2e%2fapp.py",
        "/static/..%2F..%2Fapp.py",
        "/static/%2Fetc%2Fpasswd",
        "/static/index.html",  # the page itself is not an asset
        "/static/nope.js",
        "/static/web.py",
        "/static/app.js%00.png",
        "/static/.",
        "/static/..",
        "/static/APP.JS",
    ],
)
def test_unknown_or_escaping_names_are_404_in_the_error_shape(client, path):
    response = client.http.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert error_code(response) in ("not_found", "route_not_found")


def test_only_allow_listed_files_of_the_web_directory_are_assets():
    served = set(web._asset_index())
    assert "index.html" not in served
    for name in served:
        assert (WEB / name).is_file()
        assert Path(name).suffix in (".js", ".css", ".json", ".svg", ".png", ".ico")


def test_page_without_trailing_slash_under_a_stage_redirects(app):
    """Behind API Gateway the page is /<stage>/; /<stage> would break relative assets."""
    from app import app as chalice_app

    event = {
        "resource": "/",
        "path": "/",
        "httpMethod": "GET",
        "headers": {"Accept": "text/html"},
        "multiValueHeaders": {"Accept": ["text/html"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/",
            "httpMethod": "GET",
            "path": "/api",
            "stage": "api",
            "identity": {"sourceIp": "203.0.113.9"},
            "requestId": "r1",
        },
        "body": None,
        "isBase64Encoded": False,
    }
    response = chalice_app(event, None)
    assert response["statusCode"] == 308
    assert response["headers"]["Location"] == "/api/"

    event["requestContext"]["path"] = "/api/"
    response = chalice_app(event, None)
    assert response["statusCode"] == 200


# ---------------------------------------------------------------- CSP origins


def test_csp_allows_the_local_s3_endpoint(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/some/path")
    csp = web.content_security_policy()
    assert "img-src 'self' data: blob: http://127.0.0.1:4566;" in csp
    assert "connect-src 'self' http://127.0.0.1:4566;" in csp
    assert "amazonaws.com" not in csp


def test_csp_allows_the_photo_bucket_on_aws(monkeypatch):
    from chalicelib.config import settings

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("PORTAL_BUCKET", "photos-bucket")
    monkeypatch.setenv("AWS_REGION", "ca-central-1")
    settings.cache_clear()
    try:
        csp = web.content_security_policy()
    finally:
        monkeypatch.undo()
        settings.cache_clear()
    origins = (
        "https://photos-bucket.s3.ca-central-1.amazonaws.com https://photos-bucket.s3.amazonaws.com"
    )
    assert f"img-src 'self' data: blob: {origins};" in csp
    assert f"connect-src 'self' {origins};" in csp


# ---------------------------------------------------------------- page source checks


def _dictionaries() -> dict[str, dict[str, str]]:
    return json.loads((WEB / "i18n.json").read_text("utf-8"))


def _index() -> str:
    return (WEB / "index.html").read_text("utf-8")


def _scripts() -> dict[str, str]:
    return {path.name: path.read_text("utf-8") for path in WEB.glob("*.js")}


def test_french_and_english_have_the_same_keys_and_placeholders():
    dictionaries = _dictionaries()
    assert set(dictionaries) == {"fr", "en"}
    fr, en = dictionaries["fr"], dictionaries["en"]
    assert set(fr) == set(en)
    for key in fr:
        assert fr[key].strip() and en[key].strip(), key
        assert set(re.findall(r"\{(\w+)\}", fr[key])) == set(re.findall(r"\{(\w+)\}", en[key])), key


def test_every_key_used_by_the_page_exists_in_both_languages():
    dictionaries = _dictionaries()
    used = set(re.findall(r'data-i18n(?:-[a-z-]+)?="([^"]+)"', _index()))
    assert len(used) > 30
    for source in _scripts().values():
        used |= set(re.findall(r'\bt\(\s*"([^"$]+)"', source))
        used |= {
            f"{key}.{form}"
            for key in re.findall(r'\btn\(\s*"([^"$]+)"', source)
            for form in ("one", "other")
        }
    for lang in ("fr", "en"):
        missing = sorted(key for key in used if key not in dictionaries[lang])
        assert not missing, f"{lang}: {missing}"
    # Keys built at run time from contract values.
    for lang in ("fr", "en"):
        for reason in (
            "required",
            "too_long",
            "invalid_characters",
            "invalid_phone",
            "not_mobile",
            "invalid_choice",
        ):
            assert f"reason.{reason}" in dictionaries[lang]
        for fmt in ("YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "D MMMM YYYY"):
            assert f"datefmt.{fmt}" in dictionaries[lang]
        for fmt in ("24h", "12h"):
            assert f"timefmt.{fmt}" in dictionaries[lang]
        for device in ("desktop", "mobile", "tablet", "bot", "other"):
            assert f"device.{device}" in dictionaries[lang]
        for status in ("booked", "cancelled"):
            assert f"appointments.status.{status}" in dictionaries[lang]


def test_every_form_control_has_a_label():
    page = parse(_index())
    label_for = {attrs.get("for") for tag, attrs in page.tags if tag == "label"}
    controls = [
        attrs
        for tag, attrs in page.tags
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden"
    ]
    assert controls
    for attrs in controls:
        assert attrs.get("id") in label_for, attrs.get("id")


def test_described_by_targets_exist():
    page = parse(_index())
    ids = {attrs.get("id") for _, attrs in page.tags if attrs.get("id")}
    for _, attrs in page.tags:
        for target in (attrs.get("aria-describedby") or "").split():
            assert target in ids, target


def test_stable_test_ids_are_present():
    html = _index()
    static_ids = set(re.findall(r'data-testid="([^"]+)"', html))
    for testid in (
        "email-input",
        "send-code",
        "code-input",
        "login",
        "first-name",
        "last-name",
        "mobile-phone",
        "home-phone",
        "language",
        "date-format",
        "time-format",
        "timezone",
        "save-profile",
        "photo-file",
        "rotate-photo",
        "delete-photo",
        "add-email",
        "new-email",
        "send-email-code",
        "email-code",
        "verify-code",
        "end-other-sessions",
        "appointments-list",
        "tab-profile",
        "tab-emails",
        "tab-sessions",
        "tab-appointments",
        "logout",
        "lang-toggle",
        "status",
    ):
        assert testid in static_ids, testid
    page_js = "\n".join(_scripts().values())  # the tabs' modules build these rows
    for dynamic in ("remove-email-${", "end-session-${", '"session-row"', '"appointment-row"'):
        assert dynamic in page_js, dynamic


def _without_comments(source: str) -> str:
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)
    return re.sub(r"(^|\s)//.*$", r"\1", source, flags=re.MULTILINE)


def test_scripts_build_the_dom_safely_and_keep_the_token_out_of_local_storage():
    for name, full_source in _scripts().items():
        source = _without_comments(full_source)
        for forbidden in (
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
            ".style.",
            'setAttribute("style"',
        ):
            assert forbidden not in source, f"{name}: {forbidden}"
        # The session is an HttpOnly cookie: no script keeps a token anywhere. Only the
        # sign-in screen's language choice is kept in localStorage, by i18n.js.
        assert "sessionStorage" not in source and "Authorization" not in source, name
        if name != "i18n.js":
            assert "localStorage" not in source, name
    api_js = _scripts()["api.js"]
    assert '"X-Portal-Page": "1"' in api_js and "Accept-Language" in api_js


def test_page_formats_dates_exactly_like_the_server(tmp_path):
    """The portal shows appointments as the reminders (chalicelib.i18n.formatting) word them."""
    import shutil
    import subprocess
    from datetime import UTC, datetime, timedelta

    from chalicelib.i18n.formatting import DisplayPrefs, format_datetime

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(minutes=37 * 61 * i) for i in range(120)]
    moments += [datetime(2026, 11, 1, 4, 0, tzinfo=UTC), datetime(2026, 3, 8, 17, 0, tzinfo=UTC)]
    cases = [
        (moment.isoformat(), language, date_format, time_format, timezone)
        for moment in moments
        for language in ("fr", "en")
        for date_format in ("YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "D MMMM YYYY")
        for time_format in ("24h", "12h")
        for timezone in ("America/Toronto", "Europe/Paris", "America/St_Johns")
    ]
    expected = [
        format_datetime(datetime.fromisoformat(iso), DisplayPrefs(lang, df, tf, tz))
        for iso, lang, df, tf, tz in cases
    ]
    script = tmp_path / "run.mjs"
    script.write_text(
        f'import {{ formatDateTime }} from "{(WEB / "format.js").as_uri()}";\n'
        'import { readFileSync } from "node:fs";\n'
        "const cases = JSON.parse(readFileSync(0, 'utf8'));\n"
        "console.log(JSON.stringify(cases.map(([iso, language, date_format, time_format,"
        " timezone]) => formatDateTime(new Date(iso),"
        " { language, date_format, time_format, timezone }))));\n"
    )
    result = subprocess.run(
        [node, str(script)], input=json.dumps(cases), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    actual = json.loads(result.stdout)
    mismatches = [(c, e, a) for c, e, a in zip(cases, expected, actual) if e != a]
    assert not mismatches, mismatches[:5]
