"""Every tab in a real browser, in French and English, at 1280 and 375 px: axe-core
(pinned: axe-playwright-python in requirements-dev.txt) finds no serious or critical
violation, and the screenshots in docs/screenshots/ are made here. Then what each
data tab must do: the time-zone picker (localized labels, UTC offsets, search,
this device's zone, keyboard), appointment history paged back 400 days, statuses
and time ranges, sessions from 127.0.0.1 shown as "Local network" with relative
times, three quick "Rotate" clicks that turn the photo three times.

One browser for the module and one signed-in page per language: widths are
changed on the same page (set_viewport_size), so each person signs in once.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.browser_support import (
    LOCALES,
    REPORT_CSP_VIOLATIONS,
    TEXTS,
    CodeMail,
    ConsoleWatch,
    horizontal_overflow,
    iso,
    jpeg,
    poll,
    send_booking_events,
    skip_module_without_chromium,
)
from tests.e2e.conftest import BrowserStack, Person

skip_module_without_chromium()
pytestmark = pytest.mark.browser
expect.set_options(timeout=10_000)

DOC_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TABS = ("profile", "emails", "sessions", "appointments", "data")
WIDTHS = {1280: 800, 375: 740}
ZONE = "America/Toronto"  # the professionals' and the profiles' zone
DEVICE_ZONE = "America/Vancouver"  # the browser's: "use this device's time zone"

SACHA = Person("sacha.gagnon@example.com", "Sacha", "fr")
ROBIN = Person("robin.clark@example.org", "Robin", "en")
PEOPLE = {"fr": SACHA, "en": ROBIN}


def text(lang: str, key: str, **params: Any) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(params.get(m.group(1), m.group(0))), TEXTS[lang][key])


def local_slot(days: int, hour: int, minutes: int = 45) -> tuple[str, str]:
    """Start and end (UTC, ISO) of a slot at hour:00 Toronto time, days from today."""
    day = datetime.now(ZoneInfo(ZONE)) + timedelta(days=days)
    start = day.replace(hour=hour, minute=0, second=0, microsecond=0)
    end = start + timedelta(minutes=minutes)
    return (
        start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def history_events(person: Person, client_id: str) -> list[dict[str, Any]]:
    """A client for 500 days at Clinique Rivière: appointments 400 days ago (reached only
    by paging back), 3 days ago (past) and in 5 days at 9:00-9:45."""
    now = time.time()
    events: list[dict[str, Any]] = [
        {
            "type": "client_record.upserted",
            "occurred_at": iso(now),
            "client_record": {
                "professional_id": "p-riviere",
                "client_id": client_id,
                "first_name": person.first_name,
                "last_name": "Test",
                "email": person.email,
                "mobile_phone": None,
                "home_phone": None,
                "language": person.language,
                "created_at": iso(now - 500 * 86400),
            },
        }
    ]
    for suffix, days in (("old", -400), ("recent", -3), ("next", 5)):
        start, end = local_slot(days, 9)
        events.append(
            {
                "type": "appointment.upserted",
                "occurred_at": iso(now),
                "appointment": {
                    "professional_id": "p-riviere",
                    "client_id": client_id,
                    "id": f"ap-{client_id}-{suffix}",
                    "start": start,
                    "end": end,
                    "service": "Physiothérapie",
                    "status": "booked",
                },
            }
        )
    return events


@pytest.fixture(scope="module")
def tabs_stack(browser_stack: BrowserStack) -> BrowserStack:
    send_booking_events(
        browser_stack.stack, [*history_events(SACHA, "c-sacha"), *history_events(ROBIN, "c-robin")]
    )
    return browser_stack


class Signed:
    """One signed-in page of one language, with what it logged."""

    def __init__(self, page: Page, lang: str, person: Person) -> None:
        self.page, self.lang, self.person = page, lang, person
        self.watch = ConsoleWatch().attach(page)

    def by(self, testid: str) -> Any:
        return self.page.get_by_test_id(testid)

    def t(self, key: str, **params: Any) -> str:
        return text(self.lang, key, **params)


def open_signed(chromium: Any, api: str, lang: str, person: Person) -> Signed:
    context = chromium.new_context(
        viewport={"width": 1280, "height": WIDTHS[1280]},
        locale=LOCALES[lang],
        timezone_id=DEVICE_ZONE,
    )
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    signed = Signed(context.new_page(), lang, person)
    page, by = signed.page, signed.by
    assert page.goto(f"{api}/").ok
    # An error on Enter is spoken: the error slot is a live region.
    by("email-input").fill("nobody@")
    by("email-input").press("Enter")
    expect(by("email-input-error")).not_to_be_empty()
    expect(by("email-input-error")).to_have_attribute("aria-live", "assertive")
    mail = CodeMail(api, person.email)
    by("email-input").fill(person.email)
    by("send-code").click()
    expect(by("code-input")).to_be_focused()
    # The code field is described by the sentence that says where the code went.
    described = by("code-input").get_attribute("aria-describedby") or ""
    assert "code-sent" in described.split()
    by("code-input").fill(mail.code())
    by("code-input").press("Enter")
    expect(by("portal")).to_be_visible()
    # Focus went to the page's content without scrolling the top bar away.
    assert page.evaluate("window.scrollY") == 0
    return signed


@pytest.fixture(scope="module")
def signed_pages(chromium: Any, tabs_stack: BrowserStack) -> Iterator[Any]:
    """A signed-in page per language, opened on first use and kept for the module (one
    code email per person: the addresses may be sent one code a minute)."""
    pages: dict[str, Signed] = {}

    def signed(lang: str) -> Signed:
        if lang not in pages:
            pages[lang] = open_signed(chromium, tabs_stack.api, lang, PEOPLE[lang])
        page = pages[lang]
        page.page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})
        page.by("tab-profile").click()
        return page

    yield signed
    for page in pages.values():
        assert page.watch.problems == [], page.watch.problems
        page.page.context.close()


def wait_loaded(signed: Signed, tab: str) -> None:
    by = signed.by
    if tab == "profile":
        poll(lambda: by("timezone").locator("option").count() > 100)
        expect(by("timezone")).to_have_value(ZONE)
    elif tab == "emails":
        expect(by("email-list").locator("li")).not_to_have_count(0)
    elif tab == "sessions":
        expect(by("session-row")).not_to_have_count(0)
    elif tab == "appointments":
        expect(by("appointment-row")).not_to_have_count(0)
        expect(by("appointments-zone")).not_to_be_empty()
    elif tab == "data":
        expect(by("activity-row")).not_to_have_count(0)


def serious_violations(page: Page) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


# Share of pixels that may differ before a committed screenshot is replaced: the
# time-zone picker shows the time there now, whose digits change every minute.
SCREENSHOT_CHANGE = 0.005


def small_png(page: Page, path: Path) -> None:
    """The whole page as a palette PNG (a fraction of the size of a full-colour one).

    A committed screenshot is replaced only when the page looks different, so a
    test run leaves docs/screenshots/ untouched unless the page changed."""
    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    if path.exists() and _looks_the_same(Image.open(path).convert("RGB"), image):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    image.quantize(colors=64).save(path, optimize=True)


def _looks_the_same(old: Any, new: Any) -> bool:
    from PIL import ImageChops

    if old.size != new.size:
        return False
    # Palette rounding moves colours a little; a visible change moves them a lot.
    changed = ImageChops.difference(old, new).convert("L").point(lambda v: 255 if v > 48 else 0)
    return changed.histogram()[255] <= SCREENSHOT_CHANGE * new.width * new.height


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_tab_passes_axe_at_both_widths_with_screenshots(signed_pages: Any, lang: str) -> None:
    signed = signed_pages(lang)
    page, by = signed.page, signed.by
    found: dict[str, list[dict[str, Any]]] = {}
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        for tab in TABS:
            by(f"tab-{tab}").click()
            expect(by(f"tab-{tab}")).to_have_attribute("aria-selected", "true")
            expect(by(f"panel-{tab}")).to_be_visible()
            wait_loaded(signed, tab)
            page.evaluate("window.scrollTo(0, 0)")
            problems = serious_violations(page)
            if problems:
                found[f"{lang}-{width}-{tab}"] = problems
            assert horizontal_overflow(page) is None, (tab, width, horizontal_overflow(page))
            small_png(page, DOC_SCREENSHOTS / f"{lang}-{width}-{tab}.png")
    assert found == {}, json.dumps(found, indent=1)
    assert signed.watch.problems == [], signed.watch.problems


def test_time_zone_picker_in_french(signed_pages: Any) -> None:
    signed = signed_pages("fr")
    page, by = signed.page, signed.by
    wait_loaded(signed, "profile")
    offset = datetime.now(ZoneInfo(ZONE)).utcoffset()
    hours = int(-offset.total_seconds() // 3600) if offset else 0
    expected_offset = f"UTC\u2212{hours:02d}:00"  # UTC−05:00 in winter, UTC−04:00 in summer
    selected = by("timezone").locator("option:checked")
    expect(selected).to_contain_text(expected_offset)
    expect(selected).to_contain_text("Toronto (Canada)")
    # The current time there, in the person's format: "9 h 30", never "09:30" in French.
    expect(by("timezone-now")).to_contain_text("Toronto (Canada)")
    expect(by("timezone-now")).to_have_text(re.compile(r"^Il est \d{1,2}\u00a0h(\u00a0\d{2})? à"))
    # Labels in French, not raw IANA names.
    labels = by("timezone").locator("option").all_inner_texts()
    assert any("Allemagne" in label for label in labels)
    assert not any("America/" in label for label in labels)

    # Search by a place the zone is not named after, by keyboard only.
    search = by("timezone-search")
    search.focus()
    page.keyboard.type("Montréal")
    expect(by("timezone").locator("option")).to_have_count(1)
    expect(by("timezone")).to_have_value(ZONE)
    expect(by("timezone-matches")).to_have_text(text("fr", "profile.tz_matches.one", n=1))
    page.keyboard.press("Enter")  # to the list, not a form submit
    expect(by("timezone")).to_be_focused()
    expect(by("status")).not_to_have_text(text("fr", "profile.saved"))
    search.fill("montreal")  # accents and case do not matter
    expect(by("timezone")).to_have_value(ZONE)
    search.fill("Canada")
    poll(lambda: by("timezone").locator("option").count() > 5)
    search.focus()
    page.keyboard.press("Escape")
    expect(search).to_have_value("")
    poll(lambda: by("timezone").locator("option").count() > 100)
    expect(by("timezone")).to_have_value(ZONE)

    # This device's zone (the browser context runs in Vancouver).
    by("timezone-device").click()
    expect(by("timezone")).to_have_value(DEVICE_ZONE)
    expect(by("timezone-now")).to_contain_text("Vancouver (Canada)")
    expect(by("status")).to_contain_text("Vancouver (Canada)")
    by("save-profile").click()
    expect(by("status")).to_have_text(text("fr", "profile.saved"))
    # Saved through the API: the appointments now say Vancouver.
    by("tab-appointments").click()
    expect(by("appointments-zone")).to_contain_text("Vancouver (Canada)")
    by("tab-profile").click()
    by("timezone").select_option(ZONE)
    by("save-profile").click()
    expect(by("status")).to_have_text(text("fr", "profile.saved"))
    assert signed.watch.problems == [], signed.watch.problems


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_appointment_history_statuses_and_time_ranges(signed_pages: Any, lang: str) -> None:
    signed = signed_pages(lang)
    page, by = signed.page, signed.by
    client = {"fr": "c-sacha", "en": "c-robin"}[lang]
    by("tab-appointments").click()
    panel = by("panel-appointments")
    expect(panel).to_have_attribute("tabindex", "0")  # reachable by keyboard, scrollable
    row = lambda suffix: page.locator(f"[data-appointment-id=ap-{client}-{suffix}]")  # noqa: E731
    expect(row("next")).to_be_visible()
    expect(row("recent")).to_be_visible()
    expect(row("old")).to_have_count(0)  # 400 days ago: not in the first window

    # Upcoming: booked; past: "Passé"/"Past", not "Confirmé".
    expect(row("next")).to_have_attribute("data-status", "booked")
    expect(row("next").locator(".badge")).to_have_text(text(lang, "appointments.status.booked"))
    expect(row("recent")).to_have_attribute("data-status", "past")
    expect(row("recent").locator(".badge")).to_have_text(text(lang, "appointments.status.past"))
    # One range, the time format's way: "9 h – 9 h 45" / "09:00 – 09:45".
    wanted = {"fr": "9\u00a0h – 9\u00a0h\u00a045", "en": "09:00 – 09:45"}[lang]
    expect(row("next").locator(".appointment-time")).to_have_text(wanted)
    expect(by("appointments-zone")).to_contain_text("Toronto (Canada)")

    # Columns line up: the service column starts at the same x on every row.
    xs = page.evaluate(
        "() => [...document.querySelectorAll('.appointment-body')]"
        ".map(e => Math.round(e.getBoundingClientRect().left))"
    )
    assert len(set(xs)) == 1, xs

    # Older appointments, window by window, as far as the history goes.
    older = by("older-appointments")
    for _ in range(3):
        if row("old").count():
            break
        expect(older).to_be_visible()
        older.click()
        expect(older).not_to_have_class(re.compile("is-busy"))
    expect(row("old")).to_be_visible()
    expect(row("old")).to_have_attribute("data-status", "past")
    expect(older).to_be_hidden()  # client for 500 days: nothing further back
    expect(by("status")).to_contain_text(TEXTS[lang]["appointments.all_loaded"].split(" (")[0])
    assert signed.watch.problems == [], signed.watch.problems


def test_sessions_local_network_relative_times_icons_and_photo_turns(signed_pages: Any) -> None:
    signed = signed_pages("en")
    page, by = signed.page, signed.by

    # --- sessions from 127.0.0.1: "Local network", not "Unknown"
    by("tab-sessions").click()
    current = page.locator("[data-testid=session-row][data-current=true]")
    expect(current).to_contain_text(text("en", "sessions.local_network"))
    expect(current).not_to_contain_text(text("en", "sessions.unknown"))
    icon = current.locator(".device-icon")
    expect(icon).to_have_attribute("aria-hidden", "true")
    moment = current.locator("[data-testid=session-time]").first
    expect(moment).to_have_text(re.compile(r"now|second|minute"))
    assert moment.get_attribute("datetime")
    assert re.search(r"\d{4}", moment.get_attribute("title") or "")
    expect(by("sessions-number")).to_have_text(re.compile(r"^\d+$"))
    assert by("sessions-number").evaluate("e => e.tagName") == "STRONG"

    # --- photo: three quick "Rotate" clicks are three quarter turns (270°)
    by("tab-profile").click()
    expect(by("photo-error")).to_have_attribute("role", "alert")  # photo errors are spoken
    by("photo-file").set_input_files(
        {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": jpeg(400, 240)}
    )
    expect(by("status")).to_have_text(text("en", "profile.photo_saved"))
    for _ in range(3):
        by("rotate-photo").click(force=True)  # while the first turn is on its way
    expect(by("status")).to_have_text(text("en", "profile.photo_rotated"))

    def rotated_photo() -> Any:
        from PIL import Image

        src = by("photo-img").evaluate("img => img.currentSrc") or ""
        if not src:
            return None
        answer = requests.get(src, timeout=5)
        if not answer.ok:  # the previous turn's object, replaced meanwhile: ask again
            return None
        image = Image.open(io.BytesIO(answer.content)).convert("L")
        return image if image.size == (240, 400) else None

    def band_on_the_left() -> bool:
        image = rotated_photo()
        if image is None:
            return False
        width, height = image.size
        left = image.getpixel((width // 10, height // 2))
        right = image.getpixel((width - width // 10, height // 2))
        return left < 60 < right  # 270° clockwise: the dark top band is on the left

    # One turn would put the band on the right; three put it on the left.
    assert poll(band_on_the_left, timeout=10)
    assert signed.watch.problems == [], signed.watch.problems


def test_time_ranges_say_the_part_of_the_day_once(chromium: Any, tabs_stack: BrowserStack) -> None:
    """format.js's ranges in both languages and time formats (the module, in the page)."""
    context = chromium.new_context(locale="fr-CA")
    page = context.new_page()
    assert page.goto(f"{tabs_stack.api}/").ok
    results = page.evaluate(
        """async () => {
          const base = document.querySelector('script[type=module]').src;
          const m = await import(new URL('format.js', base).href);
          const at = (h, min) => new Date(Date.UTC(2026, 10, 27, h + 5, min));
          const p = (language, time_format) =>
            ({language, time_format, date_format: 'YYYY-MM-DD', timezone: 'America/Toronto'});
          return {
            fr24: m.formatTimeRange(at(9, 0), at(9, 45), p('fr', '24h')),
            fr12: m.formatTimeRange(at(9, 0), at(9, 45), p('fr', '12h')),
            fr12across: m.formatTimeRange(at(11, 30), at(13, 0), p('fr', '12h')),
            en24: m.formatTimeRange(at(9, 0), at(9, 45), p('en', '24h')),
            en12: m.formatTimeRange(at(9, 0), at(9, 45), p('en', '12h')),
            en12across: m.formatTimeRange(at(11, 30), at(13, 0), p('en', '12h')),
          };
        }"""
    )
    assert results == {
        "fr24": "9 h – 9 h 45",
        "fr12": "9 h – 9 h 45 du matin",
        "fr12across": "11 h 30 du matin – 1 h de l'après-midi",
        "en24": "09:00 – 09:45",
        "en12": "9:00 – 9:45 AM",
        "en12across": "11:30 AM – 1:00 PM",
    }
    context.close()


