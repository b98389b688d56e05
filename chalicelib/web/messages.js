import { has, t } from "./i18n.js";
import { ApiError } from "./api.js";
import { $ } from "./dom.js";

export const STATUS_SECONDS = 10;
export let announceTimer = 0;
export let clearTimer = 0;
/** Say something in the aria-live status region (also shown as a toast for a while). */
export function announce(text) {
  const region = $("status");
  region.textContent = "";
  clearTimeout(announceTimer);
  clearTimeout(clearTimer);
  // Emptied first so the same message twice is announced twice.
  announceTimer = setTimeout(() => {
    region.textContent = text || "";
    clearTimer = setTimeout(() => {
      region.textContent = "";
    }, STATUS_SECONDS * 1000);
  }, 30);
}

export function errorText(error) {
  if (error instanceof ApiError) {
    if (error.status === 0) return t("error.network");
    return error.serverMessage || t("error.generic");
  }
  console.error(error);
  return t("error.generic");
}

export function reasonText(reason) {
  return has(`reason.${reason}`) ? t(`reason.${reason}`) : t("reason.invalid");
}
