"""User-Agent strings turned into what the "Active sessions" list shows.

Parsing is done by ua-parser (the maintained uap-core rules, precompiled in
``ua-parser-builtins``); we write no parsing regexes of our own. ua-parser
gives three families (browser, OS, device) but no device *type*, so
``_device_type`` derives one from them with a deliberately small mapping:

1. ``bot``: ua-parser put the device in its "Spider" family (Googlebot,
   bingbot, GPTBot, facebookexternalhit, Slackbot, ...), or the browser
   family is a crawler ua-parser names without flagging it as "Spider"
   (a family ending in "bot"/"spider", e.g. Applebot, Bytespider, or one of
   ``_BOT_UA_FAMILIES``).
2. ``tablet``: an iPad, a device family/brand ua-parser marks as a tablet
   ("Generic Tablet", "Generic_Android_Tablet", Kindle), or Android without
   the "Mobile" token (Google's rule: Android phones' browsers send
   "Mobile", tablets' do not).
3. ``mobile``: iPhone/iPod, a mobile OS (iOS, Android, Windows Phone, ...),
   ua-parser's "Generic Smartphone", or a "... Mobile" browser family.
4. ``desktop``: Windows, macOS, Linux (and the distributions ua-parser names),
   Chrome OS, the BSDs.
5. ``other``: everything else (TVs, consoles, HTTP libraries such as curl,
   empty or unrecognised strings).

Known limits of any UA-only approach: iPadOS Safari asks for desktop sites by
default and sends a Mac UA, so it is reported as a Mac desktop; browsers freeze
macOS at "10.15" and Windows 11 sends "Windows NT 10.0", so those are shown as
"macOS" and "Windows" without a version; Chrome's reduced UA hides the Android
model (it sends "K"), so those phones have no name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ua_parser import OS, Device, Parser, UserAgent

MAX_LENGTH = 512
"""Longer strings are cut before parsing: real browsers send ~100-300
characters, and ua-parser's regexes cost more the longer the input."""

_BOT_UA_FAMILIES = frozenset({"Google-InspectionTool"})
_DESKTOP_OS = frozenset(
    {
        "Windows",
        "Mac OS X",
        "Mac OS",
        "Linux",
        "Chrome OS",
        "Ubuntu",
        "Kubuntu",
        "Debian",
        "Fedora",
        "Red Hat",
        "CentOS",
        "Gentoo",
        "Linux Mint",
        "Arch Linux",
        "openSUSE",
        "FreeBSD",
        "OpenBSD",
        "NetBSD",
        "Solaris",
    }
)
_MOBILE_OS = frozenset(
    {"iOS", "Android", "Windows Phone", "Windows Mobile", "BlackBerry OS", "KaiOS", "Firefox OS"}
)
_TABLET_DEVICES = frozenset({"iPad", "Generic Tablet", "Kindle"})
_PHONE_DEVICES = frozenset({"iPhone", "iPod", "Generic Smartphone"})
# Device families that carry no information worth showing: ua-parser's
# default, Chrome's reduced-UA placeholder model "K", its generic buckets
# and the crawler bucket (the browser family already names the bot).
_NAMELESS_DEVICES = frozenset(
    {"Other", "K", "Generic Smartphone", "Generic Tablet", "Generic Feature Phone", "Spider"}
)


DeviceType = Literal["desktop", "mobile", "tablet", "bot", "other"]


@dataclass(frozen=True)
class DeviceInfo:
    type: DeviceType
    name: str | None  # device family, e.g. "iPhone", "Samsung SM-S911B", "Mac"
    os: str | None  # e.g. "iOS 17.4", "Android 14", "Windows", "macOS"
    browser: str | None  # e.g. "Mobile Safari 17.4", "Chrome Mobile 124.0", "Edge 124.0"


UNKNOWN = DeviceInfo("other", None, None, None)

_parser: Parser | None = None


def _get_parser() -> Parser:
    """The ua-parser parser, built on first use, with ua-parser's lazy matchers.

    The eager matchers (``load_builtins``) compile all ~1,270 rules when
    imported; the lazy ones compile each rule the first time it is tried, so a
    fresh instance's first sign-in pays only for the rules tried before the
    match (measured 10-20 % less than eager on the first parse of common
    phone and desktop UAs; the figures are in docs/proof.md). The native
    resolvers (``ua-parser-rs``, ``google-re2``) parse 20-40x faster once
    built, but building them costs as much as the eager matchers, and
    ``describe`` caches each UA string anyway. No ua-parser cache: ``describe``
    has its own.
    """
    global _parser
    if _parser is None:
        from ua_parser import BasicResolver, Parser, load_lazy_builtins

        _parser = Parser(BasicResolver(load_lazy_builtins()))
    return _parser


