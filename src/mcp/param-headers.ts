import { HttpError } from "../http/errors.ts";
import type { ToolListing } from "../tools/types.ts";

/**
 * MCP 2026-07-28 custom headers (SEP-2243). A tool marks an argument with `x-mcp-header: Name` in its input schema;
 * clients then mirror the argument's value into an `Mcp-Param-Name` header, so a gateway (or this Worker's log line)
 * sees it without parsing the body. The server must check that the header says what the body says: a header that
 * disagrees, is missing while the body has the value, or carries a malformed Base64 value is refused with 400 and
 * -32020 (HeaderMismatch), before the tool runs. The v2 SDK does this for its McpServer only; this lane serves tools
 * with the low-level Server, so the check is here.
 */

/** JSON-RPC error code of a header that disagrees with the body (MCP 2026-07-28). */
export const HEADER_MISMATCH = -32020;

/** One argument a tool mirrors into a header. */
export interface ParamHeader {
  /** The argument's name in `arguments` (top-level properties only: every tool here takes a flat object). */
  argument: string;
  /** The header's name after `Mcp-Param-`. */
  header: string;
  /** The argument's JSON Schema type: integers and numbers compare as numbers. */
  type: string | undefined;
}

const BASE64_PREFIX = "=?base64?";
const BASE64_SUFFIX = "?=";
const BASE64_CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CANONICAL_DECIMAL = /^-?\d+(\.\d+)?$/;

// Listings are frozen at module scope; their declarations are read once per isolate.
const DECLARED = new WeakMap<ToolListing, readonly ParamHeader[]>();

/** The arguments a tool's listing marks with `x-mcp-header`. */
export function paramHeadersOf(listing: ToolListing): readonly ParamHeader[] {
  let found = DECLARED.get(listing);
  if (!found) {
    const properties = (listing.inputSchema as { properties?: Record<string, Record<string, unknown>> }).properties;
    found = Object.freeze(
      Object.entries(properties ?? {}).flatMap(([argument, schema]) =>
        typeof schema["x-mcp-header"] === "string"
          ? [{ argument, header: schema["x-mcp-header"], type: schema.type as string | undefined }]
          : [],
      ),
    );
    DECLARED.set(listing, found);
  }
  return found;
}

/**
 * Checks a `tools/call`'s `Mcp-Param-*` headers against its arguments. An argument that is absent or null needs no
 * header (a header sent anyway is ignored); any other value needs its header, decoded (`=?base64?…?=` is UTF-8 in
 * canonical Base64; anything else is taken literally) to the same value. Returns the checked values by header name
 * (after `Mcp-Param-`). Throws {@link HttpError} 400 / -32020 naming the header, never the value (it may be personal
 * data, and the message is logged).
 */
export function checkParamHeaders(listing: ToolListing, args: unknown, headers: Headers): Map<string, string> {
  const checked = new Map<string, string>();
  const declared = paramHeadersOf(listing);
  if (declared.length === 0) return checked;
  const values = typeof args === "object" && args !== null ? (args as Record<string, unknown>) : {};
  for (const d of declared) {
    const body = values[d.argument];
    if (body === undefined || body === null) continue;
    const expected = asHeaderText(body);
    if (expected === undefined) continue;
    const name = `Mcp-Param-${d.header}`;
    const sent = headers.get(name);
    if (sent === null) throw mismatch(name, `the ${name} header is missing, and the arguments carry ${d.argument}`);
    const decoded = decodeParamValue(sent);
    if (decoded === undefined) throw mismatch(name, `the ${name} header carries an invalid Base64 value`);
    const numeric = (d.type === "integer" || d.type === "number") && typeof body === "number";
    const equal = numeric && CANONICAL_DECIMAL.test(decoded) ? Number(decoded) === body : decoded === expected;
    if (!equal) throw mismatch(name, `the ${name} header does not match the argument ${d.argument}`);
    checked.set(d.header, decoded);
  }
  return checked;
}

/** The header text of a primitive argument (strings as they are, numbers in decimal, booleans in lower case). */
function asHeaderText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A header value as text: the Base64 form decoded, anything else literally; undefined for malformed Base64. */
export function decodeParamValue(value: string): string | undefined {
  // The wrapper is prefix and suffix apart: "=?base64?=" shares its "?" between them and is a literal.
  const wrapped =
    value.length >= BASE64_PREFIX.length + BASE64_SUFFIX.length &&
    value.startsWith(BASE64_PREFIX) &&
    value.endsWith(BASE64_SUFFIX);
  if (!wrapped) return value;
  const b64 = value.slice(BASE64_PREFIX.length, value.length - BASE64_SUFFIX.length);
  if (!BASE64_CANONICAL.test(b64)) return undefined;
  try {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

function mismatch(header: string, why: string): HttpError {
  return new HttpError(400, `Bad Request: the request headers and body disagree: ${why}`, {
    code: HEADER_MISMATCH,
    data: { mismatch: { header } },
  });
}
