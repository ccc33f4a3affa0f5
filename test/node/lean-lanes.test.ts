// The always-loaded code decides what it can without either SDK (src/mcp/era.ts, src/http/jsonrpc.ts), so that an
// isolate evaluates a lane's SDK only when a request needs that lane. These copies must agree with the SDKs they stand
// in for: the JSON-RPC message shape with the v1 SDK's schema, the revisions and the envelope key with the SDKs'
// constants, and the "certainly the session lane" shortcut with the v2 SDK's own classifier.
import { isLegacyRequest, PROTOCOL_VERSION_META_KEY } from "@modelcontextprotocol/server";
import { JSONRPCMessageSchema, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { JsonRpcMessageSchema } from "../../src/http/jsonrpc.ts";
import { ENVELOPE_CLAIM_KEY, FIRST_STATELESS_REVISION, mayBeStateless, SESSION_REVISIONS } from "../../src/mcp/era.ts";

const CLAIM = { [PROTOCOL_VERSION_META_KEY]: "2026-07-28" };

/** Messages of every kind, well-formed and not: what a client (or an attacker) may POST. */
const MESSAGES: unknown[] = [
  { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {} } },
  { jsonrpc: "2.0", id: "a", method: "tools/list" },
  { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "x", arguments: {}, _meta: { progressToken: 5 } } },
  { jsonrpc: "2.0", id: 3, method: "tools/list", params: { _meta: CLAIM } },
  { jsonrpc: "2.0", id: 4, method: "initialize", params: { _meta: CLAIM } },
  { jsonrpc: "2.0", id: 5, method: "tools/list", params: { _meta: { [PROTOCOL_VERSION_META_KEY]: 7 } } },
  { jsonrpc: "2.0", method: "notifications/initialized" },
  { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, _meta: CLAIM } },
  { jsonrpc: "2.0", id: 6, result: {} },
  { jsonrpc: "2.0", id: 7, result: { _meta: { progressToken: "t" }, action: "accept" } },
  { jsonrpc: "2.0", id: 8, error: { code: -32000, message: "no" } },
  { jsonrpc: "2.0", error: { code: -32700, message: "parse", data: { at: 1 } } },
  // Not messages: every one must be refused by both schemas.
  { jsonrpc: "2.0", id: 1.5, method: "tools/list" },
  { jsonrpc: "2.0", id: null, method: "tools/list" },
  { jsonrpc: "1.0", id: 1, method: "tools/list" },
  { jsonrpc: "2.0", id: 1, method: "tools/list", extra: true },
  { jsonrpc: "2.0", id: 1, method: 5 },
  { jsonrpc: "2.0", id: 1, method: "tools/list", params: [] },
  { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: { progressToken: 1.5 } } },
  { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: { "io.modelcontextprotocol/related-task": {} } } },
  { jsonrpc: "2.0", id: 1, result: [] },
  { jsonrpc: "2.0", id: 1, error: { code: "x", message: "m" } },
  { jsonrpc: "2.0", id: 1, result: {}, error: { code: 1, message: "m" } },
  { jsonrpc: "2.0" },
  {},
  null,
  "tools/list",
];

const HEADERS: Array<string | undefined> = [
  undefined,
  "2025-11-25",
  "2025-06-18",
  "2024-10-07",
  "2026-07-28",
  " 2026-07-28\t",
  "2027-01-01",
  "zzz",
  "",
  "1999-01-01",
];

function post(version: string | undefined): Request {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (version !== undefined) headers["mcp-protocol-version"] = version;
  return new Request("https://mcp.example/mcp", { method: "POST", headers, body: "{}" });
}

describe("the era decided without the SDKs", () => {
  it("parses exactly the messages the v1 SDK's schema accepts, to the same value", () => {
    for (const message of MESSAGES) {
      const ours = JsonRpcMessageSchema.safeParse(message);
      const sdk = JSONRPCMessageSchema.safeParse(message);
      expect(ours.success, JSON.stringify(message)).toBe(sdk.success);
      if (ours.success && sdk.success) expect(ours.data).toEqual(sdk.data);
    }
    // The corpus holds both kinds, so the comparison above means something.
    expect(MESSAGES.filter((m) => JSONRPCMessageSchema.safeParse(m).success).length).toBeGreaterThan(8);
    expect(MESSAGES.filter((m) => !JSONRPCMessageSchema.safeParse(m).success).length).toBeGreaterThan(8);
  });

  it("names the SDKs' revisions and envelope key", () => {
    expect(SESSION_REVISIONS).toEqual(SUPPORTED_PROTOCOL_VERSIONS);
    expect(ENVELOPE_CLAIM_KEY).toBe(PROTOCOL_VERSION_META_KEY);
    expect(FIRST_STATELESS_REVISION).toBe("2026-07-28");
  });

  it("sends a message to the session lane without the v2 SDK only where the SDK's classifier would too", async () => {
    let decidedHere = 0;
    for (const message of MESSAGES) {
      if (!JSONRPCMessageSchema.safeParse(message).success) continue; // the guard refuses these first (400)
      for (const version of HEADERS) {
        const parsed = message as JSONRPCMessage;
        if (mayBeStateless(post(version), parsed)) continue;
        decidedHere++;
        expect(await isLegacyRequest(post(version), parsed), `${version} ${JSON.stringify(message)}`).toBe(true);
      }
    }
    expect(decidedHere).toBeGreaterThan(30);
  });

  it("leaves every stateless message, and everything naming a stateless revision, to the SDK", () => {
    expect(mayBeStateless(post(undefined), MESSAGES[3] as JSONRPCMessage)).toBe(true);
    expect(mayBeStateless(post(undefined), MESSAGES[5] as JSONRPCMessage)).toBe(true);
    expect(mayBeStateless(post("2026-07-28"), MESSAGES[1] as JSONRPCMessage)).toBe(true);
    expect(mayBeStateless(post(" 2026-07-28\t"), MESSAGES[0] as JSONRPCMessage)).toBe(true);
    expect(mayBeStateless(post("2025-11-25"), MESSAGES[1] as JSONRPCMessage)).toBe(false);
  });
});

describe("the modules loaded on first use", () => {
  const ROOT = resolve(import.meta.dirname, "../..");
  /** `import("...")` specifiers of a file (not `typeof import`), resolved to a repository path or a package name. */
  const dynamicImports = (file: string): string[] =>
    [...readFileSync(file, "utf8").matchAll(/(?<!typeof )import\("([^"]+)"\)/g)].map(([, spec]) =>
      (spec as string).startsWith(".") ? relative(ROOT, resolve(dirname(file), spec as string)) : (spec as string),
    );

  it("are all preloaded by the workerd test projects (test/support/lazy-modules.ts)", () => {
    const inSrc = new Set(
      readdirSync(join(ROOT, "src"), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith(".ts"))
        .flatMap((f) => dynamicImports(join(ROOT, "src", f))),
    );
    // The check below would pass on an empty scan: the lanes are among them.
    expect(inSrc).toContain("src/mcp/session-lane.ts");
    const preloaded = new Set(dynamicImports(join(ROOT, "test/support/lazy-modules.ts")));
    expect([...inSrc].filter((m) => !preloaded.has(m)).sort()).toEqual([]);
  });
});
