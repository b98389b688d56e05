// DOM helpers shared by every part of the page: build elements, show field errors,
// run an action while its button shows busy.
export const $ = (id) => document.getElementById(id);

export function el(tag, { className, text, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

/** Keep "14 h 30", "2:30 PM" on one line (the shared formatter uses plain spaces). */
export function unbroken(text) {
  return text.replace(/(\d) (h|AM|PM)\b/g, "$1\u00a0$2").replace(/\bh (\d)/g, "h\u00a0$1");
}

// Slot id -> how to render what it shows, for texts given as functions: they are
// rendered again in the new language when the person switches (refreshTexts).
const liveTexts = new Map();

function fill(slot, content) {
  const value = typeof content === "function" ? content() : content;
  if (Array.isArray(value)) slot.replaceChildren(...value);
  else slot.textContent = value || "";
  if (typeof content === "function") liveTexts.set(slot.id, content);
  else liveTexts.delete(slot.id);
  return Boolean(value && value.length);
}

/** Show (or clear) a field's error: a string, or a function giving a string or nodes. */
export function setFieldError(inputId, text) {
  const input = $(inputId);
  if (fill($(`${inputId}-error`), text)) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

/** Set an element's text: a string, or a function giving a string or nodes. */
export function setMessage(id, text) {
  fill($(id), text);
}

/** Render again every text given as a function (after a language switch). */
export function refreshTexts() {
  for (const [id, render] of liveTexts) {
    const slot = $(id);
    if (slot && slot.isConnected) fill(slot, render);
    else liveTexts.delete(id);
  }
}

// Run before every action a button starts (clears the previous action's message).
const beforeAction = [];
export function onAction(fn) {
  beforeAction.push(fn);
}

/** Keep a button unusable until release() (e.g. until Retry-After has passed). */
export function hold(button) {
  button.dataset.held = "true";
  button.setAttribute("aria-disabled", "true");
}

export function release(button) {
  delete button.dataset.held;
  if (!button.classList.contains("is-busy")) button.removeAttribute("aria-disabled");
}

/** Run fn while button shows busy; ignores clicks meanwhile (focus stays put). */
export async function busy(button, fn) {
  if (button.getAttribute("aria-disabled") === "true") return;
  for (const before of beforeAction) before();
  button.setAttribute("aria-disabled", "true");
  button.classList.add("is-busy");
  try {
    await fn();
  } finally {
    button.classList.remove("is-busy");
    if (!button.dataset.held) button.removeAttribute("aria-disabled");
  }
}

export function onSubmit(formId, buttonId, fn) {
  $(formId).addEventListener("submit", (event) => {
    event.preventDefault();
    busy($(buttonId), fn);
  });
}

export function onClick(button, fn) {
  button.addEventListener("click", () => busy(button, fn));
}

export function option(value, label, selected) {
  const node = el("option", { text: label, attrs: { value } });
  if (selected) node.selected = true;
  return node;
}
