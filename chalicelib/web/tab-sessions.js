// The Connexions actives tab: every session of the account; end one or all the others.

import { t, tn } from "./i18n.js";
import { api, ApiError, setToken } from "./api.js";
import { formatDateTime } from "./format.js";
import { $, el, onClick, setMessage, unbroken } from "./dom.js";
import { announce, errorText } from "./messages.js";
import { onRerender } from "./screens.js";
import { showSignin } from "./signin.js";
import { prefs, state } from "./state.js";
import { registerTab } from "./tabs.js";
import { deviceIcon, deviceText, placeText, relativeTime } from "./devices.js";

export { deviceText };

export async function loadSessions() {
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

export function detail(label, value) {
  return el("div", { className: "detail" }, [
    el("dt", { text: label }),
    value instanceof Node ? el("dd", {}, [value]) : el("dd", { text: value || t("sessions.unknown") }),
  ]);
}

/** "il y a 5 minutes" in a <time>, the exact moment as its datetime and title. */
function moment(iso, p) {
  if (!iso) return "";
  const absolute = unbroken(formatDateTime(new Date(iso), p));
  return el("time", {
    text: relativeTime(iso),
    attrs: { datetime: iso, title: absolute, "data-testid": "session-time" },
  });
}

export function renderSessions() {
  const { count, sessions } = state.sessions;
  const total = typeof count === "number" ? count : sessions.length;
  // The number stands out (as in the design): "<strong>3</strong> connexions actives".
  const [before, after] = tn("sessions.count", total).split(String(total));
  $("sessions-count").replaceChildren(
    before || "",
    el("strong", { text: String(total), attrs: { "data-testid": "sessions-number" } }),
    after || "",
  );
  const p = prefs();

  $("session-list").replaceChildren(
    ...sessions.map((session) => {
      const title = el("h3", { className: "session-title" }, [
        deviceIcon(session.device),
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
            detail(t("sessions.location"), placeText(session)),
            detail(t("sessions.ip"), session.ip),
            detail(t("sessions.created"), moment(session.created_at, p)),
            detail(t("sessions.last_active"), moment(session.last_active_at, p)),
          ]),
          el("div", { className: "actions" }, [end]),
        ],
      );
    }),
  );
  $("end-other-sessions").hidden = !sessions.some((s) => !s.current);
}

export async function endSession(session) {
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

export function wireSessions() {
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

registerTab("sessions", loadSessions);
onRerender(() => {
  if (state.screen === "portal" && state.profile && state.sessions) renderSessions();
});
