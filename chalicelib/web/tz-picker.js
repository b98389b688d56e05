// The time-zone picker of the Profil tab: a native <select> (a listbox every
// screen reader and keyboard knows) of the zones GET /timezones names in the
// page's language — "UTC−05:00 · Toronto (Canada) · 9 h 30" — with a search
// field that filters it (by city, country, old names and declared aliases:
// "Montréal" finds Toronto's zone) and "Use this device's time zone".

import { language, t, tn } from "./i18n.js";
import { loadZones } from "./config.js";
import { formatTime, timeNowIn } from "./format.js";
import { $, option, setMessage, unbroken } from "./dom.js";
import { announce } from "./messages.js";
import { prefs } from "./state.js";

let zones = []; // the entries of the page's language, once loaded
let zonesLanguage = "";

/** Lower case, accents dropped: "Montréal" and "montreal" match. */
export function folded(text) {
  return (text || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLocaleLowerCase()
    .replaceAll("_", " ");
}

function haystack(zone) {
  return folded([zone.label, zone.id, ...(zone.aliases || [])].join(" "));
}

function find(id) {
  return zones.find((zone) => zone.id === id);
}

function optionText(zone, p) {
  return unbroken(`${zone.offset} · ${zone.label} · ${timeNowIn(zone.id, p)}`);
}

/** The zones matching the search text (every zone for an empty search). */
function matching(query) {
  const words = folded(query).split(/\s+/).filter(Boolean);
  if (!words.length) return zones;
  return zones.filter((zone) => {
    const text = haystack(zone);
    return words.every((word) => text.includes(word));
  });
}

/** Rebuild the options for the search text, keeping selected (or the first match). */
function renderOptions(selected) {
  const select = $("timezone");
  const p = prefs();
  const query = $("timezone-search").value;
  let shown = matching(query);
  if (query.trim()) {
    setMessage(
      "timezone-matches",
      shown.length ? tn("profile.tz_matches", shown.length) : t("profile.tz_no_match"),
    );
  } else {
    setMessage("timezone-matches", "");
  }
  if (!shown.length) shown = zones.filter((zone) => zone.id === selected);
  const value = shown.some((zone) => zone.id === selected) ? selected : shown[0] && shown[0].id;
  const options = shown.map((zone) => option(zone.id, optionText(zone, p), zone.id === value));
  // A zone the list does not name (an old link name saved earlier): kept, as is.
  if (selected && !find(selected) && (!query.trim() || !shown.length)) {
    options.unshift(option(selected, selected.replaceAll("_", " "), true));
  }
  select.replaceChildren(...options);
  if (value) select.value = value;
  else if (selected) select.value = selected;
  renderNow();
}

/** "Il est 9 h 30 à Toronto (Canada) (UTC−05:00)." under the list. */
export function renderNow() {
  const id = $("timezone").value;
  const zone = find(id);
  if (!id) {
    setMessage("timezone-now", "");
    return;
  }
  const p = prefs();
  setMessage(
    "timezone-now",
    t("profile.tz_now", {
      time: unbroken(formatTime(new Date(), { ...p, timezone: id })),
      zone: zone ? zone.label : id,
      offset: zone ? zone.offset : "",
    }).replace(", .", "."),
  );
}

/** Show selected (an IANA name) in the picker; loads the zones in the page's language. */
export async function renderTimeZones(selected) {
  const lang = language();
  if (zonesLanguage !== lang) {
    // Meanwhile the saved zone alone, so the form always holds a value.
    if (!zones.length) {
      $("timezone").replaceChildren(option(selected, (selected || "").replaceAll("_", " "), true));
    }
    try {
      zones = await loadZones(lang);
      zonesLanguage = lang;
    } catch (error) {
      console.warn("time zones not loaded", error);
    }
  }
  renderOptions(selected || $("timezone").value);
}

/** The device's zone as one of the list's (a link name like Asia/Calcutta by its city). */
export function deviceZone() {
  let id = "";
  try {
    id = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return null;
  }
  if (find(id)) return find(id);
  const city = folded(id.split("/").pop());
  return zones.find((zone) => (zone.aliases || []).some((alias) => folded(alias) === city)) || null;
}

export function wireTimeZonePicker() {
  const select = $("timezone");
  const search = $("timezone-search");
  // Filtering may select another zone (the first match): told like a choice made by hand.
  const filter = () => {
    const before = select.value;
    renderOptions(before);
    if (select.value !== before) select.dispatchEvent(new Event("change", { bubbles: true }));
  };
  search.addEventListener("input", filter);
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // not a form submit: go choose in the filtered list
      select.focus();
    } else if (event.key === "Escape" && search.value) {
      event.preventDefault();
      search.value = "";
      filter();
    }
  });
  select.addEventListener("change", renderNow);
  $("timezone-device").addEventListener("click", () => {
    const zone = deviceZone();
    if (!zone) {
      announce(t("profile.tz_device_unknown"));
      return;
    }
    search.value = "";
    renderOptions(zone.id);
    select.dispatchEvent(new Event("change", { bubbles: true }));
    announce(t("profile.tz_device_set", { zone: zone.label }));
  });
}

/** Whether the list holds zones in the page's language (tests, re-renders). */
export function zonesReady() {
  return zonesLanguage === language() && zones.length > 0;
}
