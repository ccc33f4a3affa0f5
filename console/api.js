// @ts-check
/**
 * The console's one way to the server: the operator API (/admin/api/v1) and the session (/admin/session), with the
 * session cookie (sent by the browser, never readable here) and, on every change, the session's CSRF token.
 */

/** @type {string | null} */
let csrfToken = null;

/** @param {string | null} token */
export function setCsrfToken(token) {
  csrfToken = token;
}

/** A failed request: the problem's status and detail (RFC 9457). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * @param {string} method
 * @param {string} path under /admin/api/v1, or an absolute /admin/... path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-csrf-token"] = csrfToken ?? "";
  const url = path.startsWith("/admin/") ? path : `/admin/api/v1${path}`;
  const res = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, (data && data.detail) || `${res.status} ${res.statusText}`);
  return data;
}

/**
 * Every item of a paged list (`nextOffset`).
 *
 * @param {string} path
 * @returns {Promise<any[]>}
 */
export async function all(path) {
  const items = [];
  let offset = 0;
  for (;;) {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api("GET", `${path}${sep}limit=500&offset=${offset}`);
    items.push(...page.items);
    if (page.nextOffset === null) return items;
    offset = page.nextOffset;
  }
}
