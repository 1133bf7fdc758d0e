// The modal dialogs: a confirmation that names what it acts on, the rotate form, a secret's
// allowed hosts, its versions and usage, and the leak report.
import { $, el, when, fillTable, valueOrGenerate, listOf } from "./dom.js";

/**
 * Asks before `perform` runs; the dialog stays open with the server's message if it fails.
 * Escape or Cancel closes it and nothing happens.
 */
export function confirmAction({ title, text, action, perform }) {
  const dialog = $("confirm");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-error").textContent = "";
  const yes = $("confirm-yes");
  yes.textContent = action;
  const form = $("confirm-form");
  const submit = async (event) => {
    event.preventDefault();
    yes.disabled = true;
    try {
      await perform();
      dialog.close();
    } catch (error) {
      $("confirm-error").textContent = error.message;
    } finally {
      yes.disabled = false;
    }
  };
  form.onsubmit = submit;
  $("confirm-no").onclick = () => dialog.close();
  dialog.showModal();
  $("confirm-no").focus();
}

/**
 * Asks for a new value (or Generate) for secret `name`; `perform(body)` sends it. Closing the
 * dialog, by any way, clears the field.
 */
export function askRotation(name, perform) {
  const dialog = $("rotate"), error = $("rotate-error");
  rotation ??= valueOrGenerate($("rotate-value"), $("rotate-generate"));
  $("rotate-title").textContent = `Rotate ${name}`;
  rotation.reset();
  error.textContent = "";
  $("rotate-cancel").onclick = () => dialog.close();
  dialog.onclose = () => rotation.reset();
  $("rotate-form").onsubmit = async (event) => {
    event.preventDefault();
    try {
      await perform(rotation.request());
      dialog.close();
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  dialog.showModal();
  $("rotate-value").focus();
}

let rotation = null;

/** Edits the hosts secret `name` may be sent to; `perform(hosts)` saves the list. */
export function askHosts(name, hosts, perform) {
  const dialog = $("hosts"), error = $("hosts-error"), field = $("hosts-value");
  $("hosts-title").textContent = `Allowed hosts of ${name}`;
  field.value = hosts.join(", ");
  error.textContent = "";
  $("hosts-cancel").onclick = () => dialog.close();
  $("hosts-form").onsubmit = async (event) => {
    event.preventDefault();
    try {
      await perform(listOf(field.value));
      dialog.close();
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  dialog.showModal();
  field.focus();
}

/** Shows a secret's versions (newest first) and who used them, from its record and usage report. */
export function showVersions(secret, usage) {
  const dialog = $("versions");
  $("versions-title").textContent = `Versions of ${secret.name}`;
  const lastUse = {};
  for (const line of usage.usage) {
    if (line.outcome === "rendered" && (lastUse[line.version] ?? "") < line.last) lastUse[line.version] = line.last;
  }
  const versions = [...(secret.versions ?? [])].reverse();
  fillTable($("versions-table"), versions.map((version) => el("tr", {},
    el("th", { scope: "row" }, `v${version.version}`),
    el("td", {}, when(version.created_at)),
    el("td", {}, version.created_by),
    el("td", {}, version.version === secret.version ? "current" : (version.kept ? "kept" : "gone")),
    el("td", {}, version.compromised ? `compromised ${when(version.compromised.at)} by ${version.compromised.by}: ${version.compromised.reason}` : ""),
    el("td", {}, lastUse[version.version] ? when(lastUse[version.version]) : "never"))));
  fillTable($("usage-table"), usage.usage.map((line) => el("tr", {},
    el("th", { scope: "row" }, line.token_name ? `${line.token_name} (${line.token_role})` : `${line.token_id} (revoked)`),
    el("td", {}, `v${line.version}`),
    el("td", {}, line.client),
    el("td", {}, line.node),
    el("td", {}, line.outcome),
    el("td", {}, String(line.count)),
    el("td", {}, when(line.first)),
    el("td", {}, when(line.last)))));
  const unreachable = usage.unreachable ?? [];
  $("versions-note").textContent = usage.usage.length === 0 ? "No member recorded a use of it." : "";
  if (unreachable.length > 0) $("versions-note").textContent += ` Not asked (unreachable): ${unreachable.join(", ")}.`;
  dialog.showModal();
}

/** Asks for the new value, a reason and whether to revoke; `perform(body)` reports the leak. */
export function askLeak(name, perform) {
  const dialog = $("leak"), error = $("leak-error");
  leakValue ??= valueOrGenerate($("leak-value"), $("leak-generate"));
  $("leak-title").textContent = `Report ${name} leaked`;
  leakValue.reset();
  $("leak-reason").value = "";
  $("leak-revoke").checked = false;
  error.textContent = "";
  $("leak-cancel").onclick = () => dialog.close();
  dialog.onclose = () => leakValue.reset();
  $("leak-form").onsubmit = async (event) => {
    event.preventDefault();
    const value = leakValue.request();
    const body = value.generate ? { names: [name], generate: value.generate } : { values: { [name]: value.value } };
    const reason = $("leak-reason").value.trim();
    if (reason !== "") body.reason = reason;
    if ($("leak-revoke").checked) body.revoke_tokens = true;
    try {
      await perform(body);
      dialog.close();
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  dialog.showModal();
  $("leak-value").focus();
}

let leakValue = null;
