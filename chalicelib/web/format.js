// Dates and times in the person's own formats (profile date_format, time_format,
// timezone, language). The rules are the server's (chalicelib/i18n/formatting.py,
// used for emails and SMS), so the portal shows exactly what reminders say:
//   fr 24h "14 h 30", "14 h" on the hour; fr 12h "2 h 30 de l'après-midi",
//   "midi", "minuit"; en 24h "14:30"; en 12h "2:30 PM";
//   D MMMM YYYY: "vendredi 27 novembre 2026" ("1er" for the first),
//   "Friday, November 27, 2026". Names come from Intl (CLDR), numbers are
//   read in the person's time zone with Intl.DateTimeFormat parts.

import { LOCALES } from "./i18n.js";

// The choices and defaults come from the server (GET /config, config.js), never from here.

const NUMERIC = "en-CA-u-nu-latn";
const AT = { fr: " à ", en: " at " };

function zone(timezone) {
  if (!timezone) return undefined;
  try {
    new Intl.DateTimeFormat(NUMERIC, { timeZone: timezone });
    return timezone;
  } catch {
    return undefined; // unknown to this browser: its own zone
  }
}

function parts(date, locale, options) {
  const out = {};
  for (const part of new Intl.DateTimeFormat(locale, options).formatToParts(date)) {
    out[part.type] = part.value;
  }
  return out;
}

/** Year, month, day, hour, minute of date in the zone, as numbers. */
function local(date, timezone) {
  const p = parts(date, NUMERIC, {
    timeZone: zone(timezone),
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    hourCycle: "h23",
  });
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour) % 24,
    minute: Number(p.minute),
  };
}

const pad = (n, width = 2) => String(n).padStart(width, "0");
const lang = (prefs) => (prefs.language === "en" ? "en" : "fr");

/** A date as the person wants it: 2026-11-27, 27/11/2026, 11/27/2026 or vendredi 27 novembre 2026. */
export function formatDate(date, prefs) {
  const l = local(date, prefs.timezone);
  switch (prefs.date_format) {
    case "DD/MM/YYYY":
      return `${pad(l.day)}/${pad(l.month)}/${pad(l.year, 4)}`;
    case "MM/DD/YYYY":
      return `${pad(l.month)}/${pad(l.day)}/${pad(l.year, 4)}`;
    case "D MMMM YYYY": {
      const names = parts(date, LOCALES[lang(prefs)], {
        timeZone: zone(prefs.timezone),
        weekday: "long",
        day: "numeric",
        month: "long",
        year: "numeric",
      });
      if (lang(prefs) === "fr") {
        const day = l.day === 1 ? "1er" : String(l.day);
        return `${names.weekday} ${day} ${names.month} ${l.year}`;
      }
      return `${names.weekday}, ${names.month} ${l.day}, ${l.year}`;
    }
    default:
      return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}`;
  }
}

function frClock(hour, minute) {
  return minute === 0 ? `${hour} h` : `${hour} h ${pad(minute)}`;
}

/** A time as the person wants it: 14 h 30, 2 h 30 de l'après-midi, 14:30 or 2:30 PM. */
export function formatTime(date, prefs) {
  const { hour, minute } = local(date, prefs.timezone);
  const fr = lang(prefs) === "fr";
  if (prefs.time_format === "12h") {
    const hour12 = hour % 12 || 12;
    if (!fr) return `${hour12}:${pad(minute)} ${hour < 12 ? "AM" : "PM"}`;
    if (minute === 0 && (hour === 0 || hour === 12)) return hour === 0 ? "minuit" : "midi";
    const period = hour < 12 ? "du matin" : hour < 18 ? "de l'après-midi" : "du soir";
    return `${frClock(hour12, minute)} ${period}`;
  }
  return fr ? frClock(hour, minute) : `${pad(hour)}:${pad(minute)}`;
}

/**
 * A time range, the part of the day or AM/PM said once when both ends share it:
 * "9 h – 9 h 45", "9 h – 9 h 45 du matin", "09:00 – 09:45", "9:00 – 9:45 AM".
 */
export function formatTimeRange(start, end, prefs) {
  if (!end) return formatTime(start, prefs);
  const both = `${formatTime(start, prefs)} – ${formatTime(end, prefs)}`;
  if (prefs.time_format !== "12h") return both;
  const a = local(start, prefs.timezone);
  const b = local(end, prefs.timezone);
  if (lang(prefs) === "en") {
    if (a.hour < 12 !== b.hour < 12) return both;
    const clock = ({ hour, minute }) => `${hour % 12 || 12}:${pad(minute)}`;
    return `${clock(a)} – ${clock(b)} ${a.hour < 12 ? "AM" : "PM"}`;
  }
  const period = (hour) => (hour < 12 ? "du matin" : hour < 18 ? "de l'après-midi" : "du soir");
  const special = (l) => l.minute === 0 && (l.hour === 0 || l.hour === 12); // midi, minuit
  if (special(a) || special(b) || period(a.hour) !== period(b.hour)) return both;
  return `${frClock(a.hour % 12 || 12, a.minute)} – ${frClock(b.hour % 12 || 12, b.minute)} ${period(a.hour)}`;
}

/** The time now in a zone, in the person's time format: "14 h 30", "2:30 PM". */
export function timeNowIn(timezone, prefs) {
  return formatTime(new Date(), { ...prefs, timezone });
}

/** Date and time: vendredi 27 novembre 2026 à 14 h 30. */
export function formatDateTime(date, prefs) {
  return `${formatDate(date, prefs)}${AT[lang(prefs)]}${formatTime(date, prefs)}`;
}

/** The calendar day (YYYY-MM-DD) of date in the person's zone, for grouping. */
export function dayKey(date, prefs) {
  const p = parts(date, NUMERIC, {
    timeZone: zone(prefs.timezone),
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  return `${p.year}-${p.month}-${p.day}`;
}

/** The example shown beside each format choice: 27 November 2026, 14:30, in UTC. */
export const EXAMPLE = new Date(Date.UTC(2026, 10, 27, 14, 30));

export function exampleDate(format, language) {
  return formatDate(EXAMPLE, { date_format: format, language, timezone: "UTC" });
}

export function exampleTime(format, language) {
  return formatTime(EXAMPLE, { time_format: format, language, timezone: "UTC" });
}

/** Initials for the photo placeholder: "Camille Tremblay" -> "CT". */
export function initials(first, last) {
  const letter = (s) => (Array.from((s || "").trim())[0] || "").toLocaleUpperCase();
  return `${letter(first)}${letter(last)}` || "?";
}
