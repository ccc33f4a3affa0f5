/**
 * The fuzzer's request generator: a valid MCP request of either era for one tenant, then one to three mutations of
 * its headers, its JSON-RPC envelope, its params or its raw bytes. Every choice comes from the case's seeded Rng.
 */
import type { Rng } from "./random.ts";

/** What a case may use: one tenant's credentials and objects, and another tenant's, to probe isolation. */
export interface FuzzTenant {
  apiKey: string;
  sessionId: string;
  workspaceId: string;
  documentIds: string[];
}

/** One generated request. */
export interface FuzzCase {
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  /** The mutations applied, for the report of a failing case. */
  mutations: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const STATELESS = "2026-07-28";
const SESSION = "2025-11-25";

/** Strings that have broken parsers, validators and SQL before. */
const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "\ud800",
  "\udfff\ud800",
  "😀".repeat(64),
  "\u202eevil",
  "e\u0301\u0301\u0301",
  "null",
  "undefined",
  "NaN",
  "-0",
  "1e309",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "' OR '1'='1",
  "'; drop table documents; --",
  "%s%s%s%n",
  "$1",
  "\\x00",
  "../../../etc/passwd",
  "<script>alert(1)</script>",
  "{{7*7}}",
  "00000000-0000-0000-0000-000000000000",
  "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
  "{00000000-0000-0000-0000-000000000000}",
  "tenant-mcp://documents/",
  "tenant-mcp://documents/../../x",
  "x".repeat(5000),
  "tools/call",
  "initialize",
];

/** Numbers JSON can carry, and literals it can spell but JS cannot hold exactly (inserted as raw text). */
const NASTY_NUMBERS: Array<number | { raw: string }> = [
  0,
  -1,
  1.5,
  -0.0,
  2 ** 31,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  1e308,
  -1e308,
  5e-324,
  { raw: "1e309" },
  { raw: "-1e309" },
  { raw: "123456789012345678901234567890123456789" },
  { raw: "1.000000000000000000000000000001" },
  { raw: "0e99999" },
];

// ASCII only: a non-ASCII header value cannot be sent by a conforming HTTP client (workerd encodes it as UTF-8 and
// prints a multi-kilobyte warning for each one, which buried CI's output). Unicode is fuzzed in bodies instead.
const HEADER_GARBAGE = "abcXYZ019 -_.,;:=/+*!#$%&'()~\t";

/** Generates one case for `own` (with `other` as the foreign tenant). */
export function generateCase(rng: Rng, own: FuzzTenant, other: FuzzTenant): FuzzCase {
  const raws: string[] = [];
  const c: FuzzCase & { message: Json } = { ...baseRequest(rng, own), mutations: [] };
  // Two cases in five keep the envelope intact and mutate only the payload, so they reach tools, resources and
  // prompts instead of stopping at the guard or auth.
  const pool = rng.chance(0.4) ? PAYLOAD_MUTATIONS : MUTATIONS;
  const count = 1 + rng.int(3);
  for (let i = 0; i < count; i++) {
    const [name, apply] = rng.pick(pool);
    c.mutations.push(name);
    apply(rng, c, { own, other, raws });
  }
  if (c.body === undefined && c.method !== "GET" && c.method !== "HEAD") c.body = serialize(c.message, raws);
  const { message: _message, ...out } = c;
  return out;
}

interface MutationContext {
  own: FuzzTenant;
  other: FuzzTenant;
  /** Raw number literals to splice into the serialized body in place of their placeholders. */
  raws: string[];
}

type Mutable = FuzzCase & { message: Json };
type Mutation = readonly [string, (rng: Rng, c: Mutable, ctx: MutationContext) => void];

