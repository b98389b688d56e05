// The client portal page: sign-in by emailed code, profile, emails, active
// sessions, appointments, my data. Plain ES modules, no framework, no build step.
// The DOM is built with createElement/textContent only (never innerHTML).
// This module starts the page; each tab has its own module (tab-*.js).

import { browserLanguage, loadDictionaries, t } from "./i18n.js";
import { api, ApiError, hasToken, setUnauthenticatedHandler } from "./api.js";
import { $, onClick } from "./dom.js";
import { wireDialogs } from "./dialogs.js";
import { errorText } from "./messages.js";
import { applyLanguage } from "./screens.js";
import { enterPortal, logout, showSignin, wireSignin } from "./signin.js";
import { state } from "./state.js";
import { wireTabs } from "./tabs.js";
import { wireProfile } from "./tab-profile.js";
import { wirePhoto } from "./tab-photo.js";
import { wireEmails } from "./tab-emails.js";
import { wireSessions } from "./tab-sessions.js";
import { wireAppointments } from "./tab-appointments.js";
import { wireData } from "./tab-data.js";
import { limits, loadConfig } from "./config.js";

async function boot() {
  try {
    await Promise.all([loadDictionaries(), loadConfig()]);
  } catch (error) {
    console.error(error);
  }
  state.codeExpiresIn = limits().code_lifetime_seconds || state.codeExpiresIn;
  wireDialogs();
  wireSignin();
  wireTabs();
  wireProfile();
  wirePhoto();
  wireEmails();
  wireSessions();
  wireAppointments();
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
