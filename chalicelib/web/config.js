// What the server declares and the page must not copy: display defaults, the
// profile's choices, limits (GET /config), and the time zones named in the
// page's language (GET /timezones?lang=). Both are public and read once.

import { api } from "./api.js";

let config = null;
const zonesByLanguage = new Map(); // language -> Promise of the zone entries

/** Load GET /config once; null if the server cannot be reached (the page still works). */
export async function loadConfig() {
  if (config) return config;
  try {
    config = await api("GET", "config", undefined, { auth: false });
  } catch (error) {
    console.warn("config not loaded", error);
    config = null;
  }
  return config;
}

export function defaults() {
  return (config && config.defaults) || {};
}

export function choices() {
  return (config && config.choices) || { languages: [], date_formats: [], time_formats: [] };
}

export function limits() {
  return (config && config.limits) || {};
}

/** The zones of GET /timezones in language: [{id, label, offset, aliases?}], sorted by offset. */
export function loadZones(language) {
  if (!zonesByLanguage.has(language)) {
    const loading = api("GET", `timezones?lang=${encodeURIComponent(language)}`, undefined, {
      auth: false,
    })
      .then((answer) => answer.zones || [])
      .catch((error) => {
        zonesByLanguage.delete(language); // try again next time
        throw error;
      });
    zonesByLanguage.set(language, loading);
  }
  return zonesByLanguage.get(language);
}
