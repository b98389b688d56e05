// The client portal page: sign-in by emailed code, profile, emails, active
// sessions, appointments, my data. Plain ES modules, no framework, no build step.
// The DOM is built with createElement/textContent only (never innerHTML).
// This module starts the page; each tab has its own module (tab-*.js).

import { browserLanguage, loadDictionaries, rememberedLanguage, t } from "./i18n.js";
import { api, ApiError, maybeSignedIn, setUnauthenticatedHandler } from "./api.js";
import { $, onClick } from "./dom.js";
import { wireDialogs } from "./dialogs.js";
import { clearMessage, errorText, wireMessages } from "./messages.js";
import { applyLanguage } from "./screens.js";
import { enterPortal, logout, showSignin, wireSignin } from "./signin.js";
import { state } from "./state.js";
import { onTabSwitch, wireTabs } from "./tabs.js";
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
  wireMessages();
  onTabSwitch(clearMessage);
  onClick($("logout"), logout);
  setUnauthenticatedHandler(() => {
    if (state.screen === "portal") showSignin(() => t("signin.expired"), "warning");
  });

  applyLanguage(rememberedLanguage() || browserLanguage());
  // The session cookie is HttpOnly: only the API knows; its readable hint says whether to ask.
  if (maybeSignedIn()) {
    try {
      enterPortal(await api("GET", "profile"));
      return;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        showSignin(() => t("signin.expired"), "warning");
      } else {
        showSignin(() => errorText(error), "error");
      }
      return;
    }
  }
  showSignin();
}

boot();
