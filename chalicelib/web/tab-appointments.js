// The Rendez-vous tab: upcoming and past appointments, grouped by day in the
// person's time zone and formats.

import { t } from "./i18n.js";
import { api } from "./api.js";
import { dayKey, formatDate, formatTime } from "./format.js";
import { $, el, setMessage, unbroken } from "./dom.js";
import { errorText } from "./messages.js";
import { onRerender } from "./screens.js";
import { prefs, state } from "./state.js";
import { registerTab } from "./tabs.js";

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
    setMessage("appointments-error", errorText(error));
    return;
  }
  renderAppointments();
}

export function appointmentItem(appointment, p) {
  const start = new Date(appointment.start);
  const end = appointment.end ? new Date(appointment.end) : null;
  const time = unbroken(
    end ? `${formatTime(start, p)} – ${formatTime(end, p)}` : formatTime(start, p),
  );
  const status = appointment.status === "cancelled" ? "cancelled" : "booked";
  const professional = (appointment.professional && appointment.professional.name) || "";
  return el(
    "li",
    {
      className: `appointment appointment-${status}`,
      attrs: { "data-testid": "appointment-row", "data-appointment-id": appointment.id },
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

registerTab("appointments", loadAppointments);
onRerender(() => {
  if (state.screen === "portal" && state.profile && state.appointments) renderAppointments();
});
