import type { Credential } from "../auth/principal.ts";

/** Where a client puts the key in a `tools/call`'s `params._meta` (a reverse-DNS name of our own, per MCP `_meta`). */
export const IDEMPOTENCY_META_KEY = "io.tenant-mcp/idempotency-key";

/** The HTTP header that carries the key when `_meta` does not (the name of draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_HEADER = "idempotency-key";

/** The `_meta` flag of a result that is the stored answer of an earlier call with the same key. */
export const IDEMPOTENT_REPLAY_META_KEY = "io.tenant-mcp/idempotent-replay";

// 1 to 255 visible ASCII characters (0x21-0x7E): no spaces, no control characters, nothing a log line or header
// could misread. The table's check constraint says the same (sql/data/002_idempotency_keys.sql).
const KEY = /^[!-~]{1,255}$/;

/** The key of one request as sent, or why it is refused. `key` is absent when the request carries none. */
export type KeyRead = { ok: true; key?: string } | { ok: false; message: string };

/**
 * The idempotency key of a `tools/call`, from `params._meta` or else the `Idempotency-Key` header. A request may carry
 * both only when they agree. Pure: the lane turns a refusal into JSON-RPC -32602.
 */
export function readIdempotencyKey(meta: unknown, header: string | null): KeyRead {
  const fromMeta =
    typeof meta === "object" && meta !== null ? (meta as Record<string, unknown>)[IDEMPOTENCY_META_KEY] : undefined;
  if (fromMeta !== undefined && typeof fromMeta !== "string")
    return { ok: false, message: `Invalid idempotency key: _meta["${IDEMPOTENCY_META_KEY}"] must be a string.` };
  if (fromMeta !== undefined && header !== null && fromMeta !== header)
    return {
      ok: false,
      message: `Invalid idempotency key: the Idempotency-Key header and _meta["${IDEMPOTENCY_META_KEY}"] differ; send one.`,
    };
  const key = fromMeta ?? header ?? undefined;
  if (key === undefined) return { ok: true };
  if (!KEY.test(key))
    return {
      ok: false,
      message:
        "Invalid idempotency key: it must be 1 to 255 visible ASCII characters (no spaces or control characters).",
    };
  return { ok: true, key };
}

/** The credential a key belongs to, as stored with it: two credentials of one tenant never share a key. */
export function keyOwner(credential: Credential): string {
  return `${credential.kind}:${credential.id}`;
}
