/**
 * The deployment's `API_KEY_PEPPER` as a WebCrypto HMAC-SHA-256 key: API-key secrets are hashed under it, and the
 * request-state key is derived from it. Imported once per isolate (the pepper is fixed per deployment), which saves a
 * WebCrypto call per request.
 */

/** A WebCrypto key, spelled this way so the module typechecks against both the Workers and the Node type libraries. */
export type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

let cachedKey: { pepper: string; key: Promise<HmacKey> } | undefined;

/** The pepper as an HMAC-SHA-256 key for `sign` and `verify`; throws when the pepper is empty (not configured). */
export function pepperKey(pepper: string): Promise<HmacKey> {
  if (!pepper) throw new Error("API_KEY_PEPPER is not set");
  if (cachedKey?.pepper !== pepper) {
    const key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(pepper),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    cachedKey = { pepper, key };
  }
  return cachedKey.key;
}
