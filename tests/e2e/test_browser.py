"""The portal page in a real browser (Chromium via Playwright), in French and English,
at phone (375 px) and desktop (1280 px) widths, against the local stack.

Full journeys (fr@phone, en@desktop): sign in with an emailed code, edit the
profile, a field error, photo upload and rotation, a second email address
confirmed by code (and the appointments it brings), ending another session,
switching language. Shorter checks (fr@desktop, en@phone): sign in and every
screen. Throughout: no console errors, no CSP violations, nothing wider than
the screen. Screenshots go to tests/e2e/screenshots/<lang>-<width>-<screen>.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.browser_support import (
    SCREENSHOTS,
    TEXTS,
    VIEWPORTS,
    CodeMail,
    ConsoleWatch,
    horizontal_overflow,
    jpeg,
    poll,
    skip_module_without_chromium,
    wait_for_next_code_window,
)
from tests.e2e.conftest import ALEX, CAMILLE, DOMINIQUE, JORDAN, BrowserStack, Person

skip_module_without_chromium()
pytestmark = pytest.mark.browser


# Long enough for the stack's first calls (cold imports), short enough to fail fast.
expect.set_options(timeout=10_000)


def text(lang: str, key: str, **params: Any) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(params.get(m.group(1), m.group(0))), TEXTS[lang][key])


class Screen:
    """One browser tab at one size and language, with what it logged."""

    def __init__(self, page: Page, lang: str, device: str) -> None:
        self.page, self.lang, self.device = page, lang, device
        self.width = VIEWPORTS[device]["width"]
        self.watch = ConsoleWatch().attach(page)

    def by(self, testid: str) -> Any:
        return self.page.get_by_test_id(testid)

    def shot(self, screen: str) -> None:
        """Screenshot (full page) and check nothing sticks out sideways."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(
            path=str(SCREENSHOTS / f"{self.lang}-{self.width}-{screen}.png"), full_page=True
        )
        assert horizontal_overflow(self.page) is None, (screen, horizontal_overflow(self.page))

    def assert_clean(self) -> None:
        assert self.watch.problems == [], self.watch.problems
        assert self.watch.allowed_statuses == [], "an expected failed request did not happen"


@pytest.fixture
def open_screen(browser_context: Any, browser_stack: BrowserStack) -> Any:
    def open_(lang: str, device: str) -> Screen:
        screen = Screen(browser_context(lang, device).new_page(), lang, device)
        response = screen.page.goto(f"{browser_stack.api}/")
        assert response is not None and response.ok
        csp = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
        return screen

    return open_


def sign_in(screen: Screen, api: str, person: Person) -> None:
    """Email -> code from the outbox -> the portal, checking the texts on the way."""
    lang, by = screen.lang, screen.by
    expect(screen.page.locator("html")).to_have_attribute("lang", lang)
    expect(by("signin")).to_be_visible()
    expect(screen.page.locator("#signin-title")).to_have_text(text(lang, "signin.title"))
    expect(screen.page).to_have_title(text(lang, "app.title"))
    screen.shot("signin")

    # The browser's own check first: an incomplete address is refused on the spot.
    by("email-input").fill("camille@")
    by("send-code").click()
    expect(by("email-input-error")).to_have_text(text(lang, "reason.invalid_email"))
    expect(by("email-input")).to_have_attribute("aria-invalid", "true")

    mail = CodeMail(api, person.email)
    by("email-input").fill(person.email)
    by("send-code").click()
    expect(by("code-form")).to_be_visible()
    expect(by("code-sent")).to_contain_text(person.email)
    expect(by("code-input")).to_be_focused()
    screen.shot("signin-code")

    by("code-input").fill(mail.code())
    by("login").click()
    expect(by("portal")).to_be_visible()
    expect(by("signin")).to_be_hidden()
    expect(by("greeting")).to_have_text(text(lang, "app.greeting", name=person.first_name))
    expect(by("status")).to_have_text(text(lang, "signin.welcome"))
    expect(screen.page.locator("html")).to_have_attribute("lang", lang)