/** A valid request: a session message on the tenant's session, an initialize, or a stateless (2026-07-28) request. */
function baseRequest(rng: Rng, t: FuzzTenant): Omit<Mutable, "mutations"> {
  const calls: Array<[string, Record<string, Json>]> = [
    ["list_workspaces", {}],
    ["create_workspace", { name: "fuzz" }],
    ["update_workspace", { id: t.workspaceId, name: "Main" }],
    ["list_documents", { workspace_id: t.workspaceId, limit: 5 }],
    ["get_document", { id: rng.pick(t.documentIds) }],
    ["search_documents", { query: "report" }],
    ["create_document", { workspace_id: t.workspaceId, title: "fuzz", body: "fuzz body" }],
    ["update_document", { id: rng.pick(t.documentIds), title: "Quarterly report" }],
    ["workspace_stats", { days: 7 }],
    ["export_workspace", { workspace_id: t.workspaceId, format: "csv" }],
  ];
  const [tool, args] = rng.pick(calls);
  const messages: Array<Record<string, Json>> = [
    { method: "tools/list" },
    { method: "tools/call", params: { name: tool, arguments: args } },
    { method: "resources/list" },
    { method: "resources/templates/list" },
    { method: "resources/read", params: { uri: `tenant-mcp://documents/${rng.pick(t.documentIds)}` } },
    { method: "prompts/list" },
    { method: "prompts/get", params: { name: "summarize_workspace", arguments: { workspace_id: t.workspaceId } } },
    { method: "ping" },
    { method: "logging/setLevel", params: { level: "info" } },
  ];
  const headers: Record<string, string> = {
    authorization: `Bearer ${t.apiKey}`,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  const era = rng.int(10);
  if (era < 2) {
    const message = {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: SESSION, capabilities: {}, clientInfo: { name: "fuzz", version: "1" } },
    };
    return { method: "POST", headers, body: undefined, message };
  }
  const base = rng.pick(messages);
  if (era < 7) {
    const message = { jsonrpc: "2.0", id: rng.int(1000), ...base };
    return {
      method: "POST",
      headers: { ...headers, "mcp-session-id": t.sessionId, "mcp-protocol-version": SESSION },
      body: undefined,
      message,
    };
  }
  const params = { ...((base.params as Record<string, Json> | undefined) ?? {}) };
  params._meta = {
    "io.modelcontextprotocol/protocolVersion": STATELESS,
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": { name: "fuzz", version: "1" },
  };
  const name = base.method === "tools/call" ? tool : base.method === "prompts/get" ? "summarize_workspace" : undefined;
  const statelessHeaders = {
    ...headers,
    "mcp-protocol-version": STATELESS,
    "mcp-method": String(base.method),
    ...(name ? { "mcp-name": name } : {}),
    // What a conforming client mirrors (SEP-2243: `workspace_id` is declared `x-mcp-header: Workspace`).
    ...(base.method === "tools/call" && typeof workspaceArg(params) === "string"
      ? { "mcp-param-workspace": workspaceArg(params) as string }
      : {}),
  };
  return {
    method: "POST",
    headers: statelessHeaders,
    body: undefined,
    message: { jsonrpc: "2.0", id: rng.int(1000), ...base, params },
  };
}

