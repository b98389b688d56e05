// The Courriels tab: confirmed and pending addresses, adding one (address, then
// its code), removing or cancelling one.

import { t } from "./i18n.js";
import { api, ApiError } from "./api.js";
import { formatDateTime } from "./format.js";
import { $, el, onClick, onSubmit, setFieldError, setMessage, unbroken } from "./dom.js";
import { confirmAction, openDialog } from "./dialogs.js";
import { announce, reasonText, showError } from "./messages.js";
import { onRerender } from "./screens.js";
import { prefs, state } from "./state.js";
import { syncAfterWrite } from "./sync.js";
import { registerTab } from "./tabs.js";

export function renderEmails() {
  const profile = state.profile;
  if (!profile) return;
  const verified = profile.emails || [];
  const pending = profile.pending_emails || [];

  // The last confirmed address cannot go (the API refuses it): its ✕ says why, up front.
  const onlyOne = verified.length === 1;
  $("last-email-note").hidden = !onlyOne;
  $("email-list").replaceChildren(
    ...verified.map((entry) => {
      const remove = removeButton(entry.address, "emails.remove_label");
      if (onlyOne) {
        remove.setAttribute("aria-disabled", "true");
        remove.setAttribute("aria-describedby", "last-email-note");
      }
      return el("li", { className: "address", attrs: { "data-testid": "email-row" } }, [
        el("span", { className: "address-text", text: entry.address }),
        remove,
      ]);
    }),
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

export function removeButton(address, labelKey) {
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

export function applyEmails(answer) {
  state.profile.emails = answer.emails;
  state.profile.pending_emails = answer.pending_emails;
  renderEmails();
}

export async function removeEmail(address) {
  setMessage("emails-error", "");
  const wasPending = (state.profile.pending_emails || []).some((p) => p.address === address);
  const confirmed =
    wasPending ||
    (await confirmAction({
      title: t("confirm.remove_email.title", { address }),
      text: t("confirm.remove_email.text", { address }),
      confirm: t("confirm.remove_email.ok"),
    }));
  if (!confirmed) return;
  try {
    applyEmails(await api("DELETE", `profile/emails/${encodeURIComponent(address)}`));
  } catch (error) {
    showError(error, (text) => setMessage("emails-error", text));
    return;
  }
  await syncAfterWrite();
  announce(() => t(wasPending ? "emails.cancelled" : "emails.removed", { address }));
  $("add-email").focus();
}

export function openVerifyDialog(address, opener) {
  state.verifyAddress = address;
  setMessage("verify-email-intro", t("emails.verify_intro", { address }));
  setMessage("verify-email-status", "");
  $("email-code").value = "";
  setFieldError("email-code", "");
  openDialog($("verify-email-dialog"), opener, "email-code");
}

export function upsertPending(pending) {
  const list = (state.profile.pending_emails || []).filter((p) => p.address !== pending.address);
  list.push(pending);
  state.profile.pending_emails = list;
  renderEmails();
}

export function wireEmails() {
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
      const show = (text) => setFieldError("new-email", text);
      if (reason) show(() => reasonText(reason === "invalid" ? "invalid_email" : reason));
      else showError(error, show, $("send-email-code"));
      input.focus();
      return;
    }
    const pending = (answer && answer.pending) || { address: email };
    upsertPending(pending);
    $("add-email-dialog").close();
    // The dialog's intro says where the code went; nothing else repeats it.
    openVerifyDialog(pending.address, $("add-email"));
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
      showError(error, (text) => setFieldError("email-code", text), $("verify-code"));
      input.focus();
      return;
    }
    await syncAfterWrite();
    state.verifyAddress = "";
    $("verify-email-dialog").close();
    announce(() => t("emails.added", { address }));
  });

  onClick($("resend-email-code"), async () => {
    const address = state.verifyAddress;
    setFieldError("email-code", "");
    setMessage("verify-email-status", "");
    try {
      const answer = await api("POST", "profile/emails", { email: address });
      if (answer && answer.pending) upsertPending(answer.pending);
    } catch (error) {
      showError(error, (text) => setFieldError("email-code", text), $("resend-email-code"));
      return;
    }
    await syncAfterWrite();
    setMessage("verify-email-status", () => t("emails.resent", { address }));
    $("email-code").focus();
  });

  $("verify-email-dialog").addEventListener("close", () => {
    state.verifyAddress = "";
  });
}

registerTab("emails", renderEmails);
onRerender(() => {
  if (state.screen !== "portal" || !state.profile) return;
  renderEmails();
  if (state.verifyAddress) {
    setMessage("verify-email-intro", t("emails.verify_intro", { address: state.verifyAddress }));
  }
});
