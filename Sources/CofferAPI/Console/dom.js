// Small DOM helpers. Everything the console shows goes in as text, never as HTML.

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "onclick") node.addEventListener("click", value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return node;
}

export const $ = (id) => document.getElementById(id);

/** An ISO timestamp as `2026-12-02 06:30 UTC`: unambiguous and the same in every browser. */
export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** Fills every `.help-slot` inside `root` with the reference-syntax explanation. */
export function addSyntaxHelp(root = document) {
  const help = $("syntax-help");
  for (const slot of root.querySelectorAll(".help-slot")) {
    if (!slot.firstChild) slot.append(help.content.cloneNode(true));
  }
}

/**
 * Shows a value exactly once in `container`, with Copy and Dismiss. Dismissing empties the
 * container, so the value is no longer anywhere in the page.
 */
export function showOnce(container, heading, explanation, value) {
  container.replaceChildren();
  const code = el("code", { class: "once-value", tabindex: "0" }, value);
  const status = el("span", { class: "hint", role: "status" });
  const copy = el("button", { type: "button" }, "Copy");
  const dismiss = el("button", { type: "button", class: "quiet" }, "Dismiss");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(code.textContent);
      status.textContent = "Copied.";
    } catch {
      status.textContent = "The browser refused the clipboard; select the text and copy it.";
    }
  });
  dismiss.addEventListener("click", () => {
    code.textContent = "";
    container.replaceChildren();
    container.hidden = true;
  });
  container.append(el("h2", {}, heading), el("p", {}, explanation), code, el("div", { class: "actions" }, copy, dismiss, status));
  container.hidden = false;
  code.focus();
}

/** Forgets a value shown with `showOnce` (leaving the page, signing out). */
export function forget(container) {
  container.replaceChildren();
  container.hidden = true;
}

/** Fills `table`'s body with `rows`, and gives each cell its column's heading as `data-label`,
 * which narrow screens show beside the cell when the table stacks into cards. */
export function fillTable(table, rows) {
  table.tBodies[0].replaceChildren(...rows);
  const headings = [...table.tHead.rows[0].cells].map((cell) => cell.textContent.trim());
  for (const row of table.tBodies[0].rows) {
    [...row.cells].forEach((cell, index) => { if (headings[index]) cell.dataset.label = headings[index]; });
  }
}

/**
 * A password field with its Generate box: ticking Generate empties and disables the field.
 * `request()` is the body's value part, `{value}` or `{generate: {}}`; `reset()` empties both.
 */
export function valueOrGenerate(field, generate) {
  const sync = () => {
    field.disabled = generate.checked;
    if (generate.checked) field.value = "";
  };
  generate.addEventListener("change", sync);
  return {
    request: () => (generate.checked ? { generate: {} } : { value: field.value }),
    reset() { field.value = ""; generate.checked = false; sync(); },
  };
}

/** The items of a comma- or space-separated list, as typed into one field. */
export function listOf(text) {
  return text.split(/[\s,]+/).filter((item) => item !== "");
}
