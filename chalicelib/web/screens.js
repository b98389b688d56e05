// The page's two screens (sign-in, portal), its language, and re-rendering what
// script built when the language changes: each part registers its renderer.

import { language, setLanguage } from "./i18n.js";
import { $, refreshTexts } from "./dom.js";
import { state } from "./state.js";

const renderers = [];

/** fn() runs on every re-render (language switch); it checks itself what it has to show. */
export function onRerender(fn) {
  renderers.push(fn);
}

export function showScreen(name) {
  state.screen = name;
  $("boot").hidden = true;
  $("signin").hidden = name !== "signin";
  $("portal").hidden = name !== "portal";
  $("lang-toggle").hidden = name !== "signin";
  $("logout").hidden = name !== "portal";
}

export function applyLanguage(lang) {
  setLanguage(lang);
  const other = language() === "fr" ? "en" : "fr";
  $("lang-toggle").setAttribute("lang", other);
  rerender();
}

/** Re-render everything built by script (texts from data-i18n are done by setLanguage). */
export function rerender() {
  for (const render of renderers) render();
  refreshTexts();
}
