// Sign-in (email -> emailed code -> portal), entering the portal, signing out.

import { language, t } from "./i18n.js";
import { api, ApiError, setToken } from "./api.js";
import { $, onClick, onSubmit, setFieldError, setMessage } from "./dom.js";
import { announce, errorText, reasonText } from "./messages.js";
import { applyLanguage, onRerender, showScreen } from "./screens.js";
import { state } from "./state.js";
import { selectTab } from "./tabs.js";
import { fillProfileForm } from "./tab-profile.js";

export function showSignin(message) {
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

export async function logout() {
  try {
    await api("POST", "auth/logout");
  } catch {
    // The session may already be gone; the token is dropped either way.
  }
  setToken(null);
  showSignin(t("signin.logged_out"));
}

export function enterPortal(profile) {
  state.profile = profile;
  state.sessions = null;
  state.appointments = null;
  showScreen("portal");
  applyLanguage(profile.language);
  fillProfileForm(profile);
  selectTab("profile", false);
  $("main").focus({ preventScroll: true }); // the top bar stays in view
  window.scrollTo(0, 0);
}


onRerender(() => {
  if (state.screen === "signin" && state.signinEmail) renderCodeSent();
});
