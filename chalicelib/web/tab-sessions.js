// The Connexions actives tab: every session of the account; end one or all the others.

import { t, tn } from "./i18n.js";
import { api, ApiError } from "./api.js";
import { formatDateTime } from "./format.js";
import { $, el, onClick, setMessage, unbroken } from "./dom.js";
import { announce, showError, showLoadError } from "./messages.js";
import { confirmAction } from "./dialogs.js";
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
    if (!state.sessions) $("end-other-sessions").hidden = true; // no list: nothing to end
    showLoadError("sessions-error", error, loadSessions);
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
  const what = [deviceText(session), session.browser].filter(Boolean).join(", ");
  const confirmed = await confirmAction(
    session.current
      ? {
          title: t("confirm.end_current.title"),
          text: t("confirm.end_current.text"),
          confirm: t("confirm.end_current.ok"),
        }
      : {
          title: t("confirm.end_session.title"),
          text: t("confirm.end_session.text", { what }),
          confirm: t("confirm.end_session.ok"),
        },
  );
  if (!confirmed) return;
  try {
    await api("DELETE", `sessions/${encodeURIComponent(session.id)}`);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) {
      showError(error, (text) => setMessage("sessions-error", text));
      return;
    }
  }
  if (session.current) {
    showSignin(() => t("signin.logged_out"), "success", { forgetTab: true });
    return;
  }
  announce(() => t("sessions.ended"));
  await loadSessions();
  $("tab-sessions").focus();
}

export function wireSessions() {
  onClick($("end-other-sessions"), async () => {
    setMessage("sessions-error", "");
    const others = state.sessions ? state.sessions.sessions.filter((s) => !s.current).length : 0;
    const confirmed = await confirmAction({
      title: t("confirm.end_others.title"),
      text: tn("confirm.end_others.text", others),
      confirm: t("confirm.end_others.ok"),
    });
    if (!confirmed) return;
    let answer;
    try {
      answer = await api("DELETE", "sessions");
    } catch (error) {
      showError(error, (text) => setMessage("sessions-error", text), $("end-other-sessions"));
      return;
    }
    announce(() => tn("sessions.ended_others", (answer && answer.ended) || 0));
    await loadSessions();
    $("tab-sessions").focus();
  });
}

registerTab("sessions", loadSessions);
onRerender(() => {
  if (state.screen === "portal" && state.profile && state.sessions) renderSessions();
});
