import { verifySecret } from "../auth/api-key.ts";
import { parseOperatorToken } from "../auth/operator-token.ts";
import type { RequestContext } from "../context.ts";
import {
  findOperator,
  touchOperator,
  type OperatorActor,
  type OperatorRole,
  type StoredOperator,
} from "../control/operators.ts";
import type { AdminDeps } from "../control/types.ts";
import { HttpError } from "../http/errors.ts";
import { throttleByAddress } from "../http/throttle.ts";
import { enforceRateLimit } from "../ratelimit/limiter.ts";
import { closeSession, readSession, requireCsrf, sessionIdFrom } from "./console-session.ts";
import { operatorDeps } from "./deps.ts";
import { PROBLEM } from "./problem.ts";

/** An authenticated operator: who they are (for the audit log) and what they may do. */
export interface Operator extends OperatorActor {
  id: string;
  role: OperatorRole;
}

/** A well-formed hash that no secret has: what an unknown token's secret is checked against. */
const STAND_IN_HASH = "0".repeat(64);

// RFC 6750 §3: the scheme and a realm of its own, so a client never mistakes it for /mcp's challenge.
const CHALLENGE = 'Bearer realm="tenant-mcp-operator"';

function unauthorized(internal: string): HttpError {
  return new HttpError(401, "An operator token is required (Authorization: Bearer tmop_...)", {
    type: PROBLEM.unauthorized,
    headers: { "www-authenticate": CHALLENGE },
    internal,
  });
}

/**
 * Authenticates an operator API request, then counts it against the operator token's rate limit. Two credentials open
 * the operator API: an operator token (`Authorization: Bearer tmop_...`), and, only when no Authorization header is
 * sent, the web console's session cookie, for which every change must also pass the CSRF check
 * (src/admin/console-session.ts). A tenant's API key, an OAuth access token or anything else gets the same 401 as no
 * credential, before any lookup. Every lookup is counted against the client address's throttle (the same as failed
 * API-key attempts), and the token's row is read on every request, so a revoked token (and every console session
 * opened with it) fails on its next one.
 *
 * Returns the operator and the control plane's dependencies for the request (src/admin/deps.ts).
 *
 * @throws {HttpError} 401 (no, unknown, wrong or revoked token; no or expired session), 403 (a session's change
 *   without its CSRF token or from another origin), 429 (address throttle or the token's rate limit), 503
 *   (OPERATOR_DATABASE_URL not set; the database or, with RATE_LIMIT_ON_ERROR=closed, Redis is down).
 */
export async function authenticateOperator(
  request: Request,
  rc: RequestContext,
  headers: Record<string, string>,
): Promise<{ operator: Operator; deps: AdminDeps }> {
  const authorization = request.headers.get("authorization");
  const sessionId = authorization === null ? sessionIdFrom(request) : null;
  let stored: StoredOperator;
  let deps: AdminDeps;
  if (sessionId !== null) {
    deps = operatorDeps(rc);
    stored = await operatorOfSession(request, rc, deps, sessionId);
  } else {
    ({ stored, deps } = await verifyOperatorToken(authorization ?? "", request, rc));
  }
  rc.fields.operator_id = stored.id;
  const limited = await enforceRateLimit(
    { id: `operator:${stored.id}`, rateLimitPerMinute: rc.config.operatorRateLimitPerMinute },
    rc,
  );
  Object.assign(headers, limited.headers);
  rc.waitUntil(
    touchOperator(deps.sql, stored.id).catch((err: unknown) =>
      rc.log.warn("operator token last use not recorded", { error: err instanceof Error ? err : String(err) }),
    ),
  );
  return { operator: { id: stored.id, name: stored.name, role: stored.role }, deps };
}

/**
 * Verifies an `Authorization` value (`Bearer tmop_...`) against the stored operator tokens: the operator API's bearer
 * credential, and what the console's sign-in exchanges for a session.
 *
 * @throws {HttpError} 401, 429 (address throttle), 503.
 */
export async function verifyOperatorToken(
  authorization: string,
  request: Request,
  rc: RequestContext,
): Promise<{ stored: StoredOperator; deps: AdminDeps }> {
  const match = /^Bearer ([^\s]+)$/i.exec(authorization);
  if (!match) throw unauthorized("no bearer token");
  const parsed = parseOperatorToken(match[1] as string);
  if (!parsed) throw unauthorized("not an operator token");
  // Only now, so that a tenant credential gets its 401 whether or not the operator API is configured.
  const deps = operatorDeps(rc);
  await throttleByAddress(rc.throttles.authentication, request, rc.log, "operator authentication");
  const stored = await findOperator(deps.sql, parsed.tokenId);
  // One answer for unknown, wrong and revoked: the response says nothing about which ids exist. An unknown id is
  // checked against a stand-in hash, so it takes as long as a wrong secret.
  const verified = await verifySecret(rc.config.apiKeyPepper, parsed.secret, stored?.secretHash ?? STAND_IN_HASH);
  if (!stored || !verified) throw unauthorized(`operator token ${parsed.tokenId} unknown or wrong`);
  if (stored.revoked) throw unauthorized(`operator token ${parsed.tokenId} revoked`);
  return { stored, deps };
}

/** The operator token behind a console session, after the CSRF check for a change; a revoked token ends the session. */
async function operatorOfSession(
  request: Request,
  rc: RequestContext,
  deps: AdminDeps,
  sessionId: string,
): Promise<StoredOperator> {
  // A session id is 256 random bits, so a signed-in console's requests (several per page) are not counted against the
  // address's throttle; a cookie that names no session is, as a failed attempt.
  const tokenId = await readSession(rc, sessionId);
  if (tokenId === null) {
    await throttleByAddress(rc.throttles.authentication, request, rc.log, "operator authentication");
    throw unauthorized("console session unknown or expired");
  }
  await requireCsrf(request, rc.config.apiKeyPepper, sessionId);
  const stored = await findOperator(deps.sql, tokenId);
  if (!stored || stored.revoked) {
    await closeSession(rc, sessionId);
    throw unauthorized(`console session of operator token ${tokenId}, which is revoked`);
  }
  return stored;
}

/**
 * Refuses a change to a `viewer`.
 *
 * @throws {HttpError} 403.
 */
export function requireAdmin(operator: Operator): void {
  if (operator.role !== "admin") {
    throw new HttpError(403, "This operator token may only read (role viewer); changes need an admin token", {
      type: PROBLEM.forbidden,
    });
  }
}
