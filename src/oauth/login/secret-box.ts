/**
 * Sealing of the per-tenant OpenID Connect client secrets: AES-256-GCM under the Worker secret LOGIN_SECRET_KEY,
 * with the tenant id as additional authenticated data. WebCrypto only, so the same code seals in the admin CLI (Node)
 * and opens in the Worker. The stored form is `v1.<iv>.<ciphertext and tag>`, base64url; the version names the
 * format, so a later key rotation can add a `v2` without guessing.
 */

/** A WebCrypto key, spelled this way so the module typechecks against both the Workers and the Node type libraries. */
type AesKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
import { base64UrlToBytes, bytesToBase64Url } from "../../encoding/base64url.ts";

const VERSION = "v1";
const IV_BYTES = 12;

/** Why a secret could not be sealed or opened; the message never quotes a secret. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}

let cachedKey: { raw: string; key: Promise<AesKey> } | undefined;

/**
 * Whether `raw` is a usable LOGIN_SECRET_KEY: 32 random bytes in base64url (43 characters), as
 * `node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"` prints.
 */
export function isLoginSecretKey(raw: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(raw) && base64UrlToBytes(raw).length === 32;
}

function importKey(raw: string): Promise<AesKey> {
  if (!raw) throw new SecretBoxError("LOGIN_SECRET_KEY is not set");
  if (!isLoginSecretKey(raw))
    throw new SecretBoxError("LOGIN_SECRET_KEY must be 32 bytes in base64url (43 characters)");
  // One import per isolate: the key is fixed per deployment.
  if (cachedKey?.raw !== raw) {
    cachedKey = {
      raw,
      key: crypto.subtle.importKey("raw", base64UrlToBytes(raw), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]),
    };
  }
  return cachedKey.key;
}

/** Seals `secret` for tenant `tenantId`: the stored form, `v1.<iv>.<ciphertext>`. */
export async function sealSecret(keyRaw: string, tenantId: string, secret: string): Promise<string> {
  const key = await importKey(keyRaw);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(tenantId) },
    key,
    new TextEncoder().encode(secret),
  );
  return `${VERSION}.${bytesToBase64Url(iv)}.${bytesToBase64Url(new Uint8Array(sealed))}`;
}

/**
 * Opens what {@link sealSecret} sealed for the same tenant under the same key. Throws {@link SecretBoxError} when the
 * form is unknown, the key differs, the data was altered, or it was sealed for another tenant.
 */
export async function openSecret(keyRaw: string, tenantId: string, sealed: string): Promise<string> {
  const key = await importKey(keyRaw);
  const [version, iv, data] = sealed.split(".");
  if (version !== VERSION || !iv || !data) throw new SecretBoxError("the sealed secret has an unknown form");
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: base64UrlToBytes(iv), additionalData: new TextEncoder().encode(tenantId) },
      key,
      base64UrlToBytes(data),
    );
    return new TextDecoder().decode(plain);
  } catch {
    throw new SecretBoxError("the sealed secret does not open with LOGIN_SECRET_KEY for this tenant");
  }
}
