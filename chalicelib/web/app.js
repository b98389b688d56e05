// The client portal page: sign-in by emailed code, profile, emails, active
// sessions, appointments. Plain ES modules, no framework, no build step.
// The DOM is built with createElement/textContent only (never innerHTML).

import {
  applyTranslations,
  browserLanguage,
  has,
  language,
  loadDictionaries,
  setLanguage,
  t,
  tn,
} from "./i18n.js";
import { api, ApiError, hasToken, postToS3, setToken, setUnauthenticatedHandler } from "./api.js";
import {
  DATE_FORMATS,
  TIME_FORMATS,
  dayKey,
  exampleDate,
  exampleTime,
  formatDate,
  formatDateTime,
  formatTime,
  initials,
  timeZones,
} from "./format.js";

const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
const TABS = ["profile", "emails", "sessions", "appointments", "data"];

// Profile member -> form control id.
const PROFILE_FIELDS = {
  first_name: "first-name",
  last_name: "last-name",
  mobile_phone: "mobile-phone",
  home_phone: "home-phone",
  language: "language",
  date_format: "date-format",
  time_format: "time-format",
  timezone: "timezone",
};

const state = {
  screen: "boot",
  signinEmail: "",
  signinFlow: "", // the flow of the latest code asked: a code is valid only with it
  codeExpiresIn: 600,
  profile: null,
  phoneShown: { mobile_phone: "", home_phone: "" },
  tab: "profile",
  sessions: null,
  appointments: null,
  activity: null,
  verifyAddress: "",
};

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- helpers