def visit_tab(screen: Screen, tab: str, title_key: str, lang: str | None = None) -> None:
    screen.by(f"tab-{tab}").click()
    expect(screen.by(f"tab-{tab}")).to_have_attribute("aria-selected", "true")
    panel = screen.by(f"panel-{tab}")
    expect(panel).to_be_visible()
    expect(panel.locator("h2")).to_have_text(text(lang or screen.lang, title_key))


def photo_size(screen: Screen) -> tuple[int, int]:
    """The natural size of the loaded photo (0×0 while loading)."""
    return tuple(
        screen.page.evaluate(
            "() => { const i = document.getElementById('photo-img');"
            " return i.complete ? [i.naturalWidth, i.naturalHeight] : [0, 0]; }"
        )
    )


# ---------------------------------------------------------------- the watch itself


def test_csp_blocks_inline_script_and_foreign_images_and_the_watch_sees_it(
    open_screen: Any,
) -> None:
    """The detector the other tests rely on: a violation does reach ``assert_clean``."""
    screen = open_screen("fr", "desktop")
    expect(screen.by("signin")).to_be_visible()
    assert screen.watch.problems == []
    screen.page.evaluate(
        """() => {
          const script = document.createElement('script');
          script.textContent = 'document.title = "injected"';
          document.body.append(script);
          const img = document.createElement('img');
          img.src = 'https://tracker.example.org/pixel.png';
          document.body.append(img);
        }"""
    )
    assert poll(lambda: len(screen.watch.problems) >= 2), screen.watch.problems
    seen = " ".join(screen.watch.problems)
    assert "script-src" in seen and "img-src" in seen, seen
    assert screen.page.title() == text("fr", "app.title")  # the inline script did not run


# ---------------------------------------------------------------- shorter checks


@pytest.mark.parametrize(
    ("lang", "device", "person", "professional"),
    [
        pytest.param("fr", "desktop", DOMINIQUE, "Clinique Rivière", id="fr-desktop"),
        pytest.param("en", "phone", JORDAN, "Salon Harmonie", id="en-phone"),
    ],
)
def test_sign_in_and_every_screen(
    open_screen: Any,
    browser_stack: BrowserStack,
    lang: str,
    device: str,
    person: Person,
    professional: str,
) -> None:
    screen = open_screen(lang, device)
    sign_in(screen, browser_stack.api, person)
    by = screen.by

    expect(by("tab-profile")).to_have_text(text(lang, "tab.profile"))
    expect(by("first-name")).to_have_value(person.first_name)
    expect(by("language")).to_have_value(lang)
    expect(by("photo-placeholder")).to_be_visible()
    screen.shot("profile")

    visit_tab(screen, "emails", "emails.title")
    expect(by("email-row")).to_have_count(1)
    expect(by("email-row")).to_contain_text(person.email)
    screen.shot("emails")

    visit_tab(screen, "sessions", "sessions.title")
    expect(by("session-row")).to_have_count(1)
    expect(by("sessions-count")).to_have_text(text(lang, "sessions.count.one", n=1))
    expect(by("current-session")).to_have_text(text(lang, "sessions.current"))
    expect(by("end-other-sessions")).to_be_hidden()
    screen.shot("sessions")

    visit_tab(screen, "appointments", "appointments.title")
    expect(by("appointments-upcoming")).to_contain_text(professional)
    expect(by("appointments-upcoming").locator("h3")).to_have_text(
        text(lang, "appointments.upcoming")
    )
    screen.shot("appointments")

    # Arrow keys move between tabs (the tablist pattern).
    by("tab-appointments").focus()
    screen.page.keyboard.press("Home")
    expect(by("tab-profile")).to_be_focused()
    expect(by("panel-profile")).to_be_visible()

    by("logout").click()
    expect(by("signin")).to_be_visible()
    expect(by("status")).to_have_text(text(lang, "signin.logged_out"))
    screen.assert_clean()


