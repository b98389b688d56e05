"""The page's cross-cutting behaviour in a real browser (Chromium via Playwright): the cookie
session (a second tab is signed in; no script-readable token), the tab in the URL,
confirmation dialogs, the unsaved-changes guard, messages by kind, Retry-After countdowns,
retry buttons, language details. French and English, phone and desktop widths.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from chalicelib.i18n.errors import MESSAGES
from tests.e2e.browser_support import (
    SCREENSHOTS,
    TEXTS,
    CodeMail,
    ConsoleWatch,
    jpeg,
    person_events,
    send_booking_events,
    skip_module_without_chromium,
)

skip_module_without_chromium()
pytestmark = pytest.mark.browser

expect.set_options(timeout=10_000)

# One address per scenario (one code per address per 60 s), each with a client record.
PEOPLE = {
    "cookie": ("morgan.page@example.com", "Morgan", "fr"),
    "tabs": ("riley.page@example.org", "Riley", "en"),
    "deep-link": ("sasha.page@example.org", "Sasha", "en"),
    "confirm-fr": ("noemie.page@example.com", "Noémie", "fr"),
    "confirm-en": ("taylor.page@example.org", "Taylor", "en"),
    "wait-fr": ("gabriel.page@example.com", "Gabriel", "fr"),
    "wait-en": ("jamie.page@example.org", "Jamie", "en"),
    "unsaved-fr": ("charlie.page@example.com", "Charlie", "fr"),
    "unsaved-en": ("robin.page@example.org", "Robin", "en"),
    "language": ("dominique.page@example.com", "Dominique", "fr"),
}
# Second addresses (no client record): added with "+ Courriel", then removed.
SECOND = {"confirm-fr": "noemie.autre@example.net", "confirm-en": "taylor.other@example.net"}


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

    def shot(self, name: str) -> None:
        """The viewport as a person sees it: tests/e2e/screenshots/<lang>-<width>-<name>.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        lang = self.page.evaluate("() => document.documentElement.lang")
        width = self.page.viewport_size["width"] if self.page.viewport_size else 0
        self.page.screenshot(path=str(SCREENSHOTS / f"{lang}-{width}-{name}.png"))

    def assert_clean(self) -> None:
        assert self.watch.problems == [], self.watch.problems
        assert self.watch.allowed_statuses == [], "an expected failed request did not happen"


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

    # The API unavailable when a tab opens: an error message, spoken as an alert.
    fail_once(second.page, "profile", 503)
    second.watch.expect_failed_load(503)
    second.page.reload()
    expect(second.by("alert")).to_have_text(MESSAGES["unavailable"][lang])
    expect(second.by("message")).to_have_attribute("data-kind", "error")
    expect(second.by("status")).to_have_text("")
    second.page.reload()
    expect(second.by("portal")).to_be_visible()

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


def visit(tab: Tab, name: str) -> None:
    tab.by(f"tab-{name}").click()
    expect(tab.by(f"tab-{name}")).to_have_attribute("aria-selected", "true")
    expect(tab.by(f"panel-{name}")).to_be_visible()


def fail_once(page: Page, path: str, status: int, retry_after: str | None = None) -> None:
    """The next GET of ``path`` answers ``status`` (in the contract's shape); later ones pass."""
    state = {"done": False}

    def handle(route: Any) -> None:
        if state["done"] or route.request.method != "GET":
            route.fallback()
            return
        state["done"] = True
        headers = {"Content-Type": "application/json", "Cache-Control": "no-store"}
        if retry_after:
            headers["Retry-After"] = retry_after
        code = {503: "unavailable", 429: "rate_limited"}[status]
        body = json.dumps({"error": {"code": code, "message": "—"}})
        route.fulfill(status=status, headers=headers, body=body)

    page.route(re.compile(rf"/{path}(\?.*)?$"), handle)


