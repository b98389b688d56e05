// The photo on the Profil tab: upload (presigned POST to S3), rotate, delete.

import { language, t } from "./i18n.js";
import { api, ApiError, postToS3 } from "./api.js";
import { initials } from "./format.js";
import { $, onClick, setFieldError } from "./dom.js";
import { announce, errorText } from "./messages.js";
import { confirmAction } from "./dialogs.js";
import { onRerender } from "./screens.js";
import { state } from "./state.js";
import { syncAfterWrite } from "./sync.js";

const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];

export function renderPhoto() {
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

export let photoBusy = false;

/** One photo operation at a time (a rotation racing an upload would get a 409). */
export function setPhotoBusy(value) {
  photoBusy = value;
  for (const id of ["photo-file", "rotate-photo", "delete-photo"]) {
    if (value) $(id).setAttribute("aria-disabled", "true");
    else $(id).removeAttribute("aria-disabled");
  }
  document.querySelector("label[for=photo-file]").classList.toggle("is-busy", value);
}

export async function photoAction(action, doneKey) {
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
    announce(() => t(doneKey));
  } finally {
    setPhotoBusy(false);
  }
}

// Quarter turns clicked and not sent yet: clicks during a rotation add up and go
// in the next request (three quick clicks are one 270° turn), none is dropped.
let pendingTurns = 0;
let rotating = false;

export async function rotateClicked() {
  if (photoBusy && !rotating) return; // an upload or a delete is under way
  pendingTurns += 1;
  if (rotating) return;
  rotating = true;
  try {
    while (pendingTurns % 4) {
      const degrees = (pendingTurns % 4) * 90;
      pendingTurns = 0;
      await photoAction(
        () => api("POST", "profile/photo/rotate", { degrees }),
        "profile.photo_rotated",
      );
    }
  } finally {
    pendingTurns = 0;
    rotating = false;
  }
}

export function photoErrorText(error) {
  if (error instanceof ApiError && error.code === "upload_failed")
    return t("profile.photo_upload_failed");
  return errorText(error);
}

export function megabytes(bytes) {
  return new Intl.NumberFormat(language() === "en" ? "en-CA" : "fr-CA", {
    maximumFractionDigits: 1,
  }).format(bytes / (1024 * 1024));
}

export function wirePhoto() {
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
    announce(() => t("profile.photo_uploading"), "info");
    photoAction(async () => {
      const upload = await api("POST", "profile/photo/upload");
      if (upload.max_bytes && file.size > upload.max_bytes) {
        const tooBig = new ApiError(413, {
          code: "payload_too_large",
          message: t("profile.photo_too_big", { max: megabytes(upload.max_bytes) }),
        });
        tooBig.local = true; // the page's own text, not the API's
        throw tooBig;
      }
      await postToS3(upload, file);
      return api("POST", "profile/photo", { key: upload.key });
    }, "profile.photo_saved");
  });

  $("rotate-photo").addEventListener("click", rotateClicked);

  onClick($("delete-photo"), async () => {
    if (photoBusy) return;
    const confirmed = await confirmAction({
      title: t("confirm.photo_delete.title"),
      text: t("confirm.photo_delete.text"),
      confirm: t("confirm.photo_delete.ok"),
    });
    if (!confirmed) return;
    await photoAction(async () => {
      await api("DELETE", "profile/photo");
      return null;
    }, "profile.photo_deleted");
    if (!state.profile.photo) $("photo-file").focus();
  });
}

onRerender(() => {
  if (state.screen === "portal" && state.profile) renderPhoto();
});
