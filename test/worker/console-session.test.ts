// The web console's session and its defences, from the attacker's side, inside workerd against the test cloud: the
// cookie's flags, CSRF (no token, a wrong one, another session's, another origin), clickjacking and CSP headers on
// every answer under /admin, and a session that dies with its operator token.
import { describe, expect, it } from "vitest";
import { revokeOperator } from "../../src/control/operators.ts";
import { uniqueSlug } from "./admin-support.ts";
import { controlDeps } from "./support/fixtures.ts";
import { ADMIN_ORIGIN, call, operatorToken, problemOf } from "./support/operator-api.ts";

const SESSION = `${ADMIN_ORIGIN}/admin/session`;
const SAME_ORIGIN = { origin: ADMIN_ORIGIN, "sec-fetch-site": "same-origin" };

/** Signs in with `token`; the session cookie (name=value) and the CSRF token. */
async function signIn(token: string): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const res = await call("POST", SESSION, { body: { token }, headers: SAME_ORIGIN });
  const text = await res.text();
  expect(res.status, text).toBe(201);
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { cookie: setCookie.split(";")[0] as string, csrf: JSON.parse(text).csrfToken, setCookie };
}

/** A console change: POST /tenants with the session cookie and whatever headers the test chooses. */
function createTenantWith(cookie: string, headers: Record<string, string>): Promise<Response> {
  return call("POST", "/tenants", {
    body: { slug: uniqueSlug("csrf"), name: "Csrf", plan: "free" },
    headers: { cookie, ...headers },
  });
}

