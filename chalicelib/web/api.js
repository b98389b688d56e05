// The portal API client (see API.md). The session is an HttpOnly cookie the API
// sets at sign-in (docs/auth-and-sessions.md): no script, this one included, can
// read the token, and every tab of the browser shares the session. Every call
// says it comes from the page (X-Portal-Page: 1), which the API's CSRF check asks.

import { language } from "./i18n.js";

// The API is served by the same app as this page, at the page's own folder
// ("/" behind CloudFront, "/<stage>/" on API Gateway's URL), wherever this module is.
const BASE = new URL("./", document.baseURI);
const SIGNED_IN_HINT = "__Host-portal_signed_in";

/**
 * Whether a session may be open in this browser: the API sets a readable hint cookie
 * (no secret in it) beside the HttpOnly session cookie, with the same life.
 */
export function maybeSignedIn() {
  return document.cookie.split(";").some((pair) => pair.trim().startsWith(`${SIGNED_IN_HINT}=1`));
}

/** An answer in the contract's error shape, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, error = {}, headers = null) {
    super(error.message || error.code || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = error.code || (status === 0 ? "network" : "unknown");
    this.serverMessage = error.message || "";
    this.fields = error.fields || {};
    this.retryAfter = headers ? Number(headers.get("Retry-After")) || null : null;
  }
}

let onUnauthenticated = () => {};

/** Called when an authenticated call answers 401 (session ended or expired). */
export function setUnauthenticatedHandler(handler) {
  onUnauthenticated = handler;
}

/**
 * Call the API. path is relative to the app root ("profile", "sessions/ID").
 * Returns the parsed JSON body, or null for an empty answer (204).
 */
export async function api(method, path, body = undefined, { auth = true } = {}) {
  const headers = {
    Accept: "application/json",
    "Accept-Language": language(),
    "X-Portal-Page": "1",
  };
  const init = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(new URL(path, BASE), init);
  } catch {
    throw new ApiError(0, { code: "network" });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = data && typeof data.error === "object" && data.error ? data.error : {};
    const failure = new ApiError(response.status, error, response.headers);
    if (response.status === 401 && auth && failure.code === "unauthenticated") {
      onUnauthenticated(failure);
    }
    throw failure;
  }
  return data;
}

/** Post a file to S3 with a presigned POST: every field, then the file, last. */
export async function postToS3(upload, file) {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields || {})) {
    form.append(name, value);
  }
  form.append("file", file);
  let response;
  try {
    response = await fetch(upload.url, {
      method: "POST",
      body: form,
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError(0, { code: "network" });
  }
  if (!response.ok) {
    throw new ApiError(response.status, { code: "upload_failed" });
  }
}
