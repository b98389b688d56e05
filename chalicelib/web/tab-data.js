// The Mes données tab: the activity of the last 90 days, the export, deleting the account.

import { has, t } from "./i18n.js";
import { api } from "./api.js";
import { formatDateTime } from "./format.js";
import { $, el, onClick, onSubmit, setFieldError, setMessage, unbroken } from "./dom.js";
import { openDialog } from "./dialogs.js";
import { announce, reasonText, showError } from "./messages.js";
import { onRerender } from "./screens.js";
import { showSignin } from "./signin.js";
import { prefs, state } from "./state.js";
import { registerTab } from "./tabs.js";
import { deviceIcon, deviceText, placeText, relativeTime } from "./devices.js";

export async function loadActivity() {
  setMessage("activity-error", "");
  try {
    state.activity = await api("GET", "account/activity");
  } catch (error) {
    showError(error, (text) => setMessage("activity-error", text));
    return;
  }
  renderActivity();
}

export function eventText(event) {
  const key = `data.event.${event.type}`;
  const name = has(key) ? t(key) : event.type;
  const address = event.detail && event.detail.address;
  return address ? `${name} — ${address}` : name;
}

export function renderActivity() {
  const events = (state.activity && state.activity.events) || [];
  const p = prefs();
  if (!events.length) {
    $("activity-list").replaceChildren(el("li", { className: "hint", text: t("data.activity_empty") }));
    return;
  }
  $("activity-list").replaceChildren(
    ...events.map((event) => {
      const device = event.device || {};
      const where = [placeText(event), event.ip].filter(Boolean).join(" · ");
      const client = [deviceText(event), event.browser].filter(Boolean).join(" · ");
      return el(
        "li",
        { className: "activity", attrs: { "data-testid": "activity-row", "data-type": event.type } },
        [
          deviceIcon(device, "activity-icon"),
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

/** Save the export as a file (the API answers it as an attachment; fetched here with the session cookie). */
export async function exportData() {
  setMessage("export-error", "");
  let data;
  try {
    data = await api("GET", "account/export");
  } catch (error) {
    showError(error, (text) => setMessage("export-error", text));
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
  announce(() => t("data.exported"));
  await loadActivity();
}

export function showDeleteStep(codeStep) {
  $("delete-account-explain").hidden = codeStep;
  $("delete-account-code-step").hidden = !codeStep;
  $("send-delete-code").hidden = codeStep;
  $("confirm-delete").hidden = !codeStep;
}

export function wireData() {
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
      showError(error, (text) => setMessage("delete-account-error", text));
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
      showError(error, (text) => setFieldError("delete-code", text));
      $("delete-code").focus();
      return;
    }
    $("delete-account-dialog").close();
    state.activity = null;
    showSignin(() => t("data.deleted"), "success", { forgetTab: true });
  });
}

registerTab("data", loadActivity);
onRerender(() => {
  if (state.screen === "portal" && state.profile && state.activity) renderActivity();
});
