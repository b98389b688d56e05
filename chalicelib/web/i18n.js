// French-first texts. Translations live in i18n.json (served as static/i18n.json)
// so that the server-side test can check every key used by the page exists in both
// languages.

export const LANGUAGES = ["fr", "en"];
export const LOCALES = { fr: "fr-CA", en: "en-CA" };

let dictionaries = { fr: {}, en: {} };
let current = "fr";

export async function loadDictionaries() {
  const response = await fetch(new URL("i18n.json", import.meta.url), {
    headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new Error(`i18n.json: HTTP ${response.status}`);
  dictionaries = await response.json();
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