# ---------------------------------------------------------------- full journeys


@pytest.mark.parametrize(
    ("lang", "device", "person"),
    [
        pytest.param("fr", "phone", CAMILLE, id="fr-phone"),
        pytest.param("en", "desktop", ALEX, id="en-desktop"),
    ],
)
def test_full_journey(
    open_screen: Any, browser_stack: BrowserStack, lang: str, device: str, person: Person
) -> None:
    api = browser_stack.api
    other_device = browser_stack.other_devices[person.email]
    # One code per address per 60 s: the other device asked for one at start-up.
    wait_for_next_code_window(other_device.code_requested_at)

    screen = open_screen(lang, device)
    page, by = screen.page, screen.by
    sign_in(screen, api, person)
    screen.shot("profile")

    # --- profile: edit, save, see it saved and re-rendered
    new_first = f"{person.first_name}-Anne"
    by("first-name").fill(new_first)
    by("mobile-phone").fill("514 555 0199")
    by("save-profile").click()
    expect(by("status")).to_have_text(text(lang, "profile.saved"))
    expect(by("greeting")).to_have_text(text(lang, "app.greeting", name=new_first))
    expect(by("mobile-phone")).to_have_value("(514) 555-0199")  # re-rendered from the answer
    stored = other_device.get(api, "profile").json()
    assert stored["first_name"] == new_first
    assert stored["mobile_phone"]["e164"] == "+15145550199"

    # The session survives a reload (its HttpOnly cookie) and the form shows what is stored.
    page.reload()
    expect(by("portal")).to_be_visible()
    expect(by("first-name")).to_have_value(new_first)
    expect(by("mobile-phone")).to_have_value("(514) 555-0199")

    # --- an invalid mobile: the error is next to the field, nothing is saved
    screen.watch.expect_failed_load(422)
    by("mobile-phone").fill("123")
    by("save-profile").click()
    error = by("mobile-phone-error")
    expect(error).to_have_text(text(lang, "reason.invalid_phone"))
    expect(by("mobile-phone")).to_have_attribute("aria-invalid", "true")
    expect(by("mobile-phone")).to_be_focused()
    expect(by("profile-error")).to_have_text(text(lang, "profile.invalid"))
    field_box, error_box = by("mobile-phone").bounding_box(), error.bounding_box()
    assert field_box and error_box
    below = error_box["y"] - (field_box["y"] + field_box["height"])
    assert 0 <= below < 80, (field_box, error_box)  # under the field (a note may sit between)
    assert abs(error_box["x"] - field_box["x"]) < 4, (field_box, error_box)
    screen.shot("profile-error")
    assert other_device.get(api, "profile").json()["mobile_phone"]["e164"] == "+15145550199"
    by("cancel-profile").click()  # back to what is stored (nothing unsaved left)
    expect(by("mobile-phone")).to_have_value("(514) 555-0199")
    expect(by("save-profile")).to_have_attribute("aria-disabled", "true")

    # --- photo: upload a landscape JPEG, then rotate it a quarter turn
    by("photo-file").set_input_files(
        {"name": "moi.jpg", "mimeType": "image/jpeg", "buffer": jpeg(640, 400)}
    )
    expect(by("photo-img")).to_be_visible()
    expect(by("photo-placeholder")).to_be_hidden()
    expect(by("status")).to_have_text(text(lang, "profile.photo_saved"))
    assert poll(lambda: photo_size(screen) == (640, 400)), photo_size(screen)
    expect(by("rotate-photo")).to_be_visible()
    by("rotate-photo").click()
    expect(by("status")).to_have_text(text(lang, "profile.photo_rotated"))
    assert poll(lambda: photo_size(screen) == (400, 640)), photo_size(screen)
    expect(by("photo-error")).to_have_text("")
    screen.shot("profile-photo")

    # --- + email: the second address, confirmed by the code sent to it
    second = person.second_email or ""
    visit_tab(screen, "emails", "emails.title")
    expect(by("email-row")).to_have_count(1)
    by("add-email").click()
    expect(by("add-email-dialog")).to_be_visible()
    expect(by("new-email")).to_be_focused()
    mail = CodeMail(api, second)
    by("new-email").fill(second)
    by("send-email-code").click()
    expect(by("verify-email-dialog")).to_be_visible()
    # Where the code went is said once, by the dialog's intro (issue 18, point 9).
    expect(by("verify-email-intro")).to_have_text(text(lang, "emails.verify_intro", address=second))
    expect(by("verify-email-status")).to_have_text("")
    expect(by("pending-list")).to_contain_text(second)
    screen.shot("emails-verify")
    by("email-code").fill(mail.code())
    by("verify-code").click()
    expect(by("verify-email-dialog")).to_be_hidden()
    expect(by("email-row")).to_have_count(2)
    expect(by("email-list")).to_contain_text(second)
    expect(by("status")).to_have_text(text(lang, "emails.added", address=second))
    screen.shot("emails")

    # --- appointments: the second professional's show up too
    visit_tab(screen, "appointments", "appointments.title")
    expect(by("appointments-list")).to_contain_text(person.second_professional or "")
    expect(by("appointments-list")).to_contain_text("Clinique Rivière")
    expect(by("appointments-upcoming").locator("h3")).to_have_text(
        text(lang, "appointments.upcoming")
    )
    screen.shot("appointments")

    # --- sessions: end the other device's; its token stops working
    visit_tab(screen, "sessions", "sessions.title")
    expect(by("session-row")).to_have_count(2)
    expect(by("sessions-count")).to_have_text(text(lang, "sessions.count.other", n=2))
    current = page.locator("[data-testid=session-row][data-current=true]")
    expect(current).to_have_count(1)
    expect(current.get_by_test_id("current-session")).to_be_visible()
    other_row = page.locator(f"[data-session-id='{other_device.session_id}']")
    expect(other_row).to_contain_text("Firefox")
    screen.shot("sessions")
    if lang == "fr":
        by(f"end-session-{other_device.session_id}").click()
        expect(by("confirm-title")).to_have_text(text(lang, "confirm.end_session.title"))
        by("confirm-ok").click()
        expect(by("status")).to_have_text(text(lang, "sessions.ended"))
    else:
        by("end-other-sessions").click()
        expect(by("confirm-text")).to_have_text(text(lang, "confirm.end_others.text.one", n=1))
        by("confirm-ok").click()
        expect(by("status")).to_have_text(text(lang, "sessions.ended_others.one", n=1))
    expect(by("session-row")).to_have_count(1)
    expect(by("end-other-sessions")).to_be_hidden()
    assert other_device.get(api, "profile").status_code == 401

    # --- language: the profile's choice changes the whole page
    other = "en" if lang == "fr" else "fr"
    visit_tab(screen, "profile", "profile.title")
    by("language").select_option(other)
    by("save-profile").click()
    expect(page.locator("html")).to_have_attribute("lang", other)
    expect(by("status")).to_have_text(text(other, "profile.saved"))
    expect(by("tab-profile")).to_have_text(text(other, "tab.profile"))
    expect(by("tab-sessions")).to_have_text(text(other, "tab.sessions"))
    expect(by("save-profile")).to_have_text(text(other, "profile.save"))
    expect(by("greeting")).to_have_text(text(other, "app.greeting", name=new_first))
    expect(page).to_have_title(text(other, "app.title"))
    screen.shot(f"profile-in-{other}")
    visit_tab(screen, "appointments", "appointments.title", other)
    expect(by("appointments-upcoming").locator("h3")).to_have_text(
        text(other, "appointments.upcoming")
    )
    screen.shot(f"appointments-in-{other}")

    # --- signing out returns to the sign-in screen, in the chosen language
    by("logout").click()
    expect(by("signin")).to_be_visible()
    expect(page.locator("#signin-title")).to_have_text(text(other, "signin.title"))
    assert requests.get(f"{api}/profile", timeout=5).status_code == 401
    screen.assert_clean()
