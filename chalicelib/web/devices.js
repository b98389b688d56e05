// How sessions and activity events show a device, a place and a moment.

import { has, language, t } from "./i18n.js";

// Device type -> icon (decorative: the row says the device in words too).
export const DEVICE_ICONS = { mobile: "📱", tablet: "📱", desktop: "💻", bot: "🤖", other: "🖥️" };
export const RELATIVE_UNITS = [
  ["year", 365 * 86400],
  ["month", 30 * 86400],
  ["week", 7 * 86400],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
];

export function deviceIcon(device) {
  return DEVICE_ICONS[(device && device.type) || "other"] || DEVICE_ICONS.other;
}

/** "Mac (macOS)", "iPhone (iOS 17.4)", "Ordinateur (Windows)". */
export function deviceText(item) {
  const device = item.device || {};
  const name = device.name || t(`device.${has(`device.${device.type}`) ? device.type : "other"}`);
  return device.os ? `${name} (${device.os})` : name;
}

/** The place: the location's label, "Réseau local" for a loopback or private address. */
export function placeText(item) {
  if (item.location && item.location.label) return item.location.label;
  return item.local_network ? t("sessions.local_network") : "";
}

/** "il y a 5 minutes", "yesterday": the moment relative to now, in the page's language. */
export function relativeTime(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const format = new Intl.RelativeTimeFormat(language(), { numeric: "auto" });
  for (const [unit, size] of RELATIVE_UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(0, "second"); // "maintenant", "now"
}
