"""Browser test fixtures: a local stack of their own, with extra people, and Chromium.

Playwright is imported only when a browser fixture is used, so the other
end-to-end tests run without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCALES,
    REPORT_CSP_VIOLATIONS,
    TIMEZONE,
    VIEWPORTS,
    ApiSession,
    api_sign_in,
    person_events,
    send_booking_events,
)


@dataclass(frozen=True)
class Person:
    email: str
    first_name: str
    language: str
    second_email: str | None = None
    second_professional: str | None = None


# From the demo data (infra/local/demo.py).
CAMILLE = Person(
    "camille@example.com",
    "Camille",
    "fr",
    second_email="camille.tremblay@example.net",
    second_professional="Salon Harmonie",
)
# Alex is in the demo at Clinique Rivière; the tests add a Salon Harmonie record
# under another address, to add to the account like Camille's.
ALEX = Person(
    "alex.martin@example.org",
    "Alex",
    "en",
    second_email="alex.m@example.net",
    second_professional="Salon Harmonie",
)
# Added by the tests: one more person per language for the shorter checks (each
# sign-in address is asked a code once per stack, well within the sending limits).
DOMINIQUE = Person("dominique.roy@example.com", "Dominique", "fr")
JORDAN = Person("jordan.lee@example.org", "Jordan", "en")


def _extra_people() -> list[dict[str, Any]]:
    return [
        *person_events(
            "p-harmonie",
            "c-alex-h",
            "Alex",
            "Martin",
            ALEX.second_email or "",
            "en",
            ("ap-ah1", 8, "Haircut"),
        ),
        *person_events(
            "p-riviere",
            "c-dominique",
            "Dominique",
            "Roy",
            DOMINIQUE.email,
            "fr",
            ("ap-d1", 4, "Physiothérapie"),
        ),
        *person_events(
            "p-harmonie",
            "c-jordan",
            "Jordan",
            "Lee",
            JORDAN.email,
            "en",
            ("ap-j1", 2, "Colour"),
        ),
    ]


@dataclass
class BrowserStack:
    stack: Any  # tests.conftest.LocalStack
    other_devices: dict[str, ApiSession]  # sign-in address -> a session opened through the API

    @property
    def api(self) -> str:
        return self.stack.api


@pytest.fixture(scope="module")
def browser_stack() -> Iterator[BrowserStack]:
    """A fresh local stack for this module (rate limits and data start clean).

    The full journeys' "other device" sessions are opened right away: each
    address may be sent one code per 60 s, and doing it first lets the
    shorter checks run while that minute passes.
    """
    from tests.conftest import LocalStack

    stack = LocalStack()
    try:
        stack.wait_ready()
        send_booking_events(stack, _extra_people())
        devices = {person.email: api_sign_in(stack.api, person.email) for person in (CAMILLE, ALEX)}
        yield BrowserStack(stack, devices)
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    """``open(lang, device)``: a fresh browser context (its own cookies) at that size,
    locale and the test time zone, reporting CSP violations; closed after the test."""
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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say it loudly when the browser tests could not run for want of Chromium."""
    skipped = terminalreporter.stats.get("skipped", [])
    if CHROMIUM.exists() or not any("test_browser" in str(r.nodeid) for r in skipped):
        return
    terminalreporter.write_sep(
        "!",
        f"BROWSER TESTS SKIPPED: {CHROMIUM} not found — install Debian's chromium",
        red=True,
        bold=True,
    )
