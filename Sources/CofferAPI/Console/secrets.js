// The Secrets page: the searchable list, Create Secret, and per row Rotate and Delete.
// Values go from a password field straight into one request body; only a generated value
// ever comes back, and it is shown once.
import { api } from "./api.js";
import { $, el, when, showOnce, forget, fillTable, valueOrGenerate, listOf } from "./dom.js";
import { confirmAction, askRotation, askHosts, askLeak, showVersions } from "./dialogs.js";

let secrets = [];

export function setUpSecrets() {
  const form = $("secret-form"), toggle = $("secrets-new");
  const name = $("secret-name");
  const value = valueOrGenerate($("secret-value"), $("secret-generate"));
  toggle.addEventListener("click", () => openForm(form.hidden));
  $("secret-cancel").addEventListener("click", () => openForm(false));
  $("secrets-search").addEventListener("input", render);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = $("secret-form-error");
    error.textContent = "";
    const body = { name: name.value, ...value.request() };
    const hosts = listOf($("secret-hosts").value);
    if (hosts.length > 0) body.allow_hosts = hosts;
    try {
      const created = await api("POST", "/v1/secrets", body);
      value.reset();
      name.value = "";
      $("secret-hosts").value = "";
      openForm(false);
      $("secrets-status").textContent = `Your secret is now securely stored as ${created.name} (version ${created.version}).`;
      if (created.value !== undefined) {
        showOnce($("secrets-once"), `Generated value of ${created.name}`,
          "It is shown this once and cannot be read again: copy it now.", created.value);
      }
      await refreshSecrets();
    } catch (failure) {
      error.textContent = failure.message;
      name.focus();
    }
  });
}

function openForm(open) {
  const form = $("secret-form");
  form.hidden = !open;
  $("secrets-new").setAttribute("aria-expanded", String(open));
  $("secret-value").value = "";
  $("secret-form-error").textContent = "";
  if (open) $("secret-name").focus();
}

export async function showSecrets() {
  $("secrets-status").textContent = "";
  await refreshSecrets();
}

export function leaveSecrets() {
  forget($("secrets-once"));
  openForm(false);
}

/** Names of the stored secrets, for the template editor's suggestions. */
export async function secretNames() {
  const answer = await api("GET", "/v1/secrets");
  return answer.secrets.map((secret) => secret.name);
}

async function refreshSecrets() {
  try {
    secrets = (await api("GET", "/v1/secrets")).secrets;
  } catch (failure) {
    $("secrets-status").textContent = failure.message;
    secrets = [];
  }
  render();
}

function render() {
  const query = $("secrets-search").value.trim().toLowerCase();
  const shown = secrets.filter((secret) => secret.name.toLowerCase().includes(query));
  const rows = shown.map((secret) => {
    const rotated = secret.version > 1;
    return el("tr", { "data-secret": secret.name },
      el("th", { scope: "row" }, el("code", {}, secret.name)),
      el("td", {}, `v${secret.version}`),
      el("td", {}, when(secret.created_at)),
      el("td", {}, rotated ? when(secret.updated_at) : "never"),
      el("td", {}, rotated ? secret.updated_by : secret.created_by),
      el("td", {}, secret.allowed_hosts.length > 0 ? secret.allowed_hosts.join(", ") : "anywhere"),
      el("td", { class: "row-actions" },
        el("button", { type: "button", "aria-label": `Rotate ${secret.name}`, onclick: () => rotate(secret.name) }, "Rotate"),
        el("button", { type: "button", "aria-label": `Hosts of ${secret.name}`, onclick: () => editHosts(secret) }, "Hosts"),
        el("button", { type: "button", "aria-label": `Versions of ${secret.name}`, onclick: () => versions(secret.name) }, "Versions"),
        el("button", { type: "button", class: "danger", "aria-label": `Report ${secret.name} leaked`, onclick: () => leak(secret.name) },
          "Report leak"),
        el("button", { type: "button", class: "danger", "aria-label": `Delete ${secret.name}`, onclick: () => remove(secret.name) }, "Delete")));
  });
  fillTable($("secrets-table"), rows);
  $("secrets-empty").hidden = shown.length > 0;
  $("secrets-empty").textContent = secrets.length === 0 ? "No secrets yet." : "No secret matches the search.";
}

function rotate(name) {
  askRotation(name, async (body) => {
    const rotated = await api("PUT", `/v1/secrets/${encodeURIComponent(name)}`, body);
    $("secrets-status").textContent = `${rotated.name} is rotated: version ${rotated.version} is in use now.`;
    if (rotated.value !== undefined) {
      showOnce($("secrets-once"), `New value of ${rotated.name}`,
        "It is shown this once and cannot be read again: copy it now.", rotated.value);
    }
    await refreshSecrets();
  });
}

async function versions(name) {
  try {
    const path = `/v1/secrets/${encodeURIComponent(name)}`;
    showVersions(await api("GET", path), await api("GET", `${path}/usage`));
  } catch (failure) {
    $("secrets-status").textContent = failure.message;
  }
}

function leak(name) {
  askLeak(name, async (body) => {
    const report = await api("POST", "/v1/leaks", body);
    const leaked = report.compromised[0];
    const tokens = [...new Set(leaked.usage.filter((line) => line.outcome === "rendered")
      .map((line) => line.token_name ?? line.token_id))];
    const newVersion = report.rotation.secrets[0].version;
    let text = `${name} is rotated to version ${newVersion}; version ${leaked.version} is marked compromised. `;
    text += tokens.length > 0 ? `It was rendered by ${tokens.join(", ")} (Versions shows where and when).` : "No member recorded a use of it.";
    if (report.revoked_tokens.length > 0) text += ` Revoked: ${report.revoked_tokens.length} token(s).`;
    $("secrets-status").textContent = text;
    const generated = report.rotation.values?.[name];
    if (generated !== undefined) {
      showOnce($("secrets-once"), `New value of ${name}`, "It is shown this once and cannot be read again: copy it now.", generated);
    }
    await refreshSecrets();
  });
}

function editHosts(secret) {
  askHosts(secret.name, secret.allowed_hosts, async (hosts) => {
    await api("PUT", `/v1/secrets/${encodeURIComponent(secret.name)}/hosts`, { hosts });
    $("secrets-status").textContent = hosts.length > 0
      ? `${secret.name} is rendered only to ${hosts.join(", ")}.`
      : `${secret.name} is rendered anywhere.`;
    await refreshSecrets();
  });
}

function remove(name) {
  confirmAction({
    title: `Delete ${name}?`,
    text: `The secret ${name} and all its versions will be deleted. Templates that reference it will fail to render.`,
    action: `Delete ${name}`,
    perform: async () => {
      await api("DELETE", `/v1/secrets/${encodeURIComponent(name)}`);
      $("secrets-status").textContent = `${name} is deleted.`;
      await refreshSecrets();
    },
  });
}
