// The Profil tab's form: names, phones, language, date/time formats, time zone.

import { language, t } from "./i18n.js";
import { api, ApiError } from "./api.js";
import { choices } from "./config.js";
import { exampleDate, exampleTime } from "./format.js";
import { renderTimeZones, wireTimeZonePicker } from "./tz-picker.js";
import { $, onClick, onSubmit, option, setFieldError, setMessage, unbroken } from "./dom.js";
import { announce, errorText, reasonText, showError } from "./messages.js";
import { applyLanguage, onRerender } from "./screens.js";
import { state } from "./state.js";
import { addLeaveGuard } from "./tabs.js";
import { markSaved, mayLeaveProfile, wireUnsaved } from "./unsaved.js";
import { renderEmails } from "./tab-emails.js";
import { renderPhoto } from "./tab-photo.js";

// Profile member -> form control id.
export const PROFILE_FIELDS = {
  first_name: "first-name",
  last_name: "last-name",
  mobile_phone: "mobile-phone",
  home_phone: "home-phone",
  language: "language",
  date_format: "date-format",
  time_format: "time-format",
  timezone: "timezone",
};

export function renderGreeting() {
  const name = state.profile && state.profile.first_name;
  setMessage("greeting", name ? t("app.greeting", { name }) : t("app.greeting_anonymous"));
}

export function phoneShown(phone) {
  if (!phone) return "";
  return phone.e164 && phone.e164.startsWith("+1") ? phone.national : phone.international;
}


/** The server's choices; without them (GET /config failed) at least the current value. */
function orCurrent(list, current) {
  return list.length ? list : [current].filter(Boolean);
}

/** The option lists whose labels depend on the UI language; keeps the selection. */
export function renderProfileChoices() {
  const dateSelect = $("date-format");
  const dateValue = dateSelect.value || (state.profile && state.profile.date_format);
  dateSelect.replaceChildren(
    ...orCurrent(choices().date_formats, dateValue).map((format) =>
      option(
        format,
        `${exampleDate(format, language())} (${t(`datefmt.${format}`)})`,
        format === dateValue,
      ),
    ),
  );

  const timeSelect = $("time-format");
  const timeValue = timeSelect.value || (state.profile && state.profile.time_format);
  timeSelect.replaceChildren(
    ...orCurrent(choices().time_formats, timeValue).map((format) =>
      option(
        format,
        `${t(`timefmt.${format}`)} (${unbroken(exampleTime(format, language()))})`,
        format === timeValue,
      ),
    ),
  );

  renderTimeZones($("timezone").value || (state.profile && state.profile.timezone));
}

export function fillProfileForm(profile) {
  state.profile = profile;
  clearProfileErrors();
  $("first-name").value = profile.first_name || "";
  $("last-name").value = profile.last_name || "";
  for (const field of ["mobile_phone", "home_phone"]) {
    state.phoneShown[field] = phoneShown(profile[field]);
    $(PROFILE_FIELDS[field]).value = state.phoneShown[field];
  }
  $("language").value = profile.language;
  // Re-select from the profile, not from what the controls held before.
  $("date-format").value = "";
  $("time-format").value = "";
  $("timezone").value = "";
  renderProfileChoices();
  $("date-format").value = profile.date_format;
  $("time-format").value = profile.time_format;
  $("timezone").value = profile.timezone;
  renderGreeting();
  renderPhoto();
  renderEmails();
  markSaved();
}

export function clearProfileErrors() {
  for (const id of Object.values(PROFILE_FIELDS)) setFieldError(id, "");
  setMessage("profile-form-error", "");
  $("conflict-box").hidden = true;
}

export function phoneValue(field) {
  const typed = $(PROFILE_FIELDS[field]).value.trim();
  if (!typed) return null;
  const stored = state.profile[field];
  // Unchanged: send the stored number itself rather than its display form.
  if (stored && typed === state.phoneShown[field]) return stored.e164;
  return typed;
}

export function profileBody() {
  return {
    version: state.profile.version,
    first_name: $("first-name").value.trim(),
    last_name: $("last-name").value.trim(),
    mobile_phone: phoneValue("mobile_phone"),
    home_phone: phoneValue("home_phone"),
    language: $("language").value,
    date_format: $("date-format").value,
    time_format: $("time-format").value,
    timezone: $("timezone").value,
  };
}

export function wireProfile() {
  wireTimeZonePicker();
  wireUnsaved(() => fillProfileForm(state.profile));
  addLeaveGuard((next) => state.tab !== "profile" || next === "profile" || mayLeaveProfile());
  onSubmit("profile-form", "save-profile", async () => {
    clearProfileErrors();
    let saved;
    try {
      saved = await api("PUT", "profile", profileBody());
    } catch (error) {
      showProfileError(error);
      return;
    }
    const languageChanged = saved.language !== language();
    fillProfileForm(saved);
    if (languageChanged) applyLanguage(saved.language);
    announce(() => t("profile.saved"));
  });

  onClick($("reload-profile"), async () => {
    let fresh;
    try {
      fresh = await api("GET", "profile");
    } catch (error) {
      showError(error, (text) => setMessage("profile-form-error", text));
      return;
    }
    fillProfileForm(fresh);
    applyLanguage(fresh.language);
    announce(() => t("profile.reloaded"));
    $("first-name").focus();
  });
}

export function showProfileError(error) {
  if (error instanceof ApiError && error.status === 409 && error.code === "version_conflict") {
    setMessage("conflict-text", () => errorText(error));
    $("conflict-box").hidden = false;
    $("reload-profile").focus();
    return;
  }
  if (error instanceof ApiError && error.status === 422 && Object.keys(error.fields).length) {
    let first = null;
    for (const [field, reason] of Object.entries(error.fields)) {
      const id = PROFILE_FIELDS[field];
      if (!id) continue;
      setFieldError(id, () => reasonText(reason));
      first = first || id;
    }
    setMessage("profile-form-error", () => t("profile.invalid"));
    if (first) $(first).focus();
    return;
  }
  showError(error, (text) => setMessage("profile-form-error", text), $("save-profile"));
}

onRerender(() => {
  if (state.screen !== "portal" || !state.profile) return;
  renderGreeting();
  renderProfileChoices();
});
