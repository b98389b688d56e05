// How sessions and activity events show a device, a place and a moment.

import { has, language, t } from "./i18n.js";

// Device type -> icon outline (24×24 SVG paths, stroked in the text colour, so they
// follow forced colours; no emoji font needed). Decorative: the row says the device.
const ICON_PATHS = {
  desktop: ["M3 4h18v12H3z", "M8 20h8", "M12 16v4"],
  mobile: ["M7 2h10v20H7z", "M11 18h2"],
  tablet: ["M4 3h16v18H4z", "M11 17h2"],
  bot: ["M5 8h14v11H5z", "M12 4v4", "M9 13h.01", "M15 13h.01"],
  other: ["M4 5h16v10H4z", "M2 19h20"],
};
const SVG = "http://www.w3.org/2000/svg";
export const RELATIVE_UNITS = [
  ["year", 365 * 86400],
  ["month", 30 * 86400],
  ["week", 7 * 86400],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
];

/** The device's icon: an <svg> hidden from assistive technology, data-device = its type. */
export function deviceIcon(device, className = "device-icon") {
  const type = device && ICON_PATHS[device.type] ? device.type : "other";
  const svg = document.createElementNS(SVG, "svg");
  for (const [name, value] of Object.entries({
    class: className,
    viewBox: "0 0 24 24",
    width: "24",
    height: "24",
    fill: "none",
    stroke: "currentColor",
    "stroke-width": "2",
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
    "aria-hidden": "true",
    focusable: "false",
    "data-device": type,
  })) {
    svg.setAttribute(name, value);
  }
  for (const d of ICON_PATHS[type]) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
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