def test_selected_tab_stands_out_in_forced_colours(signed_pages: Any) -> None:
    signed = signed_pages("en")
    page, by = signed.page, signed.by
    expect(by("conflict")).to_have_attribute("role", "alert")  # the explanation is spoken
    page.emulate_media(forced_colors="active")
    try:
        style = (
            "e => { const s = getComputedStyle(e);"
            " return [s.textDecorationLine, s.borderTopWidth]; }"
        )
        selected = by("tab-profile").evaluate(style)
        other = by("tab-emails").evaluate(style)
        assert selected[0] == "underline" and other[0] == "none", (selected, other)
        assert selected[1] == "2px", selected
    finally:
        page.emulate_media(forced_colors="none")


def test_the_axe_check_sees_a_serious_violation(chromium: Any) -> None:
    """The check above can fail: an image without a text alternative is critical."""
    context = chromium.new_context()
    page = context.new_page()
    page.set_content('<html lang="fr"><title>t</title><main><img src="data:,"></main></html>')
    assert [v["id"] for v in serious_violations(page)] == ["image-alt"]
    context.close()


def test_screenshots_are_linked_from_the_docs() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "web-page.md").read_text("utf-8")
    for lang in ("fr", "en"):
        for width in WIDTHS:
            for tab in TABS:
                assert f"screenshots/{lang}-{width}-{tab}.png" in doc, (lang, width, tab)
