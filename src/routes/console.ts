import {
  closeSession,
  csrfTokenFor,
  openSession,
  requireSameOrigin,
  sessionCookie,
  sessionIdFrom,
} from "../admin/console-session.ts";
import { PROBLEM } from "../admin/problem.ts";
import { readBody } from "../admin/request.ts";
import { HttpError } from "../http/errors.ts";
import * as z from "zod";
import { newApp } from "./scope.ts";
import { lazyModule } from "../lazy.ts";

const loadSignIn = lazyModule(() => import("../admin/authenticate.ts"));
const loadAudit = lazyModule(() => import("../admin/audit-action.ts"));

/**
 * The security headers of every answer under /admin (console files, sign-in, operator API, errors): a strict Content
 * Security Policy (scripts, styles and fetches from this origin only, so no inline script runs even if markup were
 * injected), no framing by any page (clickjacking), no MIME sniffing, no referrer.
 */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

const signInBody = z.strictObject({
  token: z.string({ error: "must be an operator token (tmop_...)" }).min(1, { error: "must not be empty" }),
});

/**
 * The web console (docs/console.md), mounted at `/admin` before the operator API: its static files (console/, through
 * the ASSETS binding), and its session: `POST /admin/session` exchanges an operator token for a session cookie,
 * `GET /admin/session` tells the page who is signed in and its CSRF token, `DELETE /admin/session` signs out.
 * Everything else under /admin falls through to the operator API's routes (src/routes/admin.ts). Operator sign-in
 * (src/admin/authenticate.ts and the control plane behind it) loads with the first request that checks a session.
 */
export const consoleRoutes = newApp();

consoleRoutes.use("*", async (c, next) => {
  Object.assign(c.var.headers, CONSOLE_SECURITY_HEADERS);
  await next();
});

consoleRoutes.get("/", (c) => c.redirect("/admin/", 308));

consoleRoutes.post("/session", async (c) => {
  const { rc } = c.var;
  // Login CSRF: another site's page must not sign a browser in to an operator's session of its choosing.
  requireSameOrigin(c.req.raw);
  const { token } = await readBody(c.req.raw, signInBody);
  const [{ verifyOperatorToken }, { auditOperatorAction }] = await Promise.all([loadSignIn(), loadAudit()]);
  const { stored, deps } = await verifyOperatorToken(`Bearer ${token}`, c.req.raw, rc);
  rc.fields.operator_id = stored.id;
  const session = await openSession(rc, stored.id);
  const operator = { id: stored.id, name: stored.name, role: stored.role };
  // The session stands either way; a sign-in the audit log missed is logged, as for every operator action.
  await auditOperatorAction(rc, deps, operator, { action: "console.sign_in", status: 201 });
  c.var.headers["set-cookie"] = session.cookie;
  return Response.json(
    { operator, csrfToken: session.csrfToken, expiresAt: session.expiresAt },
    { status: 201, headers: { "cache-control": "no-store" } },
  );
});

// Answers 200 with `operator: null` when not signed in (rather than 401): the page asks on every load, and a browser
// logs every failed request to its console.
consoleRoutes.get("/session", async (c) => {
  const { rc, headers } = c.var;
  const sessionId = sessionIdFrom(c.req.raw);
  const signedOut = (): Response => Response.json({ operator: null }, { headers: { "cache-control": "no-store" } });
  if (c.req.header("authorization") !== undefined || sessionId === null) return signedOut();
  try {
    const { authenticateOperator } = await loadSignIn();
    const { operator } = await authenticateOperator(c.req.raw, rc, headers);
    const csrfToken = await csrfTokenFor(rc.config.apiKeyPepper, sessionId);
    return Response.json({ operator, csrfToken }, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (!(err instanceof HttpError) || err.status !== 401) throw err;
    headers["set-cookie"] = sessionCookie("", 0);
    return signedOut();
  }
});

consoleRoutes.delete("/session", async (c) => {
  const { rc, headers } = c.var;
  const sessionId = sessionIdFrom(c.req.raw);
  if (c.req.header("authorization") !== undefined || sessionId === null) throw noSession();
  // Checks the CSRF token too: another site must not be able to sign an operator out either.
  const { authenticateOperator } = await loadSignIn();
  await authenticateOperator(c.req.raw, rc, headers);
  await closeSession(rc, sessionId);
  headers["set-cookie"] = sessionCookie("", 0);
  return new Response(null, { status: 204 });
});

// The console's files. `/admin/` is its page; a path that names no file goes on to the operator API's routes, which
// answer 401 without an operator credential, as for any unknown path under /admin.
consoleRoutes.get("/*", async (c, next) => {
  const path = c.req.path.slice("/admin".length);
  if (path.startsWith("/api/")) return next();
  const url = new URL(c.req.url);
  url.pathname = path === "/" ? "/index.html" : path;
  const asset = await c.env.ASSETS.fetch(new Request(url, { headers: c.req.raw.headers }));
  if (asset.status === 404) return next();
  return asset;
});

function noSession(): HttpError {
  return new HttpError(401, "Not signed in to the console", { type: PROBLEM.unauthorized });
}
