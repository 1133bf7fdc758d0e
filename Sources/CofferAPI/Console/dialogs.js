// The modal dialogs: a confirmation that names what it acts on, the rotate form, and a
// secret's allowed hosts.
import { $, valueOrGenerate, listOf } from "./dom.js";

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