# What the browser does before unloading the page: the handler cancels it to ask.
BEFOREUNLOAD_JS = """() => {
  const event = new Event('beforeunload', {cancelable: true});
  window.dispatchEvent(event);
  return event.defaultPrevented;
}"""


# The controls a shown message covers (hidden ones and its own ✕ aside): none expected.
COVERED_JS = """() => {
  const m = document.getElementById('message').getBoundingClientRect();
  if (!m.height) return ['no message shown'];
  const hits = [];
  for (const el of document.querySelectorAll('input, button, select, textarea, label.button')) {
    if (el.closest('#message') || !el.getClientRects().length) continue;
    const r = el.getBoundingClientRect();
    if (!(r.right <= m.left || m.right <= r.left || r.bottom <= m.top || m.bottom <= r.top))
      hits.push(el.id || el.dataset.testid || el.tagName);
  }
  return hits;
}"""


def test_the_tab_is_in_the_url_back_forward_reload_and_deep_links(
    browser_context: Any, api: str
) -> None:
    email, _, lang = PEOPLE["tabs"]
    context = browser_context(lang, "phone")
    tab = open_tab(context, api, lang)
    sign_in(tab, api, email)
    page, by = tab.page, tab.by
    assert page.url.endswith("#/profile")

    # A retry button when a tab's data fails to load (503), in the page's language.
    fail_once(page, "sessions", 503)
    tab.watch.expect_failed_load(503)
    visit(tab, "sessions")
    expect(by("sessions-error")).to_contain_text(text(lang, "common.retry"))
    expect(by("session-row")).to_have_count(0)
    tab.shot("sessions-retry")
    by("sessions-error-retry").click()
    expect(by("session-row")).to_have_count(1)
    expect(by("sessions-error")).to_have_text("")
    assert page.url.endswith("#/sessions")
    visit(tab, "appointments")
    assert page.url.endswith("#/appointments")

    page.reload()  # the open tab stays open
    expect(by("tab-appointments")).to_have_attribute("aria-selected", "true")
    expect(by("panel-appointments")).to_be_visible()
    expect(by("panel-profile")).to_be_hidden()

    page.go_back()  # Back and Forward switch tabs, inside the app
    expect(by("tab-sessions")).to_have_attribute("aria-selected", "true")
    expect(by("panel-sessions")).to_be_visible()
    page.go_forward()
    expect(by("tab-appointments")).to_have_attribute("aria-selected", "true")

    fail_once(page, "appointments", 503)
    tab.watch.expect_failed_load(503)
    page.reload()  # the tab loads on its own at reload: this is the failing load
    expect(by("appointments-error-retry")).to_be_visible()
    by("appointments-error-retry").click()
    expect(by("appointment-row")).to_have_count(1)
    tab.assert_clean()

    # A deep link opens its tab once the person has signed in.
    email, _, lang = PEOPLE["deep-link"]
    other = open_tab(browser_context(lang, "desktop"), api, lang, "/#/appointments")
    expect(other.by("signin")).to_be_visible()
    sign_in(other, api, email)
    expect(other.by("tab-appointments")).to_have_attribute("aria-selected", "true")
    expect(other.by("panel-appointments")).to_be_visible()
    expect(other.by("appointment-row")).to_have_count(1)
    other.assert_clean()


