// Sign-in (email -> emailed code -> portal), entering the portal, signing out.

import { language, rememberLanguage, t } from "./i18n.js";
import { api, ApiError } from "./api.js";
import { $, onClick, onSubmit, setFieldError, setMessage } from "./dom.js";
import { announce, reasonText, showError } from "./messages.js";
import { applyLanguage, onRerender, showScreen } from "./screens.js";
import { state } from "./state.js";
import { forgetTabInUrl, selectTab, tabFromUrl } from "./tabs.js";
import { fillProfileForm } from "./tab-profile.js";
import { mayLeaveProfile } from "./unsaved.js";

/**
 * The sign-in screen, with a message of a kind. After a sign-out (forgetTab), the URL
 * loses its tab and nothing of the previous person stays in the form; otherwise (first
 * load, expired session) the tab in the URL opens after sign-in.
 */
export function showSignin(message = "", kind = "info", { forgetTab = false } = {}) {
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  state.profile = null;
  state.sessions = null;
  state.appointments = null;
  state.activity = null;
  state.verifyAddress = "";
  state.signinEmail = "";
  state.signinFlow = "";
  if (forgetTab) forgetTabInUrl();
  $("email-input").value = "";
  setFieldError("email-input", "");
  showScreen("signin");
  showEmailStep();
  announce(message, kind);
}

export function showEmailStep() {
  $("email-form").hidden = false;
  $("code-form").hidden = true;
  setFieldError("code-input", "");
  $("code-input").value = "";
  $("email-input").focus();
}

export function renderCodeSent() {
  setMessage(
    "code-sent",
    t("signin.code_sent", {
      email: state.signinEmail,
      minutes: Math.round((state.codeExpiresIn || 600) / 60),
    }),
  );
}

export async function requestCode(email) {
  const answer = await api("POST", "auth/code", { email }, { auth: false });
  state.signinEmail = email;
  state.signinFlow = (answer && answer.flow) || "";
  state.codeExpiresIn = (answer && answer.expires_in) || 600;
}

export function wireSignin() {
  onSubmit("email-form", "send-code", async () => {
    const input = $("email-input");
    const email = input.value.trim();
    setFieldError("email-input", "");
    if (!email || !input.checkValidity()) {
      setFieldError("email-input", () => reasonText(email ? "invalid_email" : "required"));
      input.focus();
      return;
    }
    try {
      await requestCode(email);
    } catch (error) {
      const reason = error instanceof ApiError && error.fields.email;
      const show = (text) => setFieldError("email-input", text);
      if (reason) show(() => reasonText(reason === "invalid" ? "invalid_email" : reason));
      else showError(error, show, $("send-code"));
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
      setFieldError("code-input", () => reasonText("code_format"));
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
      const show = (text) => setFieldError("code-input", text);
      if (reason) show(() => reasonText(reason));
      else showError(error, show, $("login"));
      input.focus();
      return;
    }
    input.value = "";
    enterPortal(answer.profile);
    announce(() => t("signin.welcome"));
  });

  onClick($("resend-code"), async () => {
    setFieldError("code-input", "");
    try {
      await requestCode(state.signinEmail);
    } catch (error) {
      showError(error, (text) => setFieldError("code-input", text), $("resend-code"));
      return;
    }
    renderCodeSent();
    announce(() => t("signin.resent"));
    $("code-input").focus();
  });

  $("change-email").addEventListener("click", () => {
    state.signinEmail = "";
    state.signinFlow = "";
    showEmailStep();
  });

  $("lang-toggle").addEventListener("click", () => {
    const next = language() === "fr" ? "en" : "fr";
    rememberLanguage(next); // the sign-in screen opens in it next time, in this browser
    applyLanguage(next);
  });
}

export async function logout() {
  if (!(await mayLeaveProfile())) return;
  try {
    await api("POST", "auth/logout");
  } catch {
    // The session may already be gone; the API clears the cookie either way.
  }
  showSignin(() => t("signin.logged_out"), "success", { forgetTab: true });
}

export function enterPortal(profile) {
  state.profile = profile;
  state.sessions = null;
  state.appointments = null;
  showScreen("portal");
  applyLanguage(profile.language);
  fillProfileForm(profile);
  selectTab(tabFromUrl() || "profile", false, "replace"); // a deep link or a reload
  $("main").focus({ preventScroll: true }); // the top bar stays in view
  window.scrollTo(0, 0);
}


onRerender(() => {
  if (state.screen === "signin" && state.signinEmail) renderCodeSent();
});