function el(tag, { className, text, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

const STATUS_SECONDS = 10;
let announceTimer = 0;
let clearTimer = 0;
/** Say something in the aria-live status region (also shown as a toast for a while). */
function announce(text) {
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

/** Keep "14 h 30", "2:30 PM" on one line (the shared formatter uses plain spaces). */
function unbroken(text) {
  return text.replace(/(\d) (h|AM|PM)\b/g, "$1\u00a0$2").replace(/\bh (\d)/g, "h\u00a0$1");
}

function errorText(error) {
  if (error instanceof ApiError) {
    if (error.status === 0) return t("error.network");
    return error.serverMessage || t("error.generic");
  }
  console.error(error);
  return t("error.generic");
}

function reasonText(reason) {
  return has(`reason.${reason}`) ? t(`reason.${reason}`) : t("reason.invalid");
}

function setFieldError(inputId, text) {
  const input = $(inputId);
  const slot = $(`${inputId}-error`);
  slot.textContent = text || "";
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function setMessage(id, text) {
  $(id).textContent = text || "";
}

/** Run fn while button shows busy; ignores clicks meanwhile (focus stays put). */
async function busy(button, fn) {
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

function onSubmit(formId, buttonId, fn) {
  $(formId).addEventListener("submit", (event) => {
    event.preventDefault();
    busy($(buttonId), fn);
  });
}

function onClick(button, fn) {
  button.addEventListener("click", () => busy(button, fn));
}

function prefs() {
  const p = state.profile || {};
  return {
    language: language(),
    date_format: p.date_format || "YYYY-MM-DD",
    time_format: p.time_format || "24h",
    timezone: p.timezone,
  };
}

// ---------------------------------------------------------------- dialogs

// Dialog -> the control to give focus back to when it closes.
const openers = new WeakMap();

function openDialog(dialog, opener, focusId) {
  openers.set(dialog, opener || document.activeElement);
  if (!dialog.open) dialog.showModal();
  if (focusId) $(focusId).focus();
}

function wireDialogs() {
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

// ---------------------------------------------------------------- screens

function showScreen(name) {
  state.screen = name;
  $("boot").hidden = true;
  $("signin").hidden = name !== "signin";
  $("portal").hidden = name !== "portal";
  $("lang-toggle").hidden = name !== "signin";
  $("logout").hidden = name !== "portal";
}

function applyLanguage(lang) {
  setLanguage(lang);
  const other = language() === "fr" ? "en" : "fr";
  $("lang-toggle").setAttribute("lang", other);
  rerender();
}

/** Re-render everything built by script (texts from data-i18n are done by setLanguage). */
function rerender() {
  if (state.screen === "signin" && state.signinEmail) renderCodeSent();
  if (state.screen !== "portal" || !state.profile) return;
  renderGreeting();
  renderProfileChoices();
  renderPhoto();
  renderEmails();
  if (state.sessions) renderSessions();
  if (state.appointments) renderAppointments();
  if (state.activity) renderActivity();
  if (state.verifyAddress) {
    setMessage("verify-email-intro", t("emails.verify_intro", { address: state.verifyAddress }));
  }
}

// ---------------------------------------------------------------- sign-in

function showSignin(message) {
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  state.profile = null;
  state.sessions = null;
  state.appointments = null;
  state.signinEmail = "";
  state.signinFlow = "";
  showScreen("signin");
  showEmailStep();
  if (message) announce(message);
}

function showEmailStep() {
  $("email-form").hidden = false;
  $("code-form").hidden = true;
  setFieldError("code-input", "");
  $("code-input").value = "";
  $("email-input").focus();
}

function renderCodeSent() {
  setMessage(
    "code-sent",
    t("signin.code_sent", {
      email: state.signinEmail,
      minutes: Math.round((state.codeExpiresIn || 600) / 60),
    }),
  );
}

async function requestCode(email) {
  const answer = await api("POST", "auth/code", { email }, { auth: false });
  state.signinEmail = email;
  state.signinFlow = (answer && answer.flow) || "";
  state.codeExpiresIn = (answer && answer.expires_in) || 600;
}

function wireSignin() {
  onSubmit("email-form", "send-code", async () => {
    const input = $("email-input");
    const email = input.value.trim();
    setFieldError("email-input", "");
    if (!email || !input.checkValidity()) {
      setFieldError("email-input", email ? reasonText("invalid_email") : reasonText("required"));
      input.focus();
      return;
    }
    try {
      await requestCode(email);
    } catch (error) {
      const reason = error instanceof ApiError && error.fields.email;
      setFieldError(
        "email-input",
        reason ? reasonText(reason === "invalid" ? "invalid_email" : reason) : errorText(error),
      );
      input.focus();
      return;
    }
    renderCodeSent();
    $("email-form").hidden = true;
    $("code-form").hidden = false;
    $("code-input").value = "";
    setFieldError("code-input", "");
    $("code-input").focus();
  });

  onSubmit("code-form", "login", async () => {
    const input = $("code-input");
    const code = input.value.replace(/\s+/g, "");
    setFieldError("code-input", "");
    if (!/^\d{6}$/.test(code)) {
      setFieldError("code-input", reasonText("code_format"));
      input.focus();
      return;
    }
    let answer;
    try {
      answer = await api(
        "POST",
        "auth/login",
        { email: state.signinEmail, code, flow: state.signinFlow },
        { auth: false },
      );
    } catch (error) {
      const reason = error instanceof ApiError && error.fields.code;
      setFieldError("code-input", reason ? reasonText(reason) : errorText(error));
      input.focus();
      return;
    }
    setToken(answer.token);
    input.value = "";
    enterPortal(answer.profile);
    announce(t("signin.welcome"));
  });

  onClick($("resend-code"), async () => {
    setFieldError("code-input", "");
    try {
      await requestCode(state.signinEmail);
    } catch (error) {
      setFieldError("code-input", errorText(error));
      return;
    }
    renderCodeSent();
    announce(t("signin.resent"));
    $("code-input").focus();
  });

  $("change-email").addEventListener("click", () => {
    state.signinEmail = "";
    state.signinFlow = "";
    showEmailStep();
  });

  $("lang-toggle").addEventListener("click", () => {
    applyLanguage(language() === "fr" ? "en" : "fr");
  });
}

async function logout() {
  try {
    await api("POST", "auth/logout");
  } catch {
    // The session may already be gone; the token is dropped either way.
  }
  setToken(null);
  showSignin(t("signin.logged_out"));
}

// ---------------------------------------------------------------- portal & tabs

function enterPortal(profile) {
  state.profile = profile;
  state.sessions = null;
  state.appointments = null;
  showScreen("portal");
  applyLanguage(profile.language);
  fillProfileForm(profile);
  selectTab("profile", false);
  $("main").focus();
}

function selectTab(name, moveFocus = true) {
  state.tab = name;
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
  }
  if (moveFocus) $(`tab-${name}`).focus();
  if (name === "emails") renderEmails();
  if (name === "sessions") loadSessions();
  if (name === "appointments") loadAppointments();
  if (name === "data") loadActivity();
}

function wireTabs() {
  for (const tab of TABS) {
    $(`tab-${tab}`).addEventListener("click", () => selectTab(tab, false));
    $(`tab-${tab}`).addEventListener("keydown", (event) => {
      const index = TABS.indexOf(tab);
      const next = {
        ArrowRight: TABS[(index + 1) % TABS.length],
        ArrowLeft: TABS[(index - 1 + TABS.length) % TABS.length],
        Home: TABS[0],
        End: TABS[TABS.length - 1],
      }[event.key];
      if (next) {
        event.preventDefault();
        selectTab(next, true);
      }
    });
  }
}

function renderGreeting() {
  const name = state.profile && state.profile.first_name;
  setMessage("greeting", name ? t("app.greeting", { name }) : t("app.greeting_anonymous"));
}

// ---------------------------------------------------------------- profile

function phoneShown(phone) {
  if (!phone) return "";
  return phone.e164 && phone.e164.startsWith("+1") ? phone.national : phone.international;
}

function option(value, label, selected) {
  const node = el("option", { text: label, attrs: { value } });
  if (selected) node.selected = true;
  return node;
}

/** The option lists whose labels depend on the UI language; keeps the selection. */
function renderProfileChoices() {
  const dateSelect = $("date-format");
  const dateValue = dateSelect.value || (state.profile && state.profile.date_format);
  dateSelect.replaceChildren(
    ...DATE_FORMATS.map((format) =>
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
    ...TIME_FORMATS.map((format) =>
      option(
        format,
        `${t(`timefmt.${format}`)} (${unbroken(exampleTime(format, language()))})`,
        format === timeValue,
      ),
    ),
  );

  const zoneSelect = $("timezone");
  const zoneValue = zoneSelect.value || (state.profile && state.profile.timezone);
  const { common, others } = timeZones(zoneValue);
  const label = (zone) => zone.replaceAll("_", " ");
  const groups = [
    el(
      "optgroup",
      { attrs: { label: t("profile.tz_common") } },
      common.map((z) => option(z, label(z), z === zoneValue)),
    ),
  ];
  if (others.length) {
    groups.push(
      el(
        "optgroup",
        { attrs: { label: t("profile.tz_all") } },
        others.map((z) => option(z, label(z), z === zoneValue)),
      ),
    );
  }
  zoneSelect.replaceChildren(...groups);
}

function fillProfileForm(profile) {
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
}

function clearProfileErrors() {
  for (const id of Object.values(PROFILE_FIELDS)) setFieldError(id, "");
  setMessage("profile-form-error", "");
  $("conflict-box").hidden = true;
}

function phoneValue(field) {
  const typed = $(PROFILE_FIELDS[field]).value.trim();
  if (!typed) return null;
  const stored = state.profile[field];
  // Unchanged: send the stored number itself rather than its display form.
  if (stored && typed === state.phoneShown[field]) return stored.e164;
  return typed;
}

function profileBody() {
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

function wireProfile() {
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
    announce(t("profile.saved"));
  });

  onClick($("reload-profile"), async () => {
    let fresh;
    try {
      fresh = await api("GET", "profile");
    } catch (error) {
      setMessage("profile-form-error", errorText(error));
      return;
    }
    fillProfileForm(fresh);
    applyLanguage(fresh.language);
    announce(t("profile.reloaded"));
    $("first-name").focus();
  });
}

function showProfileError(error) {
  if (error instanceof ApiError && error.status === 409 && error.code === "version_conflict") {
    setMessage("conflict-text", error.serverMessage || t("error.generic"));
    $("conflict-box").hidden = false;
    $("reload-profile").focus();
    return;
  }
  if (error instanceof ApiError && error.status === 422 && Object.keys(error.fields).length) {
    let first = null;
    for (const [field, reason] of Object.entries(error.fields)) {
      const id = PROFILE_FIELDS[field];
      if (!id) continue;
      setFieldError(id, reasonText(reason));
      first = first || id;
    }
    setMessage("profile-form-error", t("profile.invalid"));
    if (first) $(first).focus();
    return;
  }
  setMessage("profile-form-error", errorText(error));
}

// ---------------------------------------------------------------- photo

function renderPhoto() {
  const profile = state.profile;
  if (!profile) return;
  const photo = profile.photo;
  const img = $("photo-img");
  if (photo && photo.url) {
    if (img.getAttribute("src") !== photo.url) img.src = photo.url;
    if (photo.width) img.width = photo.width;
    if (photo.height) img.height = photo.height;
    img.hidden = false;
    $("photo-placeholder").hidden = true;
  } else {
    img.removeAttribute("src");
    img.hidden = true;
    $("photo-placeholder").hidden = false;
    $("photo-initials").textContent = initials(profile.first_name, profile.last_name);
  }
  $("rotate-photo").hidden = !photo;
  $("delete-photo").hidden = !photo;
}

const EDITABLE = ["first_name", "last_name", "language", "date_format", "time_format", "timezone"];

function sameEditable(a, b) {
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
async function syncAfterWrite() {
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

let photoBusy = false;

/** One photo operation at a time (a rotation racing an upload would get a 409). */
function setPhotoBusy(value) {
  photoBusy = value;
  for (const id of ["photo-file", "rotate-photo", "delete-photo"]) {
    if (value) $(id).setAttribute("aria-disabled", "true");
    else $(id).removeAttribute("aria-disabled");
  }
  document.querySelector("label[for=photo-file]").classList.toggle("is-busy", value);
}

async function photoAction(action, doneKey) {
  if (photoBusy) return;
  setPhotoBusy(true);
  setFieldError("photo-file", "");
  try {
    try {
      state.profile.photo = await action();
    } catch (error) {
      setFieldError("photo-file", photoErrorText(error));
      if (error instanceof ApiError && error.status === 409) {
        await syncAfterWrite(); // changed elsewhere: show the current one
        renderPhoto();
      }
      return;
    }
    renderPhoto();
    await syncAfterWrite();
    renderPhoto();
    announce(t(doneKey));
  } finally {
    setPhotoBusy(false);
  }
}

function photoErrorText(error) {
  if (error instanceof ApiError && error.code === "upload_failed")
    return t("profile.photo_upload_failed");
  return errorText(error);
}

function megabytes(bytes) {
  return new Intl.NumberFormat(language() === "en" ? "en-CA" : "fr-CA", {
    maximumFractionDigits: 1,
  }).format(bytes / (1024 * 1024));
}

function wirePhoto() {
  const input = $("photo-file");
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    input.value = "";
    if (!file || photoBusy) return;
    setFieldError("photo-file", "");
    if (file.type && !PHOTO_TYPES.includes(file.type)) {
      setFieldError("photo-file", t("profile.photo_bad_type"));
      return;
    }
    announce(t("profile.photo_uploading"));
    photoAction(async () => {
      const upload = await api("POST", "profile/photo/upload");
      if (upload.max_bytes && file.size > upload.max_bytes) {
        throw new ApiError(413, {
          code: "payload_too_large",
          message: t("profile.photo_too_big", { max: megabytes(upload.max_bytes) }),
        });
      }
      await postToS3(upload, file);
      return api("POST", "profile/photo", { key: upload.key });
    }, "profile.photo_saved");
  });

  onClick($("rotate-photo"), () =>
    photoAction(
      () => api("POST", "profile/photo/rotate", { degrees: 90 }),
      "profile.photo_rotated",
    ),
  );

  onClick($("delete-photo"), async () => {
    await photoAction(async () => {
      await api("DELETE", "profile/photo");
      return null;
    }, "profile.photo_deleted");
    if (!state.profile.photo) $("photo-file").focus();
  });
}

// ---------------------------------------------------------------- emails

function renderEmails() {
  const profile = state.profile;
  if (!profile) return;
  const verified = profile.emails || [];
  const pending = profile.pending_emails || [];

  $("email-list").replaceChildren(
    ...verified.map((entry) =>
      el("li", { className: "address", attrs: { "data-testid": "email-row" } }, [
        el("span", { className: "address-text", text: entry.address }),
        removeButton(entry.address, "emails.remove_label"),
      ]),
    ),
  );

  $("pending-block").hidden = pending.length === 0;
  $("pending-list").replaceChildren(
    ...pending.map((entry) => {
      const note = entry.expires_at
        ? t("emails.pending_note", {
            time: unbroken(formatDateTime(new Date(entry.expires_at), prefs())),
          })
        : "";
      const enter = el("button", {
        className: "button",
        text: t("emails.enter_code"),
        attrs: {
          type: "button",
          "data-testid": `verify-pending-${entry.address}`,
          "aria-label": t("emails.enter_code_label", { address: entry.address }),
        },
      });
      enter.addEventListener("click", () => openVerifyDialog(entry.address, enter));
      return el("li", { className: "address", attrs: { "data-testid": "pending-row" } }, [
        el("span", { className: "address-text" }, [
          el("span", { text: entry.address }),
          note ? el("span", { className: "hint", text: note }) : null,
        ]),
        el("span", { className: "address-actions" }, [
          enter,
          removeButton(entry.address, "emails.cancel_label"),
        ]),
      ]);
    }),
  );
}

function removeButton(address, labelKey) {
  const button = el("button", {
    className: "icon-button",
    text: "✕",
    attrs: {
      type: "button",
      "data-testid": `remove-email-${address}`,
      "aria-label": t(labelKey, { address }),
      title: t(labelKey, { address }),
    },
  });
  onClick(button, () => removeEmail(address));
  return button;
}

function applyEmails(answer) {
  state.profile.emails = answer.emails;
  state.profile.pending_emails = answer.pending_emails;
  renderEmails();
}

async function removeEmail(address) {
  setMessage("emails-error", "");
  const wasPending = (state.profile.pending_emails || []).some((p) => p.address === address);
  try {
    applyEmails(await api("DELETE", `profile/emails/${encodeURIComponent(address)}`));
  } catch (error) {
    setMessage("emails-error", errorText(error));
    return;
  }
  await syncAfterWrite();
  announce(t(wasPending ? "emails.cancelled" : "emails.removed", { address }));
  $("add-email").focus();
}

function openVerifyDialog(address, opener) {
  state.verifyAddress = address;
  setMessage("verify-email-intro", t("emails.verify_intro", { address }));
  setMessage("verify-email-status", "");
  $("email-code").value = "";
  setFieldError("email-code", "");
  openDialog($("verify-email-dialog"), opener, "email-code");
}

function upsertPending(pending) {
  const list = (state.profile.pending_emails || []).filter((p) => p.address !== pending.address);
  list.push(pending);
  state.profile.pending_emails = list;
  renderEmails();
}

function wireEmails() {
  $("add-email").addEventListener("click", () => {
    $("new-email").value = "";
    setFieldError("new-email", "");
    openDialog($("add-email-dialog"), $("add-email"), "new-email");
  });

  onSubmit("add-email-form", "send-email-code", async () => {
    const input = $("new-email");
    const email = input.value.trim();
    setFieldError("new-email", "");
    if (!email || !input.checkValidity()) {
      setFieldError("new-email", reasonText(email ? "invalid_email" : "required"));
      input.focus();
      return;
    }
    let answer;
    try {
      answer = await api("POST", "profile/emails", { email });
    } catch (error) {
      const reason = error instanceof ApiError && error.fields.email;
      setFieldError(
        "new-email",
        reason ? reasonText(reason === "invalid" ? "invalid_email" : reason) : errorText(error),
      );
      input.focus();
      return;
    }
    const pending = (answer && answer.pending) || { address: email };
    upsertPending(pending);
    $("add-email-dialog").close();
    openVerifyDialog(pending.address, $("add-email"));
    setMessage("verify-email-status", t("emails.code_sent_to", { address: pending.address }));
    await syncAfterWrite();
  });

  onSubmit("verify-email-form", "verify-code", async () => {
    const input = $("email-code");
    const code = input.value.replace(/\s+/g, "");
    setFieldError("email-code", "");
    if (!/^\d{6}$/.test(code)) {
      setFieldError("email-code", reasonText("code_format"));
      input.focus();
      return;
    }
    const address = state.verifyAddress;
    try {
      applyEmails(await api("POST", "profile/emails/verify", { email: address, code }));
    } catch (error) {
      setFieldError("email-code", errorText(error));
      input.focus();
      return;
    }
    await syncAfterWrite();
    state.verifyAddress = "";
    $("verify-email-dialog").close();
    announce(t("emails.added", { address }));
  });

  onClick($("resend-email-code"), async () => {
    const address = state.verifyAddress;
    setFieldError("email-code", "");
    setMessage("verify-email-status", "");
    try {
      const answer = await api("POST", "profile/emails", { email: address });
      if (answer && answer.pending) upsertPending(answer.pending);
    } catch (error) {
      setFieldError("email-code", errorText(error));
      return;
    }
    await syncAfterWrite();
    setMessage("verify-email-status", t("emails.resent", { address }));
    $("email-code").focus();
  });

  $("verify-email-dialog").addEventListener("close", () => {
    state.verifyAddress = "";
  });
}

// ---------------------------------------------------------------- sessions

async function loadSessions() {
  setMessage("sessions-error", "");
  if (!state.sessions) setMessage("sessions-count", t("common.loading"));
  try {
    state.sessions = await api("GET", "sessions");
  } catch (error) {
    setMessage("sessions-count", "");
    setMessage("sessions-error", errorText(error));
    return;
  }
  renderSessions();
}

function deviceText(session) {
  const device = session.device || {};
  const name = device.name || t(`device.${has(`device.${device.type}`) ? device.type : "other"}`);
  return device.os ? `${name} (${device.os})` : name;
}

function detail(label, value) {
  return el("div", { className: "detail" }, [
    el("dt", { text: label }),
    el("dd", { text: value || t("sessions.unknown") }),
  ]);
}

function renderSessions() {
  const { count, sessions } = state.sessions;
  const total = typeof count === "number" ? count : sessions.length;
  setMessage("sessions-count", tn("sessions.count", total));
  const p = prefs();
  const when = (iso) => (iso ? unbroken(formatDateTime(new Date(iso), p)) : "");

  $("session-list").replaceChildren(
    ...sessions.map((session) => {
      const title = el("h3", { className: "session-title" }, [
        el("span", { text: deviceText(session) }),
        session.current
          ? el("span", {
              className: "badge",
              text: t("sessions.current"),
              attrs: { "data-testid": "current-session" },
            })
          : null,
      ]);
      const end = el("button", {
        className: "button",
        text: t("sessions.end"),
        attrs: {
          type: "button",
          "data-testid": `end-session-${session.id}`,
          "aria-label": t("sessions.end_label", {
            what: `${deviceText(session)}, ${session.browser || ""}`.replace(/, $/, ""),
          }),
        },
      });
      onClick(end, () => endSession(session));
      return el(
        "li",
        {
          className: session.current ? "session session-current" : "session",
          attrs: {
            "data-testid": "session-row",
            "data-session-id": session.id,
            "data-current": String(Boolean(session.current)),
          },
        },
        [
          title,
          el("dl", { className: "details" }, [
            detail(t("sessions.email"), session.email),
            detail(t("sessions.browser"), session.browser),
            detail(t("sessions.location"), session.location && session.location.label),
            detail(t("sessions.ip"), session.ip),
            detail(t("sessions.created"), when(session.created_at)),
            detail(t("sessions.last_active"), when(session.last_active_at)),
          ]),
          el("div", { className: "actions" }, [end]),
        ],
      );
    }),
  );
  $("end-other-sessions").hidden = !sessions.some((s) => !s.current);
}

async function endSession(session) {
  setMessage("sessions-error", "");
  try {
    await api("DELETE", `sessions/${encodeURIComponent(session.id)}`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) {
      setMessage("sessions-error", errorText(error));
      return;
    }
  }
  if (session.current) {
    setToken(null);
    showSignin(t("signin.logged_out"));
    return;
  }
  announce(t("sessions.ended"));
  await loadSessions();
  $("tab-sessions").focus();
}

function wireSessions() {
  onClick($("end-other-sessions"), async () => {
    setMessage("sessions-error", "");
    let answer;
    try {
      answer = await api("DELETE", "sessions");
    } catch (error) {
      setMessage("sessions-error", errorText(error));
      return;
    }
    announce(tn("sessions.ended_others", (answer && answer.ended) || 0));
    await loadSessions();
    $("tab-sessions").focus();
  });
}

// ---------------------------------------------------------------- appointments

async function loadAppointments() {
  setMessage("appointments-error", "");
  if (!state.appointments) {
    $("appointments-list").replaceChildren(
      el("p", { className: "loading", text: t("common.loading") }),
    );
  }
  try {
    state.appointments = await api("GET", "appointments");
  } catch (error) {
    $("appointments-list").replaceChildren();
    setMessage("appointments-error", errorText(error));
    return;
  }
  renderAppointments();
}

function appointmentItem(appointment, p) {
  const start = new Date(appointment.start);
  const end = appointment.end ? new Date(appointment.end) : null;
  const time = unbroken(
    end ? `${formatTime(start, p)} – ${formatTime(end, p)}` : formatTime(start, p),
  );
  const status = appointment.status === "cancelled" ? "cancelled" : "booked";
  const professional = (appointment.professional && appointment.professional.name) || "";
  return el(
    "li",
    {
      className: `appointment appointment-${status}`,
      attrs: { "data-testid": "appointment-row", "data-appointment-id": appointment.id },
    },
    [
      el("p", { className: "appointment-time" }, [
        el("time", { text: time, attrs: { datetime: appointment.start } }),
      ]),
      el("div", { className: "appointment-body" }, [
        el("p", { className: "appointment-who", text: professional }),
        appointment.service
          ? el("p", { className: "appointment-what", text: appointment.service })
          : null,
      ]),
      el("p", { className: "appointment-status" }, [
        el("span", {
          className: `badge badge-${status}`,
          text: t(`appointments.status.${status}`),
        }),
      ]),
    ],
  );
}

/** Appointments under one heading per day (in the person's time zone), in the given order. */
function byDay(items, p) {
  const days = [];
  for (const appointment of items) {
    const start = new Date(appointment.start);
    const key = dayKey(start, p);
    let day = days[days.length - 1];
    if (!day || day.key !== key) {
      day = { key, label: formatDate(start, p), items: [] };
      days.push(day);
    }
    day.items.push(appointment);
  }
  return days.map((day) =>
    el("div", { className: "appointment-day", attrs: { "data-day": day.key } }, [
      el("h4", { className: "day-title", text: day.label }),
      el(
        "ol",
        { className: "appointments" },
        day.items.map((a) => appointmentItem(a, p)),
      ),
    ]),
  );
}

function renderAppointments() {
  const p = prefs();
  const now = Date.now();
  const all = [...(state.appointments.appointments || [])].sort(
    (a, b) => Date.parse(a.start) - Date.parse(b.start),
  );
  const ended = (a) => Date.parse(a.end || a.start) < now;
  const upcoming = all.filter((a) => !ended(a));
  const past = all.filter(ended).reverse(); // most recent first

  if (!all.length) {
    $("appointments-list").replaceChildren(
      el("p", {
        className: "empty",
        text: t("appointments.none"),
        attrs: { "data-testid": "no-appointments" },
      }),
    );
    return;
  }
  const group = (key, items, testid) =>
    items.length
      ? el("section", { className: "appointment-group", attrs: { "data-testid": testid } }, [
          el("h3", { text: t(key) }),
          ...byDay(items, p),
        ])
      : null;
  $("appointments-list").replaceChildren(
    ...[
      group("appointments.upcoming", upcoming, "appointments-upcoming"),
      group("appointments.past", past, "appointments-past"),
    ].filter(Boolean),
  );
}

// ---------------------------------------------------------------- my data (privacy)

// Device type -> icon (decorative: the row says the device in words too).
const DEVICE_ICONS = { mobile: "📱", tablet: "📱", desktop: "💻", bot: "🤖", other: "🖥️" };
const RELATIVE_UNITS = [
  ["year", 365 * 86400],
  ["month", 30 * 86400],
  ["week", 7 * 86400],
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
];

/** "il y a 5 minutes", "yesterday": the event's time relative to now, in the page's language. */
function relativeTime(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const format = new Intl.RelativeTimeFormat(language(), { numeric: "auto" });
  for (const [unit, size] of RELATIVE_UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(0, "second"); // "maintenant", "now"
}

async function loadActivity() {
  setMessage("activity-error", "");
  try {
    state.activity = await api("GET", "account/activity");
  } catch (error) {
    setMessage("activity-error", errorText(error));
    return;
  }
  renderActivity();
}

function eventText(event) {
  const key = `data.event.${event.type}`;
  const name = has(key) ? t(key) : event.type;
  const address = event.detail && event.detail.address;
  return address ? `${name} — ${address}` : name;
}

function renderActivity() {
  const events = (state.activity && state.activity.events) || [];
  const p = prefs();
  if (!events.length) {
    $("activity-list").replaceChildren(el("li", { className: "hint", text: t("data.activity_empty") }));
    return;
  }
  $("activity-list").replaceChildren(
    ...events.map((event) => {
      const device = event.device || {};
      const where = [event.location && event.location.label, event.ip].filter(Boolean).join(" · ");
      const client = [deviceText(event), event.browser].filter(Boolean).join(" · ");
      return el(
        "li",
        { className: "activity", attrs: { "data-testid": "activity-row", "data-type": event.type } },
        [
          el("span", {
            className: "activity-icon",
            text: DEVICE_ICONS[device.type] || DEVICE_ICONS.other,
            attrs: { "aria-hidden": "true", "data-device": device.type || "other" },
          }),
          el("div", { className: "activity-text" }, [
            el("strong", { text: eventText(event) }),
            el("span", { className: "hint", text: [client, where].filter(Boolean).join(" — ") }),
            el("span", { className: "hint", text: event.email || "" }),
          ]),
          el("time", {
            className: "activity-time",
            text: relativeTime(event.at),
            attrs: { datetime: event.at, title: unbroken(formatDateTime(new Date(event.at), p)) },
          }),
        ],
      );
    }),
  );
}

/** Save the export as a file (the API answers it as an attachment; fetched here with the token). */
async function exportData() {
  setMessage("export-error", "");
  let data;
  try {
    data = await api("GET", "account/export");
  } catch (error) {
    setMessage("export-error", errorText(error));
    return;
  }
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const link = el("a", {
    attrs: {
      href: URL.createObjectURL(blob),
      download: `portail-donnees-${new Date().toISOString().slice(0, 10)}.json`,
    },
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  announce(t("data.exported"));
  await loadActivity();
}

function showDeleteStep(codeStep) {
  $("delete-account-explain").hidden = codeStep;
  $("delete-account-code-step").hidden = !codeStep;
  $("send-delete-code").hidden = codeStep;
  $("confirm-delete").hidden = !codeStep;
}

function wireData() {
  onClick($("export-data"), exportData);
  $("delete-account").addEventListener("click", () => {
    showDeleteStep(false);
    setMessage("delete-account-error", "");
    setFieldError("delete-code", "");
    $("delete-code").value = "";
    openDialog($("delete-account-dialog"), $("delete-account"), "send-delete-code");
  });
  onClick($("send-delete-code"), async () => {
    setMessage("delete-account-error", "");
    try {
      await api("POST", "account/deletion");
    } catch (error) {
      setMessage("delete-account-error", errorText(error));
      return;
    }
    showDeleteStep(true);
    setMessage("delete-account-status", t("data.delete_code_sent"));
    $("delete-code").focus();
  });
  onSubmit("delete-account-form", "confirm-delete", async () => {
    const code = $("delete-code").value.trim();
    setFieldError("delete-code", "");
    if (!/^[0-9]{6}$/.test(code)) {
      setFieldError("delete-code", reasonText(code ? "invalid_format" : "required"));
      $("delete-code").focus();
      return;
    }
    try {
      await api("DELETE", "account", { code });
    } catch (error) {
      setFieldError("delete-code", errorText(error));
      $("delete-code").focus();
      return;
    }
    $("delete-account-dialog").close();
    setToken(null);
    state.activity = null;
    showSignin(t("data.deleted"));
  });
}

// ---------------------------------------------------------------- boot

async function boot() {
  try {
    await loadDictionaries();
  } catch (error) {
    console.error(error);
  }
  wireDialogs();
  wireSignin();
  wireTabs();
  wireProfile();
  wirePhoto();
  wireEmails();
  wireSessions();
  wireData();
  onClick($("logout"), logout);
  setUnauthenticatedHandler(() => {
    if (state.screen === "portal") showSignin(t("signin.expired"));
  });

  applyLanguage(browserLanguage());
  if (hasToken()) {
    try {
      enterPortal(await api("GET", "profile"));
      return;
    } catch (error) {
      showSignin(
        error instanceof ApiError && error.status === 401 ? t("signin.expired") : errorText(error),
      );
      return;
    }
  }
  showSignin();
}

boot();
