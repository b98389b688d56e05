// Keeping the profile's version in step after a photo or email change.

import { api } from "./api.js";
import { state } from "./state.js";

export const EDITABLE = ["first_name", "last_name", "language", "date_format", "time_format", "timezone"];

export function sameEditable(a, b) {
  return (
    EDITABLE.every((key) => a[key] === b[key]) &&
    ["mobile_phone", "home_phone"].every(
      (key) => (a[key] && a[key].e164) === (b[key] && b[key].e164),
    )
  );
}

/**
 * After a photo or email change (each bumps the account's version), take the
 * stored version if nothing else changed, so an unsaved edit of the form can
 * still be saved; otherwise the save will get the version conflict it deserves.
 */
export async function syncAfterWrite() {
  try {
    const fresh = await api("GET", "profile");
    if (sameEditable(fresh, state.profile)) {
      state.profile.version = fresh.version;
      state.profile.updated_at = fresh.updated_at;
    }
    state.profile.photo = fresh.photo;
    state.profile.emails = fresh.emails;
    state.profile.pending_emails = fresh.pending_emails;
  } catch {
    // Not fatal: the change is saved; a later save may then ask to reload.
  }
}