const MUTATIONS: readonly Mutation[] = [
  [
    "auth",
    (rng, c, { other }) => {
      const variants = [
        undefined,
        "Bearer",
        `bearer ${c.headers.authorization?.slice(7)}`,
        `Bearer  ${c.headers.authorization?.slice(7)}  `,
        `Basic ${btoa("user:pass")}`,
        `Bearer tmcp_${rng.string(16, "abcdefghijklmnopqrstuvwxyz234567")}_${rng.string(40, "abcdefghijklmnopqrstuvwxyz234567")}`,
        `Bearer ${c.headers.authorization?.slice(7, -1)}`,
        `Bearer ${other.apiKey}`,
        `Bearer ${rng.string(rng.int(300), HEADER_GARBAGE)}`,
      ];
      const v = rng.pick(variants);
      if (v === undefined) delete c.headers.authorization;
      else c.headers.authorization = v;
    },
  ],
  [
    "session",
    (rng, c, { other }) => {
      const v = rng.pick([
        undefined,
        "",
        other.sessionId,
        rng.string(32, "ABCxyz019-_"),
        rng.string(rng.int(2000), HEADER_GARBAGE),
        `${c.headers["mcp-session-id"] ?? ""}x`,
      ]);
      if (v === undefined) delete c.headers["mcp-session-id"];
      else c.headers["mcp-session-id"] = v;
    },
  ],
  [
    "content-type",
    (rng, c) => {
      const v = rng.pick([
        undefined,
        "text/plain",
        "application/json; charset=utf-16",
        "application/jsonx",
        "multipart/form-data; boundary=x",
        "application/json;;;",
        "*/*",
      ]);
      if (v === undefined) delete c.headers["content-type"];
      else c.headers["content-type"] = v;
    },
  ],
  [
    "accept",
    (rng, c) => {
      const v = rng.pick([
        undefined,
        "text/html",
        "application/json",
        "text/event-stream",
        "*/*",
        "application/json;q=0, text/event-stream;q=0",
      ]);
      if (v === undefined) delete c.headers.accept;
      else c.headers.accept = v;
    },
  ],
  [
    "protocol-version",
    (rng, c) => {
      c.headers["mcp-protocol-version"] = rng.pick([
        "",
        "2024-11-05",
        "2099-01-01",
        "2026-07-28",
        "latest",
        rng.string(rng.int(40), HEADER_GARBAGE),
      ]);
    },
  ],
  [
    "mcp-headers",
    (rng, c) => {
      c.headers[rng.pick(["mcp-method", "mcp-name"])] = rng.pick([
        "",
        "tools/call",
        "nope",
        rng.string(rng.int(200), HEADER_GARBAGE),
      ]);
    },
  ],
  [
    "origin",
    (rng, c) => {
      c.headers.origin = rng.pick(["https://evil.example", "null", "http://localhost", rng.string(20, HEADER_GARBAGE)]);
    },
  ],
  [
    "http-method",
    (rng, c) => {
      c.method = rng.pick(["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]);
      if (c.method === "GET" || c.method === "HEAD") c.body = undefined;
    },
  ],
  [
    "id",
    (rng, c, { raws }) => {
      if (isObject(c.message)) c.message.id = nastyValue(rng, raws, 0);
    },
  ],
  [
    "no-id",
    (_rng, c) => {
      if (isObject(c.message)) delete c.message.id;
    },
  ],
  [
    "method",
    (rng, c) => {
      if (isObject(c.message))
        c.message.method = rng.chance(0.5)
          ? rng.pick(NASTY_STRINGS)
          : rng.pick([
              "tools/CALL",
              "notifications/initialized",
              "server/discover",
              "completion/complete",
              "sampling/createMessage",
              "resources/subscribe",
              "tasks/get",
              "$/cancel",
              "rpc.discover",
            ]);
    },
  ],
  [
    "jsonrpc",
    (rng, c) => {
      if (isObject(c.message)) c.message.jsonrpc = rng.pick<Json>(["1.0", "2.00", 2, null, ""]);
    },
  ],
  [
    "params",
    (rng, c, { raws }) => {
      if (isObject(c.message)) c.message.params = nastyValue(rng, raws, 0);
    },
  ],
  ["leaf", (rng, c, { raws }) => replaceLeaf(rng, c.message, raws)],
  // Inside params only: the envelope stays valid, so the value reaches the tool, resource or prompt.
  ["param-leaf", (rng, c, { raws }) => replaceLeaf(rng, isObject(c.message) ? c.message.params : undefined, raws)],
  ["param-leaf", (rng, c, { raws }) => replaceLeaf(rng, isObject(c.message) ? c.message.params : undefined, raws)],
  [
    "extra-key",
    (rng, c, { raws }) => {
      const target =
        isObject(c.message) && isObject(c.message.params) && rng.chance(0.5) ? c.message.params : c.message;
      if (isObject(target))
        target[rng.pick(["__proto__", "constructor", "_meta", "extra", "\u0000", "😀", "arguments"])] = nastyValue(
          rng,
          raws,
          0,
        );
    },
  ],
  [
    "foreign-object",
    (rng, c, { other }) => {
      // Another tenant's ids where ours belong.
      const text = JSON.stringify(c.message).replaceAll(
        /"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/g,
        () => JSON.stringify(rng.pick([other.workspaceId, ...other.documentIds])),
      );
      c.message = JSON.parse(text) as Json;
    },
  ],
  [
    "batch",
    (rng, c) => {
      c.message = rng.chance(0.2) ? [] : Array.from({ length: 1 + rng.int(4) }, () => c.message);
    },
  ],
  [
    "whole-body",
    (rng, c, { raws }) => {
      c.message = nastyValue(rng, raws, 0);
    },
  ],
  [
    "deep-nesting",
    (rng, c) => {
      const depth = rng.pick([64, 1000, 10_000, 100_000]);
      const [open, close] = rng.pick([
        ["[", "]"],
        ['{"a":', "}"],
      ]);
      const inner = `${open.repeat(depth)}1${close.repeat(depth)}`;
      const where = rng.int(3);
      if (where === 0) c.body = inner;
      else if (where === 1) c.body = JSON.stringify(c.message).replace(/\}$/, `,"params":{"deep":${inner}}}`);
      else c.body = JSON.stringify(c.message).replace(/"arguments":\{/, `"arguments":{"deep":${inner},`);
    },
  ],
  [
    "huge-string",
    (rng, c) => {
      // Mostly large but accepted; now and then over the 1 MiB cap (413).
      const size = rng.pick([20_000, 20_000, 200_000, 1_100_000]);
      c.body = JSON.stringify(c.message).replace(/\}$/, `,"pad":"${"x".repeat(size)}"}`);
    },
  ],
  [
    "duplicate-keys",
    (rng, c) => {
      c.body = JSON.stringify(c.message).replace(
        /^\{/,
        `{"method":${JSON.stringify(rng.pick(NASTY_STRINGS))},"id":{},`,
      );
    },
  ],
  [
    "bytes",
    (rng, c, { raws }) => {
      const text = c.body === undefined ? serialize(c.message, raws) : typeof c.body === "string" ? c.body : "";
      const bytes = new TextEncoder().encode(text);
      const out = rng.chance(0.3) ? bytes.slice(0, rng.int(bytes.length + 1)) : bytes.slice();
      for (let i = 0, n = 1 + rng.int(8); i < n && out.length; i++) out[rng.int(out.length)] = rng.int(256);
      c.body = rng.chance(0.2) ? new Uint8Array([0xef, 0xbb, 0xbf, ...out]) : out;
    },
  ],
  [
    "truncate",
    (rng, c, { raws }) => {
      const text = c.body === undefined ? serialize(c.message, raws) : typeof c.body === "string" ? c.body : "";
      c.body = text.slice(0, rng.int(text.length));
    },
  ],
  [
    "trailing",
    (rng, c, { raws }) => {
      const text = c.body === undefined ? serialize(c.message, raws) : typeof c.body === "string" ? c.body : "";
      c.body = text + rng.pick([" ", "\n\n", "}", ",", "garbage", "\u0000", text]);
    },
  ],
];

const PAYLOAD_MUTATIONS = MUTATIONS.filter(([name]) => ["param-leaf", "extra-key", "foreign-object"].includes(name));

/** A random JSON value, biased towards values that have broken things before. */
function nastyValue(rng: Rng, raws: string[], depth: number): Json {
  switch (rng.int(depth > 3 ? 5 : 8)) {
    case 0:
      return rng.pick([null, true, false]);
    case 1: {
      const n = rng.pick(NASTY_NUMBERS);
      if (typeof n === "number") return n;
      raws.push(n.raw);
      return `__RAW_${raws.length - 1}__`;
    }
    case 2:
      return rng.pick(NASTY_STRINGS);
    case 3:
      return rng.string(rng.int(50), 'abc "\\/\b\f\n\r\t\u0001\u007f\u0080é中😀');
    case 4:
      return [8, 4, 4, 4, 12].map((n) => rng.string(n, "0123456789abcdef")).join("-");
    case 5:
      return Array.from({ length: rng.int(4) }, () => nastyValue(rng, raws, depth + 1));
    default: {
      const o: Record<string, Json> = {};
      for (let i = 0, n = rng.int(4); i < n; i++)
        o[rng.pick(["name", "arguments", "id", "uri", "query", "limit", "cursor", "__proto__", rng.string(4, "abc")])] =
          nastyValue(rng, raws, depth + 1);
      return o;
    }
  }
}

/** Replaces one random leaf (or inner value) of the message with a nasty value. */
function replaceLeaf(rng: Rng, message: Json | undefined, raws: string[]): void {
  let node = message;
  for (let depth = 0; depth < 6; depth++) {
    const keys = isObject(node) ? Object.keys(node) : Array.isArray(node) ? node.map((_, i) => String(i)) : [];
    if (!keys.length) return;
    const key = rng.pick(keys);
    const child = (node as Record<string, Json>)[key] as Json;
    if (rng.chance(0.4) || (!isObject(child) && !Array.isArray(child))) {
      (node as Record<string, Json>)[key] = nastyValue(rng, raws, 0);
      return;
    }
    node = child;
  }
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** JSON text of the message with raw number literals spliced in for their placeholders. */
function serialize(message: Json, raws: string[]): string {
  return JSON.stringify(message).replaceAll(/"__RAW_(\d+)__"/g, (_, i: string) => raws[Number(i)] ?? "0");
}

/** A tool call's `workspace_id` argument, if any. */
function workspaceArg(params: Record<string, Json>): Json | undefined {
  const args = params.arguments;
  return typeof args === "object" && args !== null && !Array.isArray(args) ? args.workspace_id : undefined;
}
