"""The page's cross-cutting behaviour in a real browser (Chromium via Playwright): the cookie
session (a second tab is signed in; no script-readable token), the tab in the URL,
confirmation dialogs, the unsaved-changes guard, messages by kind, Retry-After countdowns,
retry buttons, language details. French and English, phone and desktop widths.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser_support import (
    CHROMIUM,
    LOCALES,
    REPORT_CSP_VIOLATIONS,
    TIMEZONE,
    VIEWPORTS,
    CodeMail,
    ConsoleWatch,
    person_events,
    send_booking_events,
)

if not CHROMIUM.exists():
    pytest.skip(
        f"BROWSER TESTS SKIPPED: {CHROMIUM} not found — install Debian's chromium",
        allow_module_level=True,
    )

from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

WEB = Path(__file__).resolve().parents[2] / "chalicelib" / "web"
TEXTS: dict[str, dict[str, str]] = json.loads((WEB / "i18n.json").read_text("utf-8"))
expect.set_options(timeout=10_000)

# One address per scenario (one code per address per 60 s), each with a client record.
PEOPLE = {
    "cookie": ("morgan.page@example.com", "Morgan", "fr"),
    "tabs": ("riley.page@example.org", "Riley", "en"),
}


def text(lang: str, key: str, **params: Any) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(params.get(m.group(1), m.group(0))), TEXTS[lang][key])


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    """A local stack of this module's own, with its people."""
    from tests.conftest import LocalStack

    stack = LocalStack()
    try:
        stack.wait_ready()
        events = []
        for index, (email, first, lang) in enumerate(PEOPLE.values()):
            events += person_events(
                "p-riviere",
                f"c-page-{index}",
                first,
                "Page",
                email,
                lang,
                (f"ap-p{index}", 3, "Yoga"),
            )
        send_booking_events(stack, events)
        yield stack.api
    finally:
        stack.stop()


class Tab:
    """One browser tab, with what it logged."""

    def __init__(self, page: Page, lang: str) -> None:
        self.page, self.lang = page, lang
        self.watch = ConsoleWatch().attach(page)

    def by(self, testid: str) -> Any:
        return self.page.get_by_test_id(testid)

    def assert_clean(self) -> None:
        assert self.watch.problems == [], self.watch.problems
        assert self.watch.allowed_statuses == [], "an expected failed request did not happen"


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_(lang: str, device: str) -> Any:
        context = chromium.new_context(
            viewport=VIEWPORTS[device],
            locale=LOCALES[lang],
            timezone_id=TIMEZONE,
            is_mobile=device == "phone",
            has_touch=device == "phone",
        )
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        return context

    yield open_
    for context in contexts:
        context.close()


def open_tab(context: Any, api: str, lang: str, path: str = "/") -> Tab:
    tab = Tab(context.new_page(), lang)
    response = tab.page.goto(f"{api}{path}")
    assert response is not None and response.ok
    return tab


def sign_in(tab: Tab, api: str, email: str) -> None:
    mail = CodeMail(api, email)
    tab.by("email-input").fill(email)
    tab.by("send-code").click()
    expect(tab.by("code-form")).to_be_visible()
    tab.by("code-input").fill(mail.code())
    tab.by("login").click()
    expect(tab.by("portal")).to_be_visible()


STORAGE_JS = """() => {
  const all = [];
  for (const store of [localStorage, sessionStorage])
    for (let i = 0; i < store.length; i++)
      all.push(store.key(i) + '=' + store.getItem(store.key(i)));
  return {storage: all.join('\\n'), cookie: document.cookie};
}"""


def test_a_second_tab_is_signed_in_and_no_script_can_read_the_token(
    browser_context: Any, api: str
) -> None:
    email, first, lang = PEOPLE["cookie"]
    context = browser_context(lang, "desktop")
    tab = open_tab(context, api, lang)
    expect(tab.by("signin")).to_be_visible()
    sign_in(tab, api, email)
    expect(tab.by("greeting")).to_have_text(text(lang, "app.greeting", name=first))

    (session,) = [c for c in context.cookies() if c["name"] == "__Host-portal_session"]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict"
    token = session["value"]
    assert token.count(".") == 2
    seen = tab.page.evaluate(STORAGE_JS)
    assert token not in seen["storage"] and token.split(".")[2] not in seen["storage"]
    assert token not in seen["cookie"] and "portal_session" not in seen["cookie"]

    second = open_tab(context, api, lang)  # a new tab of the same browser
    expect(second.by("portal")).to_be_visible()
    expect(second.by("signin")).to_be_hidden()
    expect(second.by("greeting")).to_have_text(text(lang, "app.greeting", name=first))
    seen = second.page.evaluate(STORAGE_JS)
    assert token not in seen["storage"] and token not in seen["cookie"]

    # Signing out in one tab ends the session for both: the other finds out on its next call.
    second.by("logout").click()
    expect(second.by("signin")).to_be_visible()
    assert not [c for c in context.cookies() if c["name"] == "__Host-portal_session"]
    tab.watch.expect_failed_load(401)
    tab.by("tab-sessions").click()
    expect(tab.by("signin")).to_be_visible()
    expect(tab.by("status")).to_have_text(text(lang, "signin.expired"))
    tab.assert_clean()
    second.assert_clean()
