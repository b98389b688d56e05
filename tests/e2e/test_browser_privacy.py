"""The "Mes données" / "My data" tab in a real browser (Chromium via Playwright):
the activity list, the export download, and deleting the account with its code,
then signing in again to a fresh account whose appointments are still there."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.browser_support import (
    emails_to,
    jpeg,
    skip_module_without_chromium,
    wait_for_next_code_window,
)
from tests.e2e.conftest import DOMINIQUE, JORDAN, BrowserStack, Person
from tests.e2e.test_browser import open_screen, sign_in, text, visit_tab  # noqa: F401

skip_module_without_chromium()
pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)


@pytest.mark.parametrize(
    ("lang", "device", "person", "professional"),
    [
        pytest.param("fr", "desktop", DOMINIQUE, "Clinique Rivière", id="fr-desktop"),
        pytest.param("en", "phone", JORDAN, "Salon Harmonie", id="en-phone"),
    ],
)
def test_my_data_activity_export_and_deletion(
    open_screen: Any,  # noqa: F811
    browser_stack: BrowserStack,
    lang: str,
    device: str,
    person: Person,
    professional: str,
) -> None:
    api = browser_stack.api
    screen = open_screen(lang, device)
    page, by = screen.page, screen.by
    code_requested_at = time.time()
    sign_in(screen, api, person)

    # Two changes to see in the activity: the profile saved, a photo.
    by("first-name").fill(f"{person.first_name}-Anne")
    by("save-profile").click()
    expect(by("status")).to_have_text(text(lang, "profile.saved"))
    by("photo-file").set_input_files(
        {"name": "moi.jpg", "mimeType": "image/jpeg", "buffer": jpeg(640, 400)}
    )
    expect(by("status")).to_have_text(text(lang, "profile.photo_saved"))

    # --- activity: newest first, with a device icon, the IP and a relative time
    visit_tab(screen, "data", "data.title")
    expect(by("tab-data")).to_have_text(text(lang, "tab.data"))
    rows = by("activity-row")
    expect(rows).to_have_count(3)
    assert [rows.nth(i).get_attribute("data-type") for i in range(3)] == [
        "photo_changed",
        "profile_saved",
        "sign_in",
    ]
    expect(rows.nth(0)).to_contain_text(text(lang, "data.event.photo_changed"))
    expect(rows.nth(2)).to_contain_text(text(lang, "data.event.sign_in"))
    expect(rows.nth(2)).to_contain_text("127.0.0.1")
    expect(rows.nth(2)).to_contain_text(person.email)
    # The icon follows the user agent (Playwright's Chromium says "Linux", phone or not).
    expected_icon = "mobile" if "Mobile" in page.evaluate("navigator.userAgent") else "desktop"
    expect(rows.nth(0).locator(".activity-icon")).to_have_attribute("data-device", expected_icon)
    now_words = {"fr": "maintenant", "en": "now"}[lang]
    expect(rows.nth(0).locator("time")).to_contain_text(now_words)
    screen.shot("data")

    # --- export: a JSON file with the saved profile, appointments, sessions, activity, photo
    with page.expect_download() as download_info:
        by("export-data").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".json")
    exported = json.loads(open(download.path(), encoding="utf-8").read())
    assert exported["profile"]["first_name"] == f"{person.first_name}-Anne"
    assert professional in {p["name"] for p in exported["professionals"]}
    assert exported["appointments"]
    assert [s["current"] for s in exported["sessions"]].count(True) == 1
    assert exported["activity"][0]["type"] == "export"
    assert requests.get(exported["photo"], timeout=5).content[:2] == b"\xff\xd8"
    expect(rows).to_have_count(4)  # the export is listed too
    expect(rows.nth(0)).to_have_attribute("data-type", "export")

    # --- deletion: what goes and what stays, then the code, then signed out
    by("delete-account").click()
    dialog = by("delete-account-dialog")
    expect(dialog).to_be_visible()
    expect(by("delete-account-explain")).to_contain_text(text(lang, "data.delete_stays"))
    screen.shot("delete-account")
    seen = len(emails_to(api, person.email))
    # The sign-in code went to the same address moments ago: one code a minute.
    screen.watch.expect_failed_load(429)
    by("send-delete-code").click()
    expect(by("delete-account-error")).not_to_be_empty()
    wait_for_next_code_window(code_requested_at)
    by("send-delete-code").click()
    expect(by("delete-code")).to_be_focused()
    expect(by("delete-account-status")).to_have_text(text(lang, "data.delete_code_sent"))
    screen.watch.expect_failed_load(401)  # the wrong code, on purpose
    by("delete-code").fill("000000")
    by("confirm-delete").click()
    expect(by("delete-code-error")).not_to_be_empty()
    code = _code_after(api, person.email, seen)
    by("delete-code").fill(code)
    by("confirm-delete").click()
    expect(by("signin")).to_be_visible()
    expect(by("status")).to_have_text(text(lang, "data.deleted"))
    confirmations = emails_to(api, person.email)[-1]
    assert confirmations["subject"] and "code" not in confirmations["subject"].lower()

    # --- signing in again: a fresh account from the professional's record
    sign_in(screen, api, person)  # the greeting uses the record's first name again
    expect(by("first-name")).to_have_value(person.first_name)
    expect(by("photo-placeholder")).to_be_visible()
    visit_tab(screen, "appointments", "appointments.title")
    expect(by("appointments-upcoming")).to_contain_text(professional)
    visit_tab(screen, "data", "data.title")
    expect(by("activity-row")).to_have_count(1)
    screen.assert_clean()


def _code_after(api: str, address: str, seen: int) -> str:
    import re

    for mail in reversed(emails_to(api, address)[seen:]):
        found = re.search(r"\b(\d{6})\b", mail.get("text") or "")
        if found:
            return found.group(1)
    raise AssertionError("no deletion code emailed")
