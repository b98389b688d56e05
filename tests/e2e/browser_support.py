"""Helpers for the browser tests: codes from the dev outbox, API sign-ins, test data, images.

Nothing here drives the browser itself except ``ConsoleWatch`` (listens to a page)
and ``no_horizontal_overflow`` (measures it).
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import requests

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# The page's own texts, to assert what people read in both languages.
WEB = Path(__file__).resolve().parents[2] / "chalicelib" / "web"
TEXTS: dict[str, dict[str, str]] = json.loads((WEB / "i18n.json").read_text("utf-8"))


def skip_module_without_chromium() -> None:
    """Skip a browser test module when Debian's Chromium is missing (the run ends
    with a red line saying so: tests/e2e/conftest.py)."""
    if not CHROMIUM.exists():
        import pytest

        pytest.skip(
            f"BROWSER TESTS SKIPPED: {CHROMIUM} not found — install Debian's chromium",
            allow_module_level=True,
        )


VIEWPORTS = {"phone": {"width": 375, "height": 740}, "desktop": {"width": 1280, "height": 800}}
LOCALES = {"fr": "fr-CA", "en": "en-CA"}
TIMEZONE = "America/Toronto"

# Another device, as a sign-in through the API would report it.
OTHER_DEVICE_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"

CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
T = TypeVar("T")


def poll(check: Callable[[], T], timeout: float = 10.0, interval: float = 0.1) -> T:
    """``check()`` until it returns something truthy; its last value otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    return check()


# ---------------------------------------------------------------- outbox and codes


def emails_to(api: str, address: str) -> list[dict[str, Any]]:
    """Emails the stack sent to ``address``, oldest first."""
    outbox = requests.get(f"{api}/_dev/outbox", timeout=5).json()
    wanted = address.lower()
    return [mail for mail in outbox["emails"] if wanted in str(mail.get("to", "")).lower()]


class CodeMail:
    """The next code emailed to an address: note the count now, read the code later.

    Only emails that arrive after construction count, so an older code (or a
    new-device notice) is never taken for the new one.
    """

    def __init__(self, api: str, address: str) -> None:
        self.api, self.address = api, address
        self.seen = len(emails_to(api, address))

    def code(self, timeout: float = 10.0) -> str:
        def newest_code() -> str | None:
            for mail in reversed(emails_to(self.api, self.address)[self.seen :]):
                found = CODE_RE.search(mail.get("text") or "")
                if found:
                    return found.group(1)
            return None

        code = poll(newest_code, timeout=timeout)
        assert code, f"no code emailed to {self.address} within {timeout} s"
        return code


# ---------------------------------------------------------------- API sign-in


@dataclass
class ApiSession:
    """A session opened through the API, as another device would."""

    email: str
    token: str
    session_id: str
    code_requested_at: float  # epoch seconds of the code request (rate-limit window)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}

    def get(self, api: str, path: str) -> requests.Response:
        return requests.get(f"{api}/{path}", headers=self.headers, timeout=10)


