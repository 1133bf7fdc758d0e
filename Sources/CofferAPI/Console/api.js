// Calls to the node's API with the signed-in token. The token lives in this tab's
// sessionStorage only and travels as a bearer header; there are no cookies.
const TOKEN_KEY = "coffer.token";

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  signIn(token) { sessionStorage.setItem(TOKEN_KEY, token); },
  signOut() { sessionStorage.removeItem(TOKEN_KEY); },
};

/** An answer the API refused, with its message as the server wrote it. */
export class APIError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** Sends a JSON request; answers the decoded body (null for 204) or throws APIError. */
export async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (session.token) headers["Authorization"] = "Bearer " + session.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store", credentials: "omit", redirect: "error",
    });
  } catch {
    throw new APIError(0, "The node did not answer. Is it running?", null);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let decoded = null;
  try { decoded = text ? JSON.parse(text) : null; } catch { decoded = null; }
  if (!response.ok) {
    const message = decoded?.error?.message ?? `The node answered ${response.status}.`;
    if (response.status === 401) window.dispatchEvent(new CustomEvent("coffer:unauthorized"));
    throw new APIError(response.status, message, decoded);
  }
  return decoded;
}