describe("sign-in", () => {
  it("sets an HttpOnly, Secure, SameSite=Strict cookie scoped to /admin, and never echoes the token", async () => {
    const { token, name } = await operatorToken("admin");
    const res = await call("POST", SESSION, { body: { token }, headers: SAME_ORIGIN });
    const body = await res.text();
    expect(res.status, body).toBe(201);
    expect(body).not.toContain(token);
    expect(JSON.parse(body).operator).toMatchObject({ name, role: "admin" });
    const flags = (res.headers.get("set-cookie") ?? "").split(";").map((s) => s.trim().toLowerCase());
    expect(flags[0]).toMatch(/^tmcp_console=[a-z0-9_-]{43}$/);
    expect(flags).toEqual(
      expect.arrayContaining(["httponly", "secure", "samesite=strict", "path=/admin", "max-age=28800"]),
    );
    // The sign-in is in the operator audit log, by this token.
    const audit = await call("GET", "/audit?limit=50", { token });
    const entries = ((await audit.json()) as { entries: { action: string; operatorName: string }[] }).entries;
    expect(entries.find((e) => e.operatorName === name)).toMatchObject({ action: "console.sign_in" });
  });

  it("refuses a wrong token (401), a tenant's API key (401), and a sign-in from another origin (403)", async () => {
    const { token } = await operatorToken("admin");
    const wrong = `${token.slice(0, -4)}AAAA`;
    await problemOf(await call("POST", SESSION, { body: { token: wrong }, headers: SAME_ORIGIN }), 401);
    await problemOf(
      await call("POST", SESSION, { body: { token: "tmcp_aaaaaaaaaaaaaaaa_bbbb" }, headers: SAME_ORIGIN }),
      401,
    );
    const foreign: Record<string, string>[] = [
      {},
      { origin: "https://evil.example" },
      { origin: ADMIN_ORIGIN, "sec-fetch-site": "cross-site" },
    ];
    for (const headers of foreign) {
      const res = await call("POST", SESSION, { body: { token }, headers });
      await problemOf(res, 403);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
  });
});

describe("CSRF", () => {
  it("refuses a change with the cookie but no CSRF token, a wrong one, another session's, or from another origin", async () => {
    const { token } = await operatorToken("admin");
    const mine = await signIn(token);
    const other = await signIn(token);
    const cases: Record<string, string>[] = [
      SAME_ORIGIN,
      { ...SAME_ORIGIN, "x-csrf-token": "0".repeat(64) },
      { ...SAME_ORIGIN, "x-csrf-token": other.csrf },
      { ...SAME_ORIGIN, "x-csrf-token": mine.csrf.slice(0, 10) },
      { origin: "https://evil.example", "x-csrf-token": mine.csrf },
      { "x-csrf-token": mine.csrf },
      { origin: ADMIN_ORIGIN, "sec-fetch-site": "same-site", "x-csrf-token": mine.csrf },
    ];
    for (const headers of cases) {
      const p = await problemOf(await createTenantWith(mine.cookie, headers), 403);
      expect(p.type).toBe("urn:tenant-mcp:problem:forbidden");
    }
    // Nothing was made: the audit log has only refusals (403) for these.
    const res = await createTenantWith(mine.cookie, { ...SAME_ORIGIN, "x-csrf-token": mine.csrf });
    expect(res.status, await res.clone().text()).toBe(201);
  });

  it("lets reads through with the cookie alone, and refuses sign-out without the CSRF token", async () => {
    const { token } = await operatorToken("viewer");
    const s = await signIn(token);
    const me = await call("GET", "/me", { headers: { cookie: s.cookie } });
    expect(me.status).toBe(200);
    expect((await me.json()) as object).toMatchObject({ operator: { role: "viewer" } });
    await problemOf(await call("DELETE", SESSION, { headers: { cookie: s.cookie, ...SAME_ORIGIN } }), 403);
    // A viewer's session changes nothing either, CSRF token or not.
    await problemOf(await createTenantWith(s.cookie, { ...SAME_ORIGIN, "x-csrf-token": s.csrf }), 403);
    const out = await call("DELETE", SESSION, {
      headers: { cookie: s.cookie, ...SAME_ORIGIN, "x-csrf-token": s.csrf },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^tmcp_console=; Path=\/admin; Max-Age=0/);
    await problemOf(await call("GET", "/me", { headers: { cookie: s.cookie } }), 401);
  });
});

describe("sessions", () => {
  it("ends every session of a revoked operator token on its next request, and ignores a made-up cookie", async () => {
    const { token, id } = await operatorToken("admin");
    const s = await signIn(token);
    expect((await call("GET", "/me", { headers: { cookie: s.cookie } })).status).toBe(200);
    await revokeOperator(controlDeps, id);
    await problemOf(await call("GET", "/me", { headers: { cookie: s.cookie } }), 401);
    const state = await (await call("GET", SESSION, { headers: { cookie: s.cookie } })).json();
    expect(state).toEqual({ operator: null });
    await problemOf(await call("GET", "/me", { headers: { cookie: `tmcp_console=${"A".repeat(43)}` } }), 401);
  });

  it("tells the page who is signed in, with the session's CSRF token, and nothing to a stranger", async () => {
    const { token, name } = await operatorToken("admin");
    const s = await signIn(token);
    const state = (await (await call("GET", SESSION, { headers: { cookie: s.cookie } })).json()) as Record<string, any>;
    expect(state.operator).toMatchObject({ name });
    expect(state.csrfToken).toBe(s.csrf);
    expect(await (await call("GET", SESSION)).json()).toEqual({ operator: null });
  });
});

describe("headers", () => {
  it("forbids framing and inline script on the console page, its files, the API and its errors", async () => {
    for (const [path, status] of [
      ["/admin/", 200],
      ["/admin/app.js", 200],
      ["/admin/api/v1/tenants", 401],
      ["/admin/no-such-file.js", 401],
      ["/admin/session", 200],
    ] as const) {
      const res = await call("GET", `${ADMIN_ORIGIN}${path}`);
      expect(res.status, path).toBe(status);
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain("unsafe-inline");
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
    }
    const page = await call("GET", `${ADMIN_ORIGIN}/admin/`);
    const html = await page.text();
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    // No inline script or style attribute: every script is a file of this origin.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);
    const redirect = await call("GET", `${ADMIN_ORIGIN}/admin`);
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get("location")).toBe("/admin/");
  });

  it("serves nothing of the console's directory outside /admin", async () => {
    const res = await call("GET", `${ADMIN_ORIGIN}/app.js`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("import");
  });
});
