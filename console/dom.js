// @ts-check
/**
 * Builds DOM nodes. Text is only ever inserted as text nodes (never parsed as HTML), so a tenant name or key label
 * like `<img src=x onerror=...>` shows as those characters and runs nothing. There is no innerHTML in the console.
 *
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs] attributes; `on<event>` adds a listener, `class` sets className
 * @param {...unknown} children nodes, or values shown as text
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), /** @type {EventListener} */ (v));
    else if (k === "class") el.className = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

/**
 * @param {Node} el
 * @param {unknown[]} children
 */
function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/**
 * A table: `columns` are header texts, `rows` arrays of cells (nodes or text).
 *
 * @param {string} caption
 * @param {string[]} columns
 * @param {unknown[][]} rows
 * @param {string} [empty] what to say when there are no rows
 */
export function table(caption, columns, rows, empty = "None.") {
  if (rows.length === 0) return h("p", { class: "muted" }, empty);
  return h(
    "table",
    {},
    h("caption", { class: "skip" }, caption),
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((cell) => h("td", {}, cell))))),
  );
}

/** @param {string | null | undefined} iso */
export function when(iso) {
  if (!iso) return "never";
  return new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

/** @param {string} status */
export function badge(status) {
  return h("span", { class: `badge ${status}` }, status);
}

/**
 * Shows a message in the status line (read out by screen readers).
 *
 * @param {string} text
 * @param {boolean} [error]
 */
export function say(text, error = false) {
  const el = /** @type {HTMLElement} */ (document.getElementById("status"));
  el.textContent = text;
  el.className = error ? "error" : "";
}
