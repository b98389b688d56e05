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


export function setFieldError(inputId, text) {
  const input = $(inputId);
  const slot = $(`${inputId}-error`);
  slot.textContent = text || "";
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

export function setMessage(id, text) {
  $(id).textContent = text || "";
}

/** Run fn while button shows busy; ignores clicks meanwhile (focus stays put). */
export async function busy(button, fn) {
  if (button.getAttribute("aria-disabled") === "true") return;
  button.setAttribute("aria-disabled", "true");
  button.classList.add("is-busy");
  try {
    await fn();
  } finally {
    button.removeAttribute("aria-disabled");
    button.classList.remove("is-busy");
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