@pytest.mark.parametrize(
    ("who", "device"), [("unsaved-fr", "desktop"), ("unsaved-en", "phone")], ids=["fr", "en"]
)
def test_unsaved_profile_changes_ask_before_they_are_lost(
    browser_context: Any, api: str, who: str, device: str
) -> None:
    email, first, lang = PEOPLE[who]
    context = browser_context(lang, device)
    tab = open_tab(context, api, lang)
    sign_in(tab, api, email)
    page, by = tab.page, tab.by

    save, cancel = by("save-profile"), by("cancel-profile")
    expect(save).to_have_attribute("aria-disabled", "true")  # nothing changed yet
    expect(cancel).to_have_attribute("aria-disabled", "true")
    by("first-name").fill(f"{first}-Rose")
    expect(save).not_to_have_attribute("aria-disabled", "true")
    expect(cancel).not_to_have_attribute("aria-disabled", "true")

    by("tab-sessions").click()  # leaving the tab asks
    expect(by("confirm-dialog")).to_be_visible()
    expect(by("confirm-title")).to_have_text(text(lang, "confirm.unsaved.title"))
    expect(by("confirm-cancel")).to_be_focused()
    tab.shot("confirm-unsaved")
    by("confirm-cancel").click()  # "Continuer à modifier"
    expect(by("panel-profile")).to_be_visible()
    expect(by("first-name")).to_have_value(f"{first}-Rose")

    by("logout").click()  # signing out asks too
    expect(by("confirm-title")).to_have_text(text(lang, "confirm.unsaved.title"))
    page.keyboard.press("Escape")
    expect(by("portal")).to_be_visible()

    # Leaving the page asks (the beforeunload handler cancels the unload).
    assert page.evaluate(BEFOREUNLOAD_JS) is True
    expect(by("first-name")).to_have_value(f"{first}-Rose")

    by("cancel-profile").click()  # back to what is stored
    expect(by("first-name")).to_have_value(first)
    expect(save).to_have_attribute("aria-disabled", "true")
    assert page.evaluate(BEFOREUNLOAD_JS) is False  # nothing to lose: no question
    visit(tab, "sessions")  # nothing unsaved: no question
    expect(by("confirm-dialog")).to_be_hidden()

    visit(tab, "profile")
    by("first-name").fill(f"{first}-Rose")
    by("tab-emails").click()
    by("confirm-ok").click()  # "Quitter sans enregistrer": the edit is dropped
    expect(by("panel-emails")).to_be_visible()
    visit(tab, "profile")
    expect(by("first-name")).to_have_value(first)

    # Messages: a success, then cleared by the next action; not over any field at this width.
    by("last-name").fill("Page-Dubé")
    by("save-profile").click()
    expect(by("status")).to_have_text(text(lang, "profile.saved"))
    expect(by("message")).to_have_attribute("data-kind", "success")
    expect(by("alert")).to_have_text("")
    assert page.evaluate(COVERED_JS) == []
    by("dismiss-message").click()
    expect(by("status")).to_have_text("")
    expect(by("dismiss-message")).to_be_hidden()
    by("last-name").fill("Page")
    by("save-profile").click()
    expect(by("status")).to_have_text(text(lang, "profile.saved"))
    visit(tab, "emails")  # the next action clears it
    expect(by("status")).to_have_text("")
    tab.assert_clean()


