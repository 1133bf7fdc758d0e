// The Templates page: an editor for a request (method, URL, headers, body). As the user
// types, the node checks the fields and every problem is listed under its field with its
// position; after `{{Secrets.` the stored names are offered. Check shows the request with
// each reference masked by the node: the page never asks for a value.
import { api } from "./api.js";
import { $, el } from "./dom.js";
import { secretNames } from "./secrets.js";

const FIELDS = ["url", "headers", "body"];
const PARTIAL_REFERENCE = /\{\{\s*secrets\.([A-Za-z0-9_-]*)$/i;
let names = [];
let pending = null;
let latest = 0;

export function setUpTemplates() {
  for (const field of FIELDS) {
    const input = $(`template-${field}`);
    addBackdrop(input);
    input.addEventListener("input", () => { showMarks(input, []); suggest(field); scheduleCheck(); });
    input.addEventListener("click", () => suggest(field));
    input.addEventListener("keyup", (event) => { if (event.key.startsWith("Arrow")) suggest(field); });
    input.addEventListener("keydown", (event) => {
      const first = $(`template-${field}-suggest`).querySelector("button");
      if (event.key === "ArrowDown" && first && !$(`template-${field}-suggest`).hidden) {
        event.preventDefault();
        first.focus();
      } else if (event.key === "Escape") {
        closeSuggestions(field);
      }
    });
  }
  $("template-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await check();
    if (answer) showResult(answer);
  });
}

export async function showTemplates() {
  try { names = await secretNames(); } catch { names = []; }
  if (FIELDS.some((field) => $(`template-${field}`).value)) scheduleCheck();
}

function scheduleCheck() {
  clearTimeout(pending);
  pending = setTimeout(check, 300);
}

/** Asks the node about every field; marks the problems; answers the check, or null. */
async function check() {
  clearTimeout(pending);
  const ticket = ++latest;
  const fields = FIELDS.map((name) => ({ name, template: $(`template-${name}`).value }));
  let answer;
  try {
    answer = await api("POST", "/v1/templates/check", { fields });
  } catch (failure) {
    if (ticket === latest) $("template-body-problems").replaceChildren(el("li", {}, failure.message));
    return null;
  }
  if (ticket !== latest) return null;      // a newer check is on its way
  const sent = Object.fromEntries(fields.map((field) => [field.name, field.template]));
  // A field edited since it was sent is checked again shortly; its positions would be stale.
  for (const field of answer.fields) if ($(`template-${field.name}`).value === sent[field.name]) markProblems(field);
  return answer;
}

function markProblems(field) {
  const input = $(`template-${field.name}`);
  const multiline = input.tagName === "TEXTAREA";
  const items = field.errors.map((problem) => {
    const where = multiline ? `Line ${problem.line}, column ${problem.column}` : `Column ${problem.column}`;
    const jump = el("button", { type: "button", class: "link" }, `${where}: ${problem.message}`);
    jump.addEventListener("click", () => select(input, problem.line, problem.column));
    return el("li", { "data-kind": problem.kind }, jump);
  });
  $(`template-${field.name}-problems`).replaceChildren(...items);
  input.setAttribute("aria-invalid", String(items.length > 0));
  showMarks(input, field.errors.map((problem) => referenceSpan(input.value, problem.line, problem.column)));
}

/**
 * Puts a backdrop behind a field, laid out like it, where problems are drawn as marks under
 * the text. The field itself stays an ordinary input or textarea.
 */
function addBackdrop(input) {
  const editor = el("div", { class: input.tagName === "TEXTAREA" ? "editor multiline" : "editor" });
  const backdrop = el("div", { class: "backdrop", "aria-hidden": "true" });
  input.replaceWith(editor);
  editor.append(backdrop, input);
  input.addEventListener("scroll", () => {
    backdrop.scrollTop = input.scrollTop;
    backdrop.scrollLeft = input.scrollLeft;
  });
}

/** Draws `spans` (`[start, end)` offsets into the field's text) as marks behind the text. */
function showMarks(input, spans) {
  const backdrop = input.previousElementSibling;
  const text = input.value;
  const parts = [];
  let cursor = 0;
  for (const [start, end] of spans.sort((a, b) => a[0] - b[0])) {
    if (start < cursor) continue;
    parts.push(text.slice(cursor, start), el("mark", {}, text.slice(start, end)));
    cursor = end;
  }
  parts.push(text.slice(cursor) + "\n");     // a final line break still takes a line
  backdrop.replaceChildren(...parts);
  backdrop.scrollTop = input.scrollTop;
  backdrop.scrollLeft = input.scrollLeft;
}

/** The offset of `line`:`column` in `text`, counted in characters as the node counts them. */
function offsetOf(text, line, column) {
  const lines = text.split("\n");
  let offset = 0;
  for (let index = 0; index < line - 1 && index < lines.length; index++) offset += lines[index].length + 1;
  return offset + Array.from(lines[line - 1] ?? "").slice(0, column - 1).join("").length;
}

/** The reference that starts at `line`:`column`: up to its closing `}}`, or the end of its line. */
function referenceSpan(text, line, column) {
  const start = offsetOf(text, line, column);
  const lineEnd = text.indexOf("\n", start) === -1 ? text.length : text.indexOf("\n", start);
  const close = text.indexOf("}}", start);
  return [start, close !== -1 && close < lineEnd ? close + 2 : Math.max(lineEnd, start + 2)];
}

/** Selects the reference at `line`:`column`. */
function select(input, line, column) {
  const [start, end] = referenceSpan(input.value, line, column);
  input.focus();
  input.setSelectionRange(start, Math.min(end, input.value.length));
}

function showResult(answer) {
  const byName = Object.fromEntries(answer.fields.map((field) => [field.name, field]));
  const method = $("template-method").value;
  const headers = byName.headers.masked.replace(/\s+$/, "");
  const lines = [`${method} ${byName.url.masked}`];
  if (headers) lines.push(headers);
  const text = lines.join("\n") + (byName.body.masked ? "\n\n" + byName.body.masked : "\n");
  $("template-masked").textContent = text;
  const problems = answer.fields.flatMap((field) => field.errors);
  const references = answer.fields.flatMap((field) => field.references);
  $("template-verdict").textContent = answer.ok
    ? `Ready: ${references.length} reference${references.length === 1 ? "" : "s"}, every one names a stored secret.`
    : `${problems.length} problem${problems.length === 1 ? "" : "s"}: ${problems.map((p) => p.message).join("; ")}. `
      + "Unknown and malformed references are left as written below.";
  $("template-result").hidden = false;
}

function suggest(field) {
  const input = $(`template-${field}`);
  const before = input.value.slice(0, input.selectionStart ?? input.value.length);
  const match = PARTIAL_REFERENCE.exec(before);
  if (!match) return closeSuggestions(field);
  const typed = match[1].toLowerCase();
  const offered = names.filter((name) => name.toLowerCase().startsWith(typed)).slice(0, 8);
  if (offered.length === 0) return closeSuggestions(field);
  const list = $(`template-${field}-suggest`);
  const buttons = offered.map((name) => {
    const button = el("button", { type: "button", class: "suggestion" }, name);
    button.addEventListener("click", () => insert(field, match[1].length, name));
    button.addEventListener("keydown", (event) => moveWithin(field, event));
    return button;
  });
  list.replaceChildren(el("span", { class: "hint", id: `template-${field}-suggest-label` }, "Secrets:"), ...buttons);
  list.setAttribute("role", "group");
  list.setAttribute("aria-labelledby", `template-${field}-suggest-label`);
  list.hidden = false;
}

function moveWithin(field, event) {
  const buttons = [...$(`template-${field}-suggest`).querySelectorAll("button")];
  const index = buttons.indexOf(event.target);
  if (event.key === "ArrowDown" || event.key === "ArrowRight") buttons[(index + 1) % buttons.length].focus();
  else if (event.key === "ArrowUp" || event.key === "ArrowLeft") buttons[(index + buttons.length - 1) % buttons.length].focus();
  else if (event.key === "Escape") { closeSuggestions(field); $(`template-${field}`).focus(); }
  else return;
  event.preventDefault();
}

/** Replaces the `typed` characters before the caret with `name`, closing the reference if needed. */
function insert(field, typed, name) {
  const input = $(`template-${field}`);
  const caret = input.selectionStart ?? input.value.length;
  const after = input.value.slice(caret);
  const closing = /^\s*\}\}/.test(after) ? "" : "}}";
  input.value = input.value.slice(0, caret - typed) + name + closing + after;
  const end = caret - typed + name.length + closing.length;
  closeSuggestions(field);
  input.focus();
  input.setSelectionRange(end, end);
  showMarks(input, []);
  scheduleCheck();
}

function closeSuggestions(field) {
  const list = $(`template-${field}-suggest`);
  list.hidden = true;
  list.replaceChildren();
}
