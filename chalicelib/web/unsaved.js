// Unsaved changes on the profile form: Save and Cancel are usable only when something
// changed; leaving the tab, signing out or leaving the page asks first.

import { t } from "./i18n.js";
import { $, hold, release } from "./dom.js";
import { confirmAction } from "./dialogs.js";
import { state } from "./state.js";

let saved = null; // the form's values as last filled from the stored profile
let restore = () => {};

// Every named control of the form, so a new field is covered without a change here.
// (A control whose value a script sets should dispatch "input" on it.)
const values = () =>
  JSON.stringify([...$("profile-form").elements].filter((c) => c.name).map((c) => c.value));

export function profileDirty() {
  return state.screen === "portal" && saved !== null && values() !== saved;
}

function update() {
  const dirty = profileDirty();
  for (const id of ["save-profile", "cancel-profile"]) {
    if (dirty) release($(id));
    else hold($(id));
  }
}

/** The form now shows the stored profile (called when it is filled). */
export function markSaved() {
  saved = values();
  update();
}

/** Resolves true when the profile may be left: nothing unsaved, or the person drops it. */
export async function mayLeaveProfile() {
  if (!profileDirty()) return true;
  const leave = await confirmAction({
    title: t("confirm.unsaved.title"),
    text: t("confirm.unsaved.text"),
    confirm: t("confirm.unsaved.ok"),
    cancel: t("confirm.unsaved.cancel"),
  });
  if (leave) restore();
  return leave;
}

/** restoreForm() puts the stored profile back in the form (Cancel). */
export function wireUnsaved(restoreForm) {
  restore = restoreForm;
  const form = $("profile-form");
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  $("cancel-profile").addEventListener("click", () => {
    if ($("cancel-profile").getAttribute("aria-disabled") === "true") return;
    restore();
    $("first-name").focus();
  });
  window.addEventListener("beforeunload", (event) => {
    if (!profileDirty()) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers ask only when this is set
  });
}
