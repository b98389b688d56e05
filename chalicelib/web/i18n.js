// French-first texts. Translations live in i18n.json (served as static/i18n.json)
// so that the server-side test can check every key used by the page exists in both
// languages.

export const LANGUAGES = ["fr", "en"];
export const LOCALES = { fr: "fr-CA", en: "en-CA" };

let dictionaries = { fr: {}, en: {} };
// The API's error texts by code (served as errors.json from chalicelib/i18n/errors.py):
// an error shown stays in the page's language when the person switches.
let errorTexts = { fr: {}, en: {} };
let current = "fr";
// The sign-in screen's language choice (no secret: only "fr" or "en").
const LANGUAGE_KEY = "portal.language";

async function loadJson(name) {
  const response = await fetch(new URL(name, import.meta.url), {
    headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  return response.json();
}

export async function loadDictionaries() {
  [dictionaries, errorTexts] = await Promise.all([loadJson("i18n.json"), loadJson("errors.json")]);
}

/** The API's text for an error code in the page's language, or "". */
export function errorCodeText(code) {
  return (errorTexts[current] && errorTexts[current][code]) || "";
}

/** The language chosen on the sign-in screen earlier in this browser, or null. */
export function rememberedLanguage() {
  try {
    const lang = localStorage.getItem(LANGUAGE_KEY);
    return LANGUAGES.includes(lang) ? lang : null;
  } catch {
    return null; // storage disabled
  }
}

export function rememberLanguage(lang) {
  try {
    localStorage.setItem(LANGUAGE_KEY, lang);
  } catch {
    // storage disabled: the choice lasts until the tab closes
  }
}

/** fr or en from the browser's preferences; French by default. */
export function browserLanguage() {
  const wanted =
    navigator.languages && navigator.languages.length
      ? navigator.languages
      : [navigator.language || "fr"];
  for (const tag of wanted) {
    const lang = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(lang)) return lang;
  }
  return "fr";
}

export function language() {
  return current;
}

export function locale() {
  return LOCALES[current];
}

export function setLanguage(lang) {
  current = LANGUAGES.includes(lang) ? lang : "fr";
  document.documentElement.lang = current;
  applyTranslations(document);
}

/** The text for key in the current language, with {name} placeholders filled. */
export function t(key, params = {}) {
  const text = dictionaries[current]?.[key] ?? dictionaries.fr?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

export function has(key) {
  return Object.prototype.hasOwnProperty.call(dictionaries[current] || {}, key);
}

/** Plural: looks up key.one / key.other with Intl.PluralRules (fr: 0 and 1 are "one"). */
export function tn(key, n, params = {}) {
  const form = new Intl.PluralRules(LOCALES[current]).select(n) === "one" ? "one" : "other";
  return t(`${key}.${form}`, { n, ...params });
}

const ATTRIBUTES = [
  ["data-i18n-aria-label", "aria-label"],
  ["data-i18n-alt", "alt"],
  ["data-i18n-title", "title"],
  ["data-i18n-placeholder", "placeholder"],
];

/** Fill every [data-i18n] text and [data-i18n-<attribute>] attribute under root. */
export function applyTranslations(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const [source, target] of ATTRIBUTES) {
    for (const el of root.querySelectorAll(`[${source}]`)) {
      el.setAttribute(target, t(el.getAttribute(source)));
    }
  }
}
