import { createRequestStateCodec, type RequestStateCodec } from "@modelcontextprotocol/server";
import { pepperKey } from "../auth/pepper-key.ts";

/** How long a tool's question stays answerable: the sealed state expires after this. */
const REQUEST_STATE_TTL_SECONDS = 600;

/**
 * What travels in `requestState`: the asker (a tool's name, `prompt:<name>` for a prompt) with its state, so one
 * tool's or prompt's state cannot drive another; for a tool, the id that links the round trips of the call in the
 * audit log (so `usage` counts the call once, with the outcome of its last round trip).
 */
export interface SealedToolState {
  tool: string;
  state: unknown;
  /** The audit link of the call (a UUID); absent in state sealed before the audit log linked round trips. */
  call?: string;
}

// Domain separation: the pepper keys API-key hashes; request state gets its own key derived from it.
const KEY_LABEL = new TextEncoder().encode("tenant-mcp/request-state/v1");

/**
 * The codec that seals and verifies the multi round-trip `requestState` of one tenant's requests (MCP 2026-07-28:
 * the state round-trips through the client, so the server MUST protect its integrity). HMAC-SHA-256 under a key
 * derived from `API_KEY_PEPPER`, with an expiry, and bound to the tenant: state minted for one tenant fails
 * verification with another tenant's key. The client can read the state (signed, not encrypted): put no secrets in it.
 *
 * Returned lazily: the key is derived only by the requests that mint or verify state.
 */
export function requestStateCodec(pepper: string, tenantId: string): () => Promise<RequestStateCodec<SealedToolState>> {
  let codec: Promise<RequestStateCodec<SealedToolState>> | undefined;
  return () =>
    (codec ??= deriveKey(pepper).then((key) =>
      createRequestStateCodec<SealedToolState>({ key, ttlSeconds: REQUEST_STATE_TTL_SECONDS, bind: () => tenantId }),
    ));
}

async function deriveKey(pepper: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await pepperKey(pepper), KEY_LABEL));
}