def api_sign_in(api: str, email: str, user_agent: str = OTHER_DEVICE_UA) -> ApiSession:
    headers = {"User-Agent": user_agent, "Content-Type": "application/json"}
    mail = CodeMail(api, email)
    requested_at = time.time()
    sent = requests.post(
        f"{api}/auth/code", data=json.dumps({"email": email}), headers=headers, timeout=10
    )
    assert sent.status_code == 202, sent.text
    answer = requests.post(
        f"{api}/auth/login",
        data=json.dumps({"email": email, "code": mail.code(), "flow": sent.json()["flow"]}),
        headers=headers,
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return ApiSession(email, body["token"], body["session"]["id"], requested_at)


def wait_for_next_code_window(since: float) -> None:
    """Sleep until a code request made at ``since`` no longer blocks the next one for
    the same address (one per rolling 60 s)."""
    delay = since + 61 - time.time()
    if delay > 0:
        time.sleep(delay)


# ---------------------------------------------------------------- test data


def send_booking_events(stack: Any, events: list[dict[str, Any]]) -> None:
    """Send events through the booking queue (the real intake path) and wait until stored."""
    dynamodb = stack.boto("dynamodb")
    table = "portal-local-appointments"

    def count() -> int:
        return dynamodb.scan(TableName=table, Select="COUNT")["Count"]

    # The demo data is loaded through the same queue at start-up: wait for it first.
    before = poll(count, timeout=20)
    sqs = stack.boto("sqs")
    url = sqs.get_queue_url(QueueName="portal-local-booking-events")["QueueUrl"]
    for event in events:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
    wanted = before + sum(1 for e in events if e["type"] == "appointment.upserted")
    assert poll(lambda: count() >= wanted, timeout=20), "booking events not consumed"


def iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def person_events(
    professional_id: str,
    client_id: str,
    first: str,
    last: str,
    email: str,
    language: str,
    appointment: tuple[str, float, str],
) -> list[dict[str, Any]]:
    """A client record and one appointment (id, days from now, service) at a professional."""
    now = time.time()
    appointment_id, days, service = appointment
    start = (int(now + days * 86400) // 3600) * 3600
    return [
        {
            "type": "client_record.upserted",
            "occurred_at": iso(now),
            "client_record": {
                "professional_id": professional_id,
                "client_id": client_id,
                "first_name": first,
                "last_name": last,
                "email": email,
                "mobile_phone": None,
                "home_phone": None,
                "language": language,
                "created_at": iso(now - 30 * 86400),
            },
        },
        {
            "type": "appointment.upserted",
            "occurred_at": iso(now),
            "appointment": {
                "professional_id": professional_id,
                "client_id": client_id,
                "id": appointment_id,
                "start": iso(start),
                "end": iso(start + 45 * 60),
                "service": service,
                "status": "booked",
            },
        },
    ]


def jpeg(width: int, height: int) -> bytes:
    """A real JPEG: a left-to-right gradient with a dark band at the top (shows rotation)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (40, 120, 200))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 8):
        draw.rectangle((x, 0, x + 7, height), fill=(40 + x * 200 // width, 120, 200))
    draw.rectangle((0, 0, width, height // 5), fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


# ---------------------------------------------------------------- page observation


@dataclass
class ConsoleWatch:
    """Console errors, uncaught exceptions and CSP violations seen on a page."""

    problems: list[str] = field(default_factory=list)
    # Chromium logs every 4xx answer as "Failed to load resource: ... status of 422 ...":
    # the ones a test provokes on purpose are declared, once each, with expect_failed_load.
    allowed_statuses: list[int] = field(default_factory=list)

    def expect_failed_load(self, status: int) -> None:
        self.allowed_statuses.append(status)

    def attach(self, page: Any) -> ConsoleWatch:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        return self

    def _console(self, message: Any) -> None:
        text = message.text
        failed = re.search(r"Failed to load resource: .*status of (\d{3})", text)
        if failed and int(failed.group(1)) in self.allowed_statuses:
            self.allowed_statuses.remove(int(failed.group(1)))
            return
        if message.type in ("error", "assert") or "Content Security Policy" in text:
            self.problems.append(f"console.{message.type}: {text}")


# Run by the browser itself before the page's scripts (not subject to the page's CSP):
# reports every CSP violation to the console, where ConsoleWatch sees it.
REPORT_CSP_VIOLATIONS = """document.addEventListener('securitypolicyviolation', (e) =>
  console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"""

OVERFLOW_JS = """() => {
  const root = document.documentElement;
  const wide = [];
  for (const node of document.querySelectorAll('body *')) {
    if (!node.getClientRects().length) continue;
    const box = node.getBoundingClientRect();
    if (box.right > root.clientWidth + 1) wide.push(
      (node.dataset.testid || node.id || node.tagName.toLowerCase()) + ':' + Math.round(box.right));
  }
  return {scroll: root.scrollWidth, client: root.clientWidth, wide: wide.slice(0, 10)};
}"""


def horizontal_overflow(page: Any) -> dict[str, Any] | None:
    """None when nothing sticks out to the right of the viewport, else what does."""
    measured = page.evaluate(OVERFLOW_JS)
    if measured["scroll"] <= measured["client"] and not measured["wide"]:
        return None
    return measured