@pytest.mark.parametrize(
    ("who", "device"), [("confirm-fr", "desktop"), ("confirm-en", "phone")], ids=["fr", "en"]
)
def test_destructive_actions_ask_first_and_say_what_happens(
    browser_context: Any, api: str, who: str, device: str
) -> None:
    email, _, lang = PEOPLE[who]
    second = SECOND[who]
    tab = open_tab(browser_context(lang, device), api, lang)
    sign_in(tab, api, email)
    page, by = tab.page, tab.by

    # The only address: its ✕ is unavailable, and says why.
    visit(tab, "emails")
    only = by(f"remove-email-{email}")
    expect(only).to_have_attribute("aria-disabled", "true")
    expect(only).to_have_attribute("aria-describedby", "last-email-note")
    expect(by("last-email-note")).to_be_visible()
    expect(by("last-email-note")).to_have_text(text(lang, "emails.last_note"))
    only.click(force=True)  # Playwright would wait for it to be enabled
    expect(by("confirm-dialog")).to_be_hidden()
    expect(by("email-row")).to_have_count(1)

    # A second address, confirmed by its code.
    by("add-email").click()
    mail = CodeMail(api, second)
    by("new-email").fill(second)
    by("send-email-code").click()
    expect(by("verify-email-intro")).to_have_text(text(lang, "emails.verify_intro", address=second))
    by("email-code").fill(mail.code())
    by("verify-code").click()
    expect(by("email-row")).to_have_count(2)
    expect(by("last-email-note")).to_be_hidden()
    expect(by(f"remove-email-{email}")).not_to_have_attribute("aria-disabled", "true")

    # Removing it asks, and says what goes with it; dismissing keeps the address.
    by(f"remove-email-{second}").click()
    expect(by("confirm-dialog")).to_be_visible()
    expect(by("confirm-title")).to_have_text(
        text(lang, "confirm.remove_email.title", address=second)
    )
    expect(by("confirm-text")).to_have_text(text(lang, "confirm.remove_email.text"))
    expect(by("confirm-cancel")).to_be_focused()
    tab.shot("confirm-remove-email")
    by("confirm-cancel").click()
    expect(by("confirm-dialog")).to_be_hidden()
    expect(by(f"remove-email-{second}")).to_be_focused()  # focus back where it was
    expect(by("email-row")).to_have_count(2)
    by(f"remove-email-{second}").click()
    page.keyboard.press("Escape")  # Escape is a "no" too
    expect(by("email-row")).to_have_count(2)
    by(f"remove-email-{second}").click()
    by("confirm-ok").click()
    expect(by("email-row")).to_have_count(1)
    expect(by("status")).to_have_text(text(lang, "emails.removed", address=second))
    expect(by("message")).to_have_attribute("data-kind", "success")
    assert page.evaluate(COVERED_JS) == []  # in the page's flow: over no field or button
    tab.shot("message-success")
    expect(by(f"remove-email-{email}")).to_have_attribute("aria-disabled", "true")
    tab.shot("emails-last-address")

    # The photo's "Supprimer" asks.
    visit(tab, "profile")
    by("photo-file").set_input_files(
        {"name": "moi.jpg", "mimeType": "image/jpeg", "buffer": jpeg(300, 300)}
    )
    expect(by("photo-img")).to_be_visible()
    by("delete-photo").click()
    expect(by("confirm-title")).to_have_text(text(lang, "confirm.photo_delete.title"))
    expect(by("confirm-ok")).to_have_text(text(lang, "confirm.photo_delete.ok"))
    by("confirm-cancel").click()
    expect(by("photo-img")).to_be_visible()
    by("delete-photo").click()
    by("confirm-ok").click()
    expect(by("photo-placeholder")).to_be_visible()
    expect(by("status")).to_have_text(text(lang, "profile.photo_deleted"))

    # "Me déconnecter" on this very session says it signs out here.
    visit(tab, "sessions")
    current = page.locator("[data-testid=session-row][data-current=true] button")
    current.click()
    expect(by("confirm-title")).to_have_text(text(lang, "confirm.end_current.title"))
    expect(by("confirm-text")).to_have_text(text(lang, "confirm.end_current.text"))
    by("confirm-cancel").click()
    expect(by("portal")).to_be_visible()
    current.click()
    by("confirm-ok").click()
    expect(by("signin")).to_be_visible()
    expect(by("status")).to_have_text(text(lang, "signin.logged_out"))
    expect(by("email-input")).to_have_value("")  # the previous person's address is gone
    assert "#/" not in page.url
    tab.assert_clean()


