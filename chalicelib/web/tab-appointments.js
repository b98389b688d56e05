// The Rendez-vous tab: upcoming and past appointments, grouped by day in the
// person's time zone and formats. The first answer covers the API's default
// window (the last 30 days onwards); "Older appointments" asks the year before
// the oldest window shown (from/to), until the history's start (client_since).

import { t } from "./i18n.js";
import { api } from "./api.js";
import { dayKey, formatDate, formatTimeRange } from "./format.js";
import { $, el, onClick, setMessage, unbroken } from "./dom.js";
import { announce, showLoadError } from "./messages.js";
import { loadZones } from "./config.js";
import { onRerender } from "./screens.js";
import { prefs, state } from "./state.js";
import { registerTab } from "./tabs.js";

const DAY_MS = 86400 * 1000;
const OLDER_WINDOW_DAYS = 365; // one request per year of history
const DEFAULT_WINDOW_DAYS = 30; // the API's default start: "from" 30 days ago

// How far back the list goes: the start of the oldest window asked (ms), and where
// the history starts (client_since). Reset by every full reload.
const history = { from: 0, since: 0 };

export async function loadAppointments() {
  setMessage("appointments-error", "");
  if (!state.appointments) {
    $("appointments-list").replaceChildren(
      el("p", { className: "loading", text: t("common.loading") }),
    );
  }
  try {
    state.appointments = await api("GET", "appointments");
  } catch (error) {
    $("appointments-list").replaceChildren();
    showLoadError("appointments-error", error, loadAppointments);
    return;
  }
  history.from = Date.now() - DEFAULT_WINDOW_DAYS * DAY_MS;
  history.since = Date.parse(state.appointments.client_since || "") || 0;
  renderAppointments();
}

/** The year before the oldest window shown, merged into the list (ids are unique per professional). */
export async function loadOlder() {
  setMessage("appointments-error", "");
  const to = new Date(history.from);
  const from = new Date(Math.max(history.from - OLDER_WINDOW_DAYS * DAY_MS, history.since));
  let older;
  try {
    older = await api(
      "GET",
      `appointments?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`,
    );
  } catch (error) {
    showLoadError("appointments-error", error, loadOlder);
    return;
  }
  const key = (a) => `${a.professional && a.professional.id}/${a.id}`;
  const known = new Set(state.appointments.appointments.map(key));
  state.appointments.appointments.push(...older.appointments.filter((a) => !known.has(key(a))));
  history.from = from.getTime();
  renderAppointments();
  const date = formatDate(from, prefs());
  announce(t(hasOlder() ? "appointments.older_loaded" : "appointments.all_loaded", { date }));
}

function hasOlder() {
  return history.since > 0 && history.from > history.since;
}

/** "Heures dans votre fuseau : Toronto (Canada), UTC−05:00." */
async function renderZoneNote() {
  const p = prefs();
  let name = p.timezone;
  try {
    const zone = (await loadZones(p.language)).find((z) => z.id === p.timezone);
    if (zone) name = `${zone.label}, ${zone.offset}`;
  } catch {
    // the zone's id is still a name
  }
  setMessage("appointments-zone", t("appointments.zone", { zone: name.replaceAll("_", " ") }));
}

export function appointmentItem(appointment, p) {
  const start = new Date(appointment.start);
  const end = appointment.end ? new Date(appointment.end) : null;
  const time = unbroken(formatTimeRange(start, end, p));
  const ended = Date.parse(appointment.end || appointment.start) < Date.now();
  const status = appointment.status === "cancelled" ? "cancelled" : ended ? "past" : "booked";
  const professional = (appointment.professional && appointment.professional.name) || "";
  return el(
    "li",
    {
      className: `appointment appointment-${status}`,
      attrs: {
        "data-testid": "appointment-row",
        "data-appointment-id": appointment.id,
        "data-status": status,
      },
    },
    [
      el("p", { className: "appointment-time" }, [
        el("time", { text: time, attrs: { datetime: appointment.start } }),
      ]),
      el("div", { className: "appointment-body" }, [
        el("p", { className: "appointment-who", text: professional }),
        appointment.service
          ? el("p", { className: "appointment-what", text: appointment.service })
          : null,
      ]),
      el("p", { className: "appointment-status" }, [
        el("span", {
          className: `badge badge-${status}`,
          text: t(`appointments.status.${status}`),
        }),
      ]),
    ],
  );
}

/** Appointments under one heading per day (in the person's time zone), in the given order. */
export function byDay(items, p) {
  const days = [];
  for (const appointment of items) {
    const start = new Date(appointment.start);
    const key = dayKey(start, p);
    let day = days[days.length - 1];
    if (!day || day.key !== key) {
      day = { key, label: formatDate(start, p), items: [] };
      days.push(day);
    }
    day.items.push(appointment);
  }
  return days.map((day) =>
    el("div", { className: "appointment-day", attrs: { "data-day": day.key } }, [
      el("h4", { className: "day-title", text: day.label }),
      el(
        "ol",
        { className: "appointments" },
        day.items.map((a) => appointmentItem(a, p)),
      ),
    ]),
  );
}

export function renderAppointments() {
  const p = prefs();
  const now = Date.now();
  const all = [...(state.appointments.appointments || [])].sort(
    (a, b) => Date.parse(a.start) - Date.parse(b.start),
  );
  const ended = (a) => Date.parse(a.end || a.start) < now;
  const upcoming = all.filter((a) => !ended(a));
  const past = all.filter(ended).reverse(); // most recent first

  renderZoneNote();
  renderHistoryControls();
  if (!all.length) {
    $("appointments-list").replaceChildren(
      el("p", {
        className: "empty",
        text: t("appointments.none"),
        attrs: { "data-testid": "no-appointments" },
      }),
    );
    return;
  }
  const group = (key, items, testid) =>
    items.length
      ? el("section", { className: "appointment-group", attrs: { "data-testid": testid } }, [
          el("h3", { text: t(key) }),
          ...byDay(items, p),
        ])
      : null;
  $("appointments-list").replaceChildren(
    ...[
      group("appointments.upcoming", upcoming, "appointments-upcoming"),
      group("appointments.past", past, "appointments-past"),
    ].filter(Boolean),
  );
}

/** "Depuis le …" and the "Older appointments" button while history goes further back. */
function renderHistoryControls() {
  const older = $("older-appointments");
  older.hidden = !hasOlder();
  setMessage(
    "appointments-since",
    history.from ? t("appointments.shown_since", { date: formatDate(new Date(history.from), prefs()) }) : "",
  );
}

export function wireAppointments() {
  onClick($("older-appointments"), loadOlder);
}

registerTab("appointments", loadAppointments);
onRerender(() => {
  if (state.screen === "portal" && state.profile && state.appointments) renderAppointments();
});
