// CORS from the attacker's side: only an allowed origin (ALLOWED_ORIGINS, or loopback on the local stack) gets a
// preflight and readable responses; every other origin, look-alikes included, gets 403 and nothing to read. An allowed
// browser client can read what it needs, errors included (a 401's WWW-Authenticate hint, a 429's Retry-After).
import { describe, expect, it } from "vitest";
import { fetchSettled } from "./admin-support.ts";
import { createTenant, initializeMessage, MCP_URL } from "./support/fixtures.ts";
import { STATELESS, statelessMessage } from "./support/stateless.ts";

const APP = "https://app.example.com";
const DEPLOYED = { ALLOWED_ORIGINS: APP };
const DEV = { ALLOW_LOCALHOST_ORIGINS: "true" };
const HEALTHZ_URL = "http://tenant-mcp.test/healthz";
const HEALTHZ_TENANT_URL = "http://tenant-mcp.test/healthz/tenant";

/** What the browser asks before a POST /mcp with the headers an MCP client sends. */
function preflight(origin: string | null, vars: Partial<Env>, url = MCP_URL, method = "POST"): Promise<Response> {
  return fetchSettled(
    url,
    {
      method: "OPTIONS",
      headers: {
        ...(origin === null ? {} : { origin }),
        "access-control-request-method": method,
        "access-control-request-headers": "authorization,content-type,mcp-protocol-version,mcp-session-id",
      },
    },
    vars,
  );
}

function postFrom(
  origin: string,
  body: unknown,
  headers: Record<string, string>,
  vars: Partial<Env>,
): Promise<Response> {
  return fetchSettled(
    MCP_URL,
    {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        origin,
        ...headers,
      },
      body: JSON.stringify(body),
    },
    vars,
  );
}

