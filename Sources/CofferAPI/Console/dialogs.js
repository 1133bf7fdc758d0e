// The two modal dialogs: a confirmation that names what it acts on, and the rotate form.
import { $ } from "./dom.js";

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
  const dialog = $("rotate");
  const value = $("rotate-value"), generate = $("rotate-generate"), error = $("rotate-error");
  $("rotate-title").textContent = `Rotate ${name}`;
  value.value = "";
  value.disabled = false;
  generate.checked = false;
  error.textContent = "";
  generate.onchange = () => { value.disabled = generate.checked; if (generate.checked) value.value = ""; };
  const close = () => { value.value = ""; dialog.close(); };
  $("rotate-cancel").onclick = close;
  dialog.onclose = () => { value.value = ""; };
  $("rotate-form").onsubmit = async (event) => {
    event.preventDefault();
    const body = generate.checked ? { generate: {} } : { value: value.value };
    try {
      await perform(body);
      close();
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  dialog.showModal();
  value.focus();
}
