import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { Config } from "../config.ts";
import { SESSION_REVISIONS } from "../mcp/era.ts";
import { HttpError, RpcCode } from "./errors.ts";
import { JsonRpcMessageSchema } from "./jsonrpc.ts";
import { ORIGIN_NOT_ALLOWED, unsupportedVersion } from "./messages.ts";

/**
 * Rejects a browser request from an origin that is not allowed (DNS-rebinding protection, MCP 2025-11-25
 * "Security Warning": servers MUST validate Origin). A request without Origin is a non-browser client and passes.
 * Allowed: the origins in ALLOWED_ORIGINS and, on the local stack only (ALLOW_LOCALHOST_ORIGINS), loopback origins.
 */
export function checkOrigin(request: Request, config: Config): void {
  const origin = request.headers.get("origin");
  if (origin === null || isAllowedOrigin(origin, config)) return;
  throw new HttpError(403, ORIGIN_NOT_ALLOWED, { internal: `origin ${origin.slice(0, 200)} not in ALLOWED_ORIGINS` });
}

/** Whether a browser on `origin` may call the Worker: it is in ALLOWED_ORIGINS, or loopback on the local stack. */
export function isAllowedOrigin(origin: string, config: Config): boolean {
  return config.allowedOrigins.has(origin) || (config.allowLocalhostOrigins && isLoopbackOrigin(origin));
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether `origin` is exactly an http(s) origin on this machine: host `localhost`, `127.0.0.1` or `[::1]`, any port.
 * It must be a bare origin as browsers send it (no path, no user info), and the host must match whole, so
 * `localhost.evil.com` and `127.0.0.1.evil.com` (names an attacker controls) do not pass.
 */
export function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (
    (url.protocol === "http:" || url.protocol === "https:") && url.origin === origin && LOOPBACK_HOSTS.has(url.hostname)
  );
}

/** Checks the media types a POST to `/mcp` must carry (Streamable HTTP: JSON body, JSON or SSE reply). */
export function checkMediaTypes(request: Request): void {
  const contentType = request.headers.get("content-type");
  if (contentType?.split(";")[0]?.trim().toLowerCase() !== "application/json") {
    throw new HttpError(415, "Content-Type must be application/json");
  }
  const accepted = acceptedMediaTypes(request.headers.get("accept") ?? "");
  if (!accepted.has("application/json") || !accepted.has("text/event-stream")) {
    throw new HttpError(406, "Accept must include application/json and text/event-stream");
  }
}

/**
 * The media types an `Accept` header names with a weight above zero, lower-cased and without parameters. RFC 9110
 * 12.5.1: `q=0` means "not acceptable", so a type listed only with `q=0` is not in the set.
 */
function acceptedMediaTypes(accept: string): Set<string> {
  const types = new Set<string>();
  for (const range of accept.split(",")) {
    const [type, ...params] = range.split(";").map((p) => p.trim().toLowerCase());
    if (!type) continue;
    const q = params.find((p) => /^q\s*=/.test(p));
    if (q !== undefined && !(Number(q.slice(q.indexOf("=") + 1).trim()) > 0)) continue;
    types.add(type);
  }
  return types;
}

/**
 * Reads the body up to `maxBytes`. A declared length over the cap fails before reading; a chunked body is counted
 * as it streams and the read stops at the first byte past the cap, so a huge body costs no more than the cap.
 */
export async function readBodyCapped(request: Request, maxBytes: number): Promise<string> {
  const tooLarge = (): HttpError => new HttpError(413, `Request body exceeds ${maxBytes} bytes`);
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * Refuses an `initialize` body over `maxBytes` (413). A real one is a few hundred bytes; a padded one would have cost
 * Redis its size per session before records were capped, and still costs parsing. Runs before authentication: the
 * answer reveals nothing and costs no upstream work.
 */
export function checkInitializeSize(body: string, maxBytes: number): void {
  // UTF-8 is at most 3 bytes per UTF-16 unit: most bodies need no encoding to be measured.
  if (body.length * 3 <= maxBytes) return;
  const bytes = new TextEncoder().encode(body).byteLength;
  if (bytes > maxBytes) {
    throw new HttpError(413, `initialize request exceeds ${maxBytes} bytes`, {
      code: RpcCode.InvalidRequest,
      internal: `initialize of ${bytes} bytes`,
    });
  }
}

/**
 * Parses one JSON-RPC message. Batches are refused: MCP 2025-06-18 removed JSON-RPC batching, and one message per
 * request keeps auth, rate limiting and logging one-to-one with work done.
 */
export function parseMessage(text: string): JSONRPCMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new HttpError(400, "Parse error: invalid JSON", { code: RpcCode.ParseError });
  }
  if (Array.isArray(raw)) {
    throw new HttpError(400, "Invalid Request: batch requests are not supported", { code: RpcCode.InvalidRequest });
  }
  const parsed = JsonRpcMessageSchema.safeParse(raw);
  if (!parsed.success) {
    throw new HttpError(400, "Invalid Request: not a JSON-RPC 2.0 message", { code: RpcCode.InvalidRequest });
  }
  return parsed.data;
}

/**
 * MCP 2025-06-18+: an `MCP-Protocol-Version` header the server does not support MUST get 400. The message lists what
 * the endpoint serves: the session-lane revisions checked here and `alsoServed` (revisions another lane answers).
 */
export function checkProtocolVersionHeader(request: Request, alsoServed: readonly string[] = []): void {
  const version = request.headers.get("mcp-protocol-version");
  if (version !== null && !SESSION_REVISIONS.includes(version)) {
    throw new HttpError(400, unsupportedVersion(version, [...alsoServed, ...SESSION_REVISIONS]), {
      code: RpcCode.InvalidRequest,
    });
  }
}