@pytest.mark.parametrize(
    ("who", "device"), [("wait-fr", "phone"), ("wait-en", "desktop")], ids=["fr", "en"]
)
def test_too_many_requests_count_down_from_retry_after(
    browser_context: Any, api: str, who: str, device: str
) -> None:
    email, _, lang = PEOPLE[who]
    tab = open_tab(browser_context(lang, device), api, lang)
    page, by = tab.page, tab.by
    by("email-input").fill(email)
    by("send-code").click()
    expect(by("code-form")).to_be_visible()

    # A second code within the minute: the API says 429 with Retry-After.
    tab.watch.expect_failed_load(429)
    by("resend-code").click()
    countdown = by("code-input-error").get_by_test_id("countdown")
    wait = re.escape(text(lang, "error.retry_in", seconds="§")).replace("§", r"(\d+)")
    expect(countdown).to_have_text(re.compile(wait))
    first = int(re.search(wait, countdown.inner_text()).group(1))  # type: ignore[union-attr]
    assert 40 <= first <= 60, first
    tab.shot("signin-countdown")
    expect(by("resend-code")).to_have_attribute("aria-disabled", "true")
    expect(countdown).not_to_have_text(re.compile(rf"\b{first}\b"), timeout=3000)  # it counts

    # The same with a short Retry-After (2 s): at 0 the button is usable again.
    page.reload()  # a clean page, on the email step
    by("email-input").fill(email)
    page.route(re.compile(r"/auth/code$"), fulfill_429, times=1)
    tab.watch.expect_failed_load(429)
    by("send-code").click()
    expect(by("send-code")).to_have_attribute("aria-disabled", "true")
    expect(by("email-input-error").get_by_test_id("countdown")).to_have_text(re.compile(wait))
    expect(by("email-input-error")).to_have_text(text(lang, "error.retry_now"), timeout=5000)
    expect(by("send-code")).not_to_have_attribute("aria-disabled", "true")
    tab.assert_clean()


def fulfill_429(route: Any) -> None:
    body = json.dumps({"error": {"code": "rate_limited", "message": "—"}})
    headers = {"Content-Type": "application/json", "Retry-After": "2"}
    route.fulfill(status=429, headers=headers, body=body)


def test_language_details(browser_context: Any, api: str) -> None:
    email, _, _ = PEOPLE["language"]
    context = browser_context("fr", "phone")
    tab = open_tab(context, api, "fr")
    page, by = tab.page, tab.by

    # The sign-in screen's language toggle is remembered across a reload.
    by("lang-toggle").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#signin-title")).to_have_text(text("en", "signin.title"))

    # A server error shown follows the language when it is switched.
    mail = CodeMail(api, email)
    by("email-input").fill(email)
    by("send-code").click()
    expect(by("code-form")).to_be_visible()
    tab.watch.expect_failed_load(401)
    by("code-input").fill("000000")
    by("login").click()
    expect(by("code-input-error")).to_have_text("This code is invalid or has expired.")
    by("lang-toggle").click()
    expect(by("code-input-error")).to_have_text("Ce code est invalide ou expiré.")
    tab.shot("signin-error-switched")
    expect(by("code-sent")).to_contain_text("un code de connexion")

    # The date pattern labels are the page's language's (the profile is French).
    by("code-input").fill(mail.code())
    by("login").click()
    expect(by("portal")).to_be_visible()
    fr_labels = by("date-format").locator("option").all_inner_texts()
    assert any("AAAA-MM-JJ" in label for label in fr_labels), fr_labels
    by("language").select_option("en")
    expect(by("save-profile")).not_to_have_attribute("aria-disabled", "true")
    by("save-profile").click()
    expect(by("profile-error")).to_have_text("")
    expect(by("status")).to_have_text(text("en", "profile.saved"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    en_labels = by("date-format").locator("option").all_inner_texts()
    assert any("YYYY-MM-DD" in label for label in en_labels), en_labels
    assert not any("AAAA" in label for label in en_labels), en_labels

    # "Votre session a pris fin" is a warning, not a success.
    context.clear_cookies()
    tab.watch.expect_failed_load(401)
    by("tab-sessions").click()
    expect(by("signin")).to_be_visible()
    expect(by("status")).to_have_text(text("en", "signin.expired"))
    expect(by("message")).to_have_attribute("data-kind", "warning")
    tab.shot("signin-expired")
    tab.assert_clean()
