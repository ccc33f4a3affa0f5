/**
 * Web console sessions (docs/console.md): an operator signs in once with an operator token, and the browser then holds
 * only a session cookie (HttpOnly, Secure, SameSite=Strict, Path=/admin), never the token. The session lives in Redis
 * under a digest of its id, with a fixed lifetime, and names the operator token it was opened with: every request
 * re-reads that token's row, so revoking the token ends its sessions on their next request.
 *
 * CSRF: every change made with the cookie must carry the session's CSRF token in `X-CSRF-Token` and an `Origin` equal
 * to the Worker's own. The CSRF token is an HMAC of the session id under the pepper, so it needs no storage, and a page
 * of another origin can neither read it (same-origin policy) nor compute it.
 */
import { hashSecret } from "../auth/api-key.ts";
import type { RequestContext } from "../context.ts";
import { sha256Hex } from "../crypto/digest.ts";
import { HttpError, unavailable } from "../http/errors.ts";
import { consoleSessionKey } from "../redis/keys.ts";
import { PROBLEM } from "./problem.ts";

/** The session cookie's name. */
export const SESSION_COOKIE = "tmcp_console";
/** How long a session lasts from sign-in, whatever its use: 8 hours, a working day. */
export const SESSION_TTL_SECONDS = 8 * 60 * 60;
/** The request header that carries the CSRF token on a change. */
export const CSRF_HEADER = "x-csrf-token";

// 32 random bytes, base64url without padding.
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const SAFE_METHODS = new Set(["GET", "HEAD"]);

/** A new session's id, cookie and CSRF token. */
export interface OpenedSession {
  sessionId: string;
  csrfToken: string;
  /** The `Set-Cookie` value. */
  cookie: string;
  expiresAt: string;
}

/**
 * Opens a session for operator token `tokenId`.
 *
 * @throws {HttpError} 503 when Redis is down.
 */
export async function openSession(rc: RequestContext, tokenId: string): Promise<OpenedSession> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const sessionId = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
  const digest = await sha256Hex(sessionId);
  try {
    await rc.shards.forKey(digest).set(consoleSessionKey(digest), tokenId, { ex: SESSION_TTL_SECONDS });
  } catch (err) {
    throw unavailable("Redis (console session)", err);
  }
  return {
    sessionId,
    csrfToken: await csrfTokenFor(rc.config.apiKeyPepper, sessionId),
    cookie: sessionCookie(sessionId, SESSION_TTL_SECONDS),
    expiresAt: new Date(rc.now() + SESSION_TTL_SECONDS * 1000).toISOString(),
  };
}

/**
 * The operator token id of session `sessionId`, or null when there is no such session (never was, expired, closed).
 *
 * @throws {HttpError} 503 when Redis is down.
 */
export async function readSession(rc: RequestContext, sessionId: string): Promise<string | null> {
  const digest = await sha256Hex(sessionId);
  try {
    const tokenId = await rc.shards.forKey(digest).get<string>(consoleSessionKey(digest));
    return typeof tokenId === "string" && tokenId !== "" ? tokenId : null;
  } catch (err) {
    throw unavailable("Redis (console session)", err);
  }
}

/**
 * Ends session `sessionId` (sign-out, or its token found revoked).
 *
 * @throws {HttpError} 503 when Redis is down.
 */
export async function closeSession(rc: RequestContext, sessionId: string): Promise<void> {
  const digest = await sha256Hex(sessionId);
  try {
    await rc.shards.forKey(digest).del(consoleSessionKey(digest));
  } catch (err) {
    throw unavailable("Redis (console session)", err);
  }
}

/** The session id in the request's cookie, when it has one of the right form. */
export function sessionIdFrom(request: Request): string | null {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    if (SESSION_ID.test(value)) return value;
  }
  return null;
}

/**
 * The session cookie: HttpOnly (no script reads it), Secure, SameSite=Strict (no other site's page sends it, not even
 * a top-level link), Path=/admin (never sent to /mcp). `maxAge` 0 deletes it.
 */
export function sessionCookie(value: string, maxAge: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/admin; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Strict`;
}

/** The session's CSRF token: HMAC-SHA-256(pepper, "console-csrf:" + session id), hex. */
export function csrfTokenFor(pepper: string, sessionId: string): Promise<string> {
  return hashSecret(pepper, `console-csrf:${sessionId}`);
}

/**
 * Refuses a change made with a session cookie unless it comes from the Worker's own origin and carries the session's
 * CSRF token. Safe methods (GET, HEAD) change nothing and pass.
 *
 * @throws {HttpError} 403.
 */
export async function requireCsrf(request: Request, pepper: string, sessionId: string): Promise<void> {
  if (SAFE_METHODS.has(request.method)) return;
  requireSameOrigin(request);
  const presented = request.headers.get(CSRF_HEADER) ?? "";
  const expected = await csrfTokenFor(pepper, sessionId);
  if (!constantTimeEqual(presented, expected)) throw forbidden("CSRF token missing or wrong");
}

/**
 * Refuses a request whose `Origin` is missing or not the Worker's own, or that a browser marks as cross-site
 * (`Sec-Fetch-Site`). For cookie-authenticated changes and for sign-in (login CSRF).
 *
 * @throws {HttpError} 403.
 */
export function requireSameOrigin(request: Request): void {
  const origin = request.headers.get("origin");
  if (origin === null || origin !== new URL(request.url).origin) throw forbidden(`Origin ${origin ?? "missing"}`);
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") throw forbidden(`Sec-Fetch-Site ${site}`);
}

function forbidden(internal: string): HttpError {
  return new HttpError(403, "A change from the console needs its own origin and the session's CSRF token", {
    type: PROBLEM.forbidden,
    internal,
  });
}

/**
 * Compares in time that does not depend on where the strings differ (workerd's `timingSafeEqual`). It needs equal
 * lengths; a token of another length is wrong whatever its bytes, and the right length is public (a hex digest).
 */
function constantTimeEqual(presented: string, expected: string): boolean {
  const a = new TextEncoder().encode(presented);
  const b = new TextEncoder().encode(expected);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}