def describe(user_agent: str | None) -> DeviceInfo:
    """What a User-Agent header says about the device, OS and browser.

    Never raises: ``None``, empty, non-string or unrecognised input gives
    ``DeviceInfo("other", None, None, None)``.
    """
    if not isinstance(user_agent, str):
        return UNKNOWN
    user_agent = user_agent[:MAX_LENGTH].strip()
    if not user_agent:
        return UNKNOWN
    return _remembered.get(user_agent) or _describe(user_agent)


# Descriptions made elsewhere (the mail sender, when it arms a sign-in flow) so that
# a new instance's first sign-in does not pay ua-parser's first parse (~90 ms).
_remembered: dict[str, DeviceInfo] = {}
_DEVICE_TYPES = frozenset({"desktop", "mobile", "tablet", "bot", "other"})


def stored(user_agent: str | None) -> str:
    """``describe(user_agent)`` as a short JSON text, to be handed to ``remember``."""
    info = describe(user_agent)
    return json.dumps([info.type, info.name, info.os, info.browser])


def remember(user_agent: str | None, description: str | None) -> None:
    """Take ``description`` (from ``stored``) as what ``describe(user_agent)`` says; anything
    that is not such a description is ignored (the UA is then parsed as usual)."""
    if not isinstance(user_agent, str) or not description:
        return
    key = user_agent[:MAX_LENGTH].strip()
    try:
        kind, name, os, browser = json.loads(description)
    except (ValueError, TypeError):
        return
    fields = (name, os, browser)
    if kind not in _DEVICE_TYPES or not all(f is None or isinstance(f, str) for f in fields):
        return
    if len(_remembered) >= 1024:  # bounded like ``_describe``'s cache
        _remembered.clear()
    _remembered[key] = DeviceInfo(kind, name, os, browser)


@lru_cache(maxsize=1024)
def _describe(user_agent: str) -> DeviceInfo:
    result = _get_parser().parse(user_agent).with_defaults()
    ua, os, device = result.user_agent, result.os, result.device
    return DeviceInfo(
        type=_device_type(user_agent, ua, os, device),
        name=None if device.family in _NAMELESS_DEVICES else device.family,
        os=_os_name(os),
        browser=_with_version(ua),
    )


# Versions browsers freeze in the User-Agent, so they say nothing: every macOS since 11
# is sent as "Mac OS X 10.15" (Safari, Chrome, Firefox), Windows 11 as "Windows NT 10.0".
# Shown under today's names, without the frozen version.
_FROZEN_OS_VERSIONS = {
    ("Mac OS X", "10"): "macOS",
    ("Mac OS", "10"): "macOS",
    ("Windows", "10"): "Windows",
}


def _os_name(os: OS) -> str | None:
    """``"macOS"`` and ``"Windows"`` for the frozen versions, else ``_with_version``."""
    frozen = _FROZEN_OS_VERSIONS.get((os.family, os.major or ""))
    return frozen or _with_version(os)


def _with_version(parsed: UserAgent | OS) -> str | None:
    """``"Family major.minor"`` (or ``"Family major"``); None for "Other"."""
    if parsed.family == "Other":
        return None
    version = ".".join(part for part in (parsed.major, parsed.minor) if part)
    return f"{parsed.family} {version}" if version else parsed.family


def _device_type(user_agent: str, ua: UserAgent, os: OS, device: Device) -> DeviceType:
    """The mapping described in the module docstring, in that order."""
    ua_family = ua.family.lower()
    if (
        device.family == "Spider"
        or ua.family in _BOT_UA_FAMILIES
        or ua_family.endswith(("bot", "spider"))
    ):
        return "bot"
    if (
        device.family in _TABLET_DEVICES
        or device.brand == "Generic_Android_Tablet"
        or device.family.startswith("Kindle")
        or (os.family == "Android" and "Mobile" not in user_agent)
    ):
        return "tablet"
    if (
        device.family in _PHONE_DEVICES
        or os.family in _MOBILE_OS
        or ua.family.endswith(" Mobile")
        or ua.family.startswith("Mobile ")
    ):
        return "mobile"
    if os.family in _DESKTOP_OS:
        return "desktop"
    return "other"
