/**
 * Sealing of per-tenant secrets kept in the database: AES-256-GCM under a Worker secret, with the tenant id as
 * additional authenticated data (a sealed value copied into another tenant's row does not open). Two secrets use it:
 * LOGIN_SECRET_KEY for tenants' OpenID Connect client secrets, DATA_SECRET_KEY for dedicated databases' connection
 * strings. WebCrypto only, so the same code seals in the admin CLI (Node) and opens in the Worker. The stored form is
 * `v1.<iv>.<ciphertext and tag>`, base64url; the version names the format, so a later key rotation can add a `v2`
 * without guessing.
 */

/** A WebCrypto key, spelled this way so the module typechecks against both the Workers and the Node type libraries. */
type AesKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
import { base64UrlToBytes, bytesToBase64Url } from "../encoding/base64url.ts";

const VERSION = "v1";
const IV_BYTES = 12;

/** Why a secret could not be sealed or opened; the message never quotes a secret. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}

/** A sealing key: the secret's value, and its name for messages (never the value). */
export interface SealingKey {
  /** The secret's name, e.g. `LOGIN_SECRET_KEY`. */
  name: string;
  /** Its value (empty when unset). */
  raw: string;
}

// One import per key value per isolate: the keys are fixed per deployment.
const imported = new Map<string, Promise<AesKey>>();

/**
 * Whether `raw` is a usable sealing key: 32 random bytes in base64url (43 characters), as
 * `node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"` prints.
 */
export function isSealingKey(raw: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(raw) && base64UrlToBytes(raw).length === 32;
}

function importKey({ name, raw }: SealingKey): Promise<AesKey> {
  if (!raw) throw new SecretBoxError(`${name} is not set`);
  if (!isSealingKey(raw)) throw new SecretBoxError(`${name} must be 32 bytes in base64url (43 characters)`);
  let key = imported.get(raw);
  if (!key) {
    key = crypto.subtle.importKey("raw", base64UrlToBytes(raw), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    imported.set(raw, key);
  }
  return key;
}

/** Seals `secret` for tenant `tenantId`: the stored form, `v1.<iv>.<ciphertext>`. */
export async function sealSecret(sealingKey: SealingKey, tenantId: string, secret: string): Promise<string> {
  const key = await importKey(sealingKey);
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
export async function openSecret(sealingKey: SealingKey, tenantId: string, sealed: string): Promise<string> {
  const key = await importKey(sealingKey);
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
    throw new SecretBoxError(`the sealed secret does not open with ${sealingKey.name} for this tenant`);
  }
}
