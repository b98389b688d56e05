import { defaults } from "./config.js";
import { language } from "./i18n.js";

// What the page knows: the screen, the signed-in profile, what each tab loaded.
export const state = {
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

export function prefs() {
  const p = state.profile || {};
  return {
    language: language(),
    date_format: p.date_format || defaults().date_format,
    time_format: p.time_format || defaults().time_format,
    timezone: p.timezone || defaults().timezone,
  };
}