/** The names in a comma-separated header, lower-cased. */
function names(res: Response, header: string): string[] {
  return (res.headers.get(header) ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

function expectReadableBy(res: Response, origin: string): void {
  expect(res.headers.get("access-control-allow-origin")).toBe(origin);
  expect(names(res, "vary")).toContain("origin");
  expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  const exposed = names(res, "access-control-expose-headers");
  for (const h of [
    "mcp-session-id",
    "mcp-protocol-version",
    "www-authenticate",
    "retry-after",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "x-request-id",
  ]) {
    expect(exposed, h).toContain(h);
  }
}

function expectNoCors(res: Response): void {
  for (const h of [
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "access-control-allow-credentials",
  ]) {
    expect(res.headers.get(h), h).toBeNull();
  }
}

describe("preflight (OPTIONS) from an allowed origin", () => {
  const cases: [string, string, Partial<Env>][] = [
    ["an ALLOWED_ORIGINS entry", APP, DEPLOYED],
    ["loopback on the local stack (Inspector direct mode)", "http://localhost:6274", DEV],
    ["127.0.0.1 on the local stack", "http://127.0.0.1:5173", DEV],
  ];
  for (const [what, origin, vars] of cases) {
    it(`${what}: 204 naming that origin, the methods, the MCP headers and a max age`, async () => {
      const res = await preflight(origin, vars);
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(origin);
      expect(names(res, "vary")).toContain("origin");
      expect(names(res, "access-control-allow-methods")).toEqual(expect.arrayContaining(["post", "get", "delete"]));
      const allowed = names(res, "access-control-allow-headers");
      for (const h of [
        "authorization",
        "content-type",
        "accept",
        "mcp-session-id",
        "mcp-protocol-version",
        "mcp-method",
        "mcp-name",
        "last-event-id",
        "x-request-id",
        "idempotency-key",
      ]) {
        expect(allowed, h).toContain(h);
      }
      expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
      expect(await res.text()).toBe("");
    });
  }

  it("allows only the headers MCP clients send, whatever the browser asks for", async () => {
    const res = await fetchSettled(
      MCP_URL,
      {
        method: "OPTIONS",
        headers: {
          origin: APP,
          "access-control-request-method": "POST",
          "access-control-request-headers": "x-evil, cookie, cf-connecting-ip",
        },
      },
      DEPLOYED,
    );
    expect(res.status).toBe(204);
    const allowed = names(res, "access-control-allow-headers");
    for (const h of ["x-evil", "cookie", "cf-connecting-ip", "*"]) expect(allowed, h).not.toContain(h);
  });

  it("answers without touching Postgres or Redis", async () => {
    const res = await preflight(APP, {
      ...DEPLOYED,
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
      UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1",
    });
    expect(res.status).toBe(204);
  });

  it("/healthz and /healthz/tenant: GET only", async () => {
    for (const url of [HEALTHZ_URL, HEALTHZ_TENANT_URL]) {
      const res = await preflight(APP, DEPLOYED, url, "GET");
      expect(res.status, url).toBe(204);
      expect(res.headers.get("access-control-allow-origin"), url).toBe(APP);
      expect(names(res, "access-control-allow-methods"), url).toEqual(["get"]);
      expect(names(res, "access-control-allow-headers"), url).toContain("authorization");
    }
  });
});

describe("preflight from any other origin", () => {
  const refused: [string, Partial<Env>][] = [
    ["https://evil.example", DEPLOYED],
    ["https://app.example.com.evil.example", DEPLOYED],
    ["http://app.example.com", DEPLOYED], // scheme differs: another origin
    ["http://localhost:6274", DEPLOYED], // loopback is not allowed on a deployed Worker
    ["http://localhost.evil.com", DEV],
    ["http://127.0.0.1.evil.com:8787", DEV],
    ["null", DEV],
  ];
  for (const [origin, vars] of refused) {
    it(`${origin} (${vars === DEV ? "local stack" : "deployed"}): 403, nothing readable`, async () => {
      for (const url of [MCP_URL, HEALTHZ_URL, HEALTHZ_TENANT_URL]) {
        const res = await preflight(origin, vars, url);
        expect(res.status, url).toBe(403);
        expectNoCors(res);
      }
    });
  }

  it("refuses before any store work", async () => {
    const res = await preflight("https://evil.example", {
      ...DEPLOYED,
      DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
      UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1",
    });
    expect(res.status).toBe(403);
  });
});

describe("OPTIONS that is not a preflight", () => {
  it("without Origin: 405 with Allow, as before", async () => {
    const res = await preflight(null, DEPLOYED);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, POST, DELETE");
    expectNoCors(res);
  });
});

describe("responses to an allowed origin", () => {
  it("initialize then tools/list (session lane) carry ACAO and expose the session and rate-limit headers", async () => {
    const tenant = await createTenant("free");
    const auth = { authorization: `Bearer ${tenant.apiKey}` };
    const init = await postFrom(APP, initializeMessage(), auth, DEPLOYED);
    expect(init.status).toBe(200);
    expectReadableBy(init, APP);
    const session = init.headers.get("mcp-session-id");
    expect(session).toBeTruthy();
    const list = await postFrom(
      APP,
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      { ...auth, "mcp-session-id": session!, "mcp-protocol-version": "2025-11-25" },
      DEPLOYED,
    );
    expect(list.status).toBe(200);
    expectReadableBy(list, APP);
  });

  it("stateless lane tools/list from a loopback origin on the local stack", async () => {
    const tenant = await createTenant("free");
    const origin = "http://localhost:6274";
    const res = await postFrom(
      origin,
      statelessMessage("tools/list"),
      { authorization: `Bearer ${tenant.apiKey}`, "mcp-protocol-version": STATELESS, "mcp-method": "tools/list" },
      DEV,
    );
    expect(res.status).toBe(200);
    expectReadableBy(res, origin);
  });

  it("a 401 carries them too, so the client can read WWW-Authenticate", async () => {
    const res = await postFrom(APP, initializeMessage(), { authorization: "Bearer tmcp_nope" }, DEPLOYED);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBeTruthy();
    expectReadableBy(res, APP);
  });

  it("other errors too (415, 404, 405)", async () => {
    const bad = await fetchSettled(
      MCP_URL,
      { method: "POST", headers: { origin: APP, "content-type": "text/plain" }, body: "x" },
      DEPLOYED,
    );
    expect(bad.status).toBe(415);
    expectReadableBy(bad, APP);
    const missing = await fetchSettled("http://tenant-mcp.test/nope", { headers: { origin: APP } }, DEPLOYED);
    expect(missing.status).toBe(404);
    expectReadableBy(missing, APP);
    const put = await fetchSettled(MCP_URL, { method: "PUT", headers: { origin: APP } }, DEPLOYED);
    expect(put.status).toBe(405);
    expectReadableBy(put, APP);
  });

  it("GET /healthz", async () => {
    const res = await fetchSettled(HEALTHZ_URL, { headers: { origin: APP } }, DEPLOYED);
    expect(res.status).toBe(200);
    expectReadableBy(res, APP);
  });
});

describe("responses to any other origin", () => {
  it("never name it, nor *", async () => {
    const tenant = await createTenant("free");
    for (const origin of ["https://evil.example", "http://localhost.evil.com", "http://localhost:6274"]) {
      const res = await postFrom(origin, initializeMessage(), { authorization: `Bearer ${tenant.apiKey}` }, DEPLOYED);
      expect(res.status, origin).toBe(403);
      expectNoCors(res);
      const health = await fetchSettled(HEALTHZ_URL, { headers: { origin } }, DEPLOYED);
      expectNoCors(health);
    }
  });

  it("no Origin: no CORS headers at all", async () => {
    const tenant = await createTenant("free");
    const res = await fetchSettled(
      MCP_URL,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${tenant.apiKey}`,
        },
        body: JSON.stringify(initializeMessage()),
      },
      DEPLOYED,
    );
    expect(res.status).toBe(200);
    expectNoCors(res);
  });
});
