import type { Config } from "../config.ts";
import { checkOrigin, isAllowedOrigin } from "./guard.ts";

/**
 * Request headers a browser MCP client may send (Fetch standard: anything not CORS-safelisted needs the preflight's
 * permission, and `Authorization` is never covered by `*`). A fixed list rather than the request's own
 * Access-Control-Request-Headers echoed back: a header the Worker does not read has no reason to be allowed.
 */
const ALLOWED_REQUEST_HEADERS = [
  "authorization",
  "content-type",
  "accept",
  "mcp-session-id",
  "mcp-protocol-version",
  "mcp-method", // MCP 2026-07-28 standard headers
  "mcp-name",
  "last-event-id",
  "x-request-id",
  "idempotency-key", // a write tool's retry key (src/idempotency/)
].join(", ");

/**
 * Response headers a browser client must be able to read; the rest of what the Worker sends is CORS-safelisted
 * (Content-Type) or not meant for it. The session id and WWW-Authenticate are what a client cannot work without; the
 * rate-limit fields (src/ratelimit/limiter.ts), the monthly quota's (src/quota/meter.ts) and Retry-After let it back
 * off; X-Request-Id lets a person quote a failure.
 */
const EXPOSED_RESPONSE_HEADERS = [
  "mcp-session-id",
  "mcp-protocol-version",
  "www-authenticate",
  "retry-after",
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit-reset",
  "x-monthly-quota-limit",
  "x-monthly-quota-remaining",
  "x-monthly-quota-reset",
  "x-monthly-quota-warning",
  "x-request-id",
].join(", ");

/** How long a browser may reuse a preflight, in seconds: two hours, the most Chromium honours. */
const PREFLIGHT_MAX_AGE_SECONDS = 7200;

/**
 * Whether `request` is a CORS preflight (Fetch standard: OPTIONS with Origin and Access-Control-Request-Method). Any
 * other OPTIONS is an ordinary request, answered as the route answers a method it does not serve.
 */
export function isPreflight(request: Request): boolean {
  return (
    request.method === "OPTIONS" &&
    request.headers.has("origin") &&
    request.headers.has("access-control-request-method")
  );
}

/**
 * Answers a preflight for a route serving `methods`: 204 with the methods, the allowed request headers and a max age.
 * The origin headers themselves are added by {@link applyCors}, like on every other response. No I/O: a preflight
 * costs no store work, allowed or not.
 *
 * @throws {HttpError} 403 when the origin is not allowed (as for any other request from it).
 */
export function preflight(request: Request, config: Config, methods: readonly string[]): Response {
  checkOrigin(request, config);
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-methods": methods.join(", "),
      "access-control-allow-headers": ALLOWED_REQUEST_HEADERS,
      "access-control-max-age": String(PREFLIGHT_MAX_AGE_SECONDS),
    },
  });
}

/**
 * Makes a response readable by the browser that asked, when its origin is allowed: `Access-Control-Allow-Origin`
 * naming that origin (never `*`: a deployed Worker serves only the origins it lists) and the headers a client needs
 * exposed. Every response gets `Vary: Origin`, since whether it carries those headers depends on the Origin. No
 * `Access-Control-Allow-Credentials`: the API key travels in `Authorization`, not in a cookie. A response a route
 * already made public (`Access-Control-Allow-Origin: *`, the protected resource metadata) stays as it is.
 */
export function applyCors(headers: Headers, request: Request, config: Config): void {
  appendVary(headers, "origin");
  if (headers.get("access-control-allow-origin") === "*") return;
  const origin = request.headers.get("origin");
  if (origin === null || !isAllowedOrigin(origin, config)) return;
  headers.set("access-control-allow-origin", origin);
  headers.set("access-control-expose-headers", EXPOSED_RESPONSE_HEADERS);
}

function appendVary(headers: Headers, name: string): void {
  const vary = headers.get("vary");
  if (vary === null) headers.set("vary", name);
  else if (!vary.split(",").some((v) => v.trim().toLowerCase() === name || v.trim() === "*"))
    headers.set("vary", `${vary}, ${name}`);
}
