// The Tokens page: create (the token is shown once), list, approve, revoke. Tokens are
// stored by the node as hashes; only the answer that creates one carries it. Under the
// two-person rule a new admin or render token waits for a second admin's approval.
import { api } from "./api.js";
import { $, el, when, showOnce, forget, fillTable, listOf } from "./dom.js";
import { confirmAction } from "./dialogs.js";

export function setUpTokens() {
  $("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = $("token-form-error");
    error.textContent = "";
    const name = $("token-name").value.trim();
    const body = { role: $("token-role").value };
    if (name) body.name = name;
    const secrets = listOf($("token-secrets").value), networks = listOf($("token-cidr").value);
    const ttl = $("token-ttl").value.trim();
    if (secrets.length > 0) body.secrets = secrets;
    if (ttl) body.ttl = ttl;
    if (networks.length > 0) body.allow_cidr = networks;
    try {
      const created = await api("POST", "/v1/tokens", body);
      for (const field of ["token-name", "token-secrets", "token-ttl", "token-cidr"]) $(field).value = "";
      const waits = created.state === "awaiting_approval";
      $("tokens-status").textContent = waits
        ? `Token ${created.name} (${created.role}) is created; it works once a second admin approves it.`
        : `Token ${created.name} (${created.role}) is created.`;
      showOnce($("tokens-once"), `New ${created.role} token ${created.name}`,
        "It is shown this once and cannot be read again: copy it now." +
          (waits ? " It works once an admin of another line approves it within 24 hours." : ""), created.token);
      await refresh();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
}

export async function showTokens() {
  $("tokens-status").textContent = "";
  await refresh();
}

export function leaveTokens() {
  forget($("tokens-once"));
}

async function refresh() {
  let tokens;
  try {
    tokens = (await api("GET", "/v1/tokens")).tokens;
  } catch (failure) {
    $("tokens-status").textContent = failure.message;
    return;
  }
  const rows = tokens.map((token) => el("tr", {},
    el("th", { scope: "row" }, token.name),
    el("td", {}, token.role),
    el("td", {}, el("code", {}, token.id)),
    el("td", {}, stateOf(token)),
    el("td", {}, reachOf(token)),
    el("td", {}, when(token.created_at)),
    el("td", {}, token.created_by),
    el("td", { class: "row-actions" },
      token.state === "awaiting_approval"
        ? el("button", { type: "button", "aria-label": `Approve ${token.name}`, onclick: () => approve(token) }, "Approve")
        : null,
      el("button", { type: "button", class: "danger", "aria-label": `Revoke ${token.name}`, onclick: () => revoke(token) }, "Revoke"))));
  fillTable($("tokens-table"), rows);
}

function reachOf(token) {
  const parts = [token.secrets.length > 0 ? token.secrets.join(", ") : "every secret"];
  if (token.expires_at) parts.push(`until ${when(token.expires_at)}`);
  if (token.allow_cidr.length > 0) parts.push(`from ${token.allow_cidr.join(", ")}`);
  return parts.join("; ");
}

function stateOf(token) {
  if (token.state === "awaiting_approval") return "awaiting approval";
  if (token.state === "approved") return `approved by ${token.approved_by}`;
  return "active";
}

function approve(token) {
  confirmAction({
    title: `Approve ${token.name}?`,
    text: `The ${token.role} token ${token.name} (${token.id}), asked for by ${token.created_by}, starts working on every node.`,
    action: `Approve ${token.name}`,
    perform: async () => {
      await api("POST", `/v1/tokens/${encodeURIComponent(token.id)}/approve`);
      $("tokens-status").textContent = `Token ${token.name} is approved.`;
      await refresh();
    },
  });
}

function revoke(token) {
  confirmAction({
    title: `Revoke ${token.name}?`,
    text: `The ${token.role} token ${token.name} (${token.id}) stops working at once. Revoking the token you signed in with signs you out.`,
    action: `Revoke ${token.name}`,
    perform: async () => {
      await api("DELETE", `/v1/tokens/${encodeURIComponent(token.id)}`);
      $("tokens-status").textContent = `Token ${token.name} is revoked.`;
      await refresh();
    },
  });
}
