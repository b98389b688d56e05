import { t } from "./i18n.js";
import { $ } from "./dom.js";

// Dialog -> the control to give focus back to when it closes.
export const openers = new WeakMap();

export function openDialog(dialog, opener, focusId) {
  openers.set(dialog, opener || document.activeElement);
  if (!dialog.open) dialog.showModal();
  if (focusId) $(focusId).focus();
}

export function wireDialogs() {
  for (const dialog of document.querySelectorAll("dialog")) {
    for (const button of dialog.querySelectorAll("[data-close]")) {
      button.addEventListener("click", () => dialog.close());
    }
    dialog.addEventListener("close", () => {
      let back = openers.get(dialog);
      openers.delete(dialog);
      // The opener may be gone (a pending address that got confirmed).
      if (!back || !back.isConnected || back.hidden)
        back = $(dialog.dataset.fallbackFocus || "main");
      // Only when no other dialog took over (add address -> enter code).
      if (!document.querySelector("dialog[open]") && back) back.focus();
    });
  }
}

/**
 * Ask before something that cannot be undone: a native dialog that states the
 * consequence. Resolves true when the person confirms; Cancel and Escape resolve false.
 * Focus starts on Cancel (the safe choice) and goes back to the opener afterwards.
 */
export function confirmAction({ title, text, confirm, cancel = "", opener = null }) {
  const dialog = $("confirm-dialog");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = confirm;
  $("confirm-cancel").textContent = cancel || t("common.cancel");
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), {
      once: true,
    });
    openDialog(dialog, opener || document.activeElement, "confirm-cancel");
  });
}
