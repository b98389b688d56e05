// What the page tells people: one message at a time, by kind (success, info, warning:
// spoken politely; error: an alert), with an icon so the kind is not told by colour
// alone, dismissable, cleared when the next action starts. Error texts, Retry-After
// countdowns and retry buttons.

import { errorCodeText, has, t } from "./i18n.js";
import { ApiError } from "./api.js";
import { $, el, hold, onAction, onClick, release, setMessage } from "./dom.js";
import { onRerender } from "./screens.js";

const ICONS = { success: "✓", info: "i", warning: "!", error: "✕" };
const KINDS = Object.keys(ICONS);
let current = null; // { text, kind }: text is a string or a function (re-rendered)
let announceTimer = 0;

const textOf = (text) => (typeof text === "function" ? text() : text || "");
const regionOf = (kind) => $(kind === "error" ? "alert" : "status");

/** Show a message: kind is success (default), info, warning or error. */
export function announce(text, kind = "success") {
  clearMessage();
  if (!text) return;
  current = { text, kind };
  const box = $("message");
  box.classList.add("message-shown", `message-${kind}`);
  box.dataset.kind = kind;
  $("message-icon").textContent = ICONS[kind];
  $("message-kind").textContent = t(`message.kind.${kind}`);
  $("dismiss-message").hidden = false;
  // The live region was emptied first, so the same message twice is announced twice.
  announceTimer = setTimeout(() => {
    regionOf(kind).textContent = textOf(text);
  }, 30);
}

export function clearMessage() {
  clearTimeout(announceTimer);
  current = null;
  const box = $("message");
  box.classList.remove("message-shown", ...KINDS.map((kind) => `message-${kind}`));
  delete box.dataset.kind;
  $("status").textContent = "";
  $("alert").textContent = "";
  $("message-icon").textContent = "";
  $("message-kind").textContent = "";
  $("dismiss-message").hidden = true;
}

export function wireMessages() {
  $("dismiss-message").addEventListener("click", () => {
    clearMessage();
    $("main").focus();
  });
  onAction(clearMessage);
  onRerender(() => {
    if (!current) return;
    $("message-kind").textContent = t(`message.kind.${current.kind}`);
    regionOf(current.kind).textContent = textOf(current.text);
  });
}

/** An error's text in the page's current language (the API's text for its code). */
export function errorText(error) {
  if (error instanceof ApiError) {
    if (error.status === 0) return t("error.network");
    if (error.local && error.serverMessage) return error.serverMessage;
    return errorCodeText(error.code) || error.serverMessage || t("error.generic");
  }
  console.error(error);
  return t("error.generic");
}

export function reasonText(reason) {
  return has(`reason.${reason}`) ? t(`reason.${reason}`) : t("reason.invalid");
}

const WAIT_TEXTS = { rate_limited: "error.rate_limited_wait", unavailable: "error.unavailable_wait" };

/** Seconds to wait before trying again, for a 429/503 that says so; else 0. */
export function retrySeconds(error) {
  const waits = error instanceof ApiError && (error.status === 429 || error.status === 503);
  return waits && error.retryAfter > 0 ? Math.ceil(error.retryAfter) : 0;
}

/**
 * Show an error with show(render) (setFieldError or setMessage bound to a slot). A 429 or
 * 503 with Retry-After counts down ("Réessayez dans 42 s") and holds button until 0.
 * The changing number is hidden from screen readers (a live slot would announce it
 * every second): they hear the wait once, then "you can try again".
 */
export function showError(error, show, button = null) {
  const seconds = retrySeconds(error);
  if (!seconds) {
    show(() => errorText(error));
    return;
  }
  const until = Date.now() + seconds * 1000;
  const left = () => Math.max(0, Math.ceil((until - Date.now()) / 1000));
  let counter = null; // the countdown element now shown (a language switch re-renders it)
  if (button) hold(button);
  show(() => {
    counter = el("span", {
      className: "countdown",
      text: t("error.retry_in", { seconds: left() }),
      attrs: { "aria-hidden": "true", "data-testid": "countdown" },
    });
    // The API's "try again a little later" would contradict the countdown: say what happened.
    const what = WAIT_TEXTS[error.code] ? t(WAIT_TEXTS[error.code]) : errorText(error);
    return [
      `${what} `,
      el("span", { className: "visually-hidden", text: t("error.retry_in", { seconds }) }),
      counter,
    ];
  });
  const timer = setInterval(() => {
    const shown = counter && counter.isConnected; // else the slot moved on to something else
    if (left() > 0 && shown) {
      counter.textContent = t("error.retry_in", { seconds: left() });
      return;
    }
    clearInterval(timer);
    if (button) release(button);
    if (shown) show(() => t("error.retry_now"));
  }, 250);
}

/** A load that failed: its error and a "Réessayer" button that runs retry(). */
export function showLoadError(slotId, error, retry) {
  setMessage(slotId, () => {
    const button = el("button", {
      className: "button retry-button",
      text: t("common.retry"),
      attrs: { type: "button", "data-testid": `${slotId}-retry` },
    });
    onClick(button, async () => {
      setMessage(slotId, "");
      await retry();
    });
    return [el("span", { text: `${errorText(error)} ` }), button];
  });
}
