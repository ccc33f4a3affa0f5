/**
 * API keys: `tmcp_<key id>_<secret>`. The key id is public (it names the row); only HMAC-SHA-256(pepper, secret) is
 * stored. Pure WebCrypto, so the Worker and the Node scripts (dev keys, admin CLI) share this module.
 */
import { toHex } from "../crypto/digest.ts";
import { pepperKey } from "./pepper-key.ts";

/** Every key starts with this, so leaked keys are easy to scan for. */
export const API_KEY_PREFIX = "tmcp_";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"; // RFC 4648 base32, lower-case: no "_" so the format splits cleanly
const KEY_ID_LENGTH = 16; // 80 bits: collisions are not a concern at any realistic key count
const SECRET_LENGTH = 40; // 200 bits
const KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}([a-z2-7]{${KEY_ID_LENGTH}})_([a-z2-7]{${SECRET_LENGTH}})$`);

/** A key split into its parts. */
export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

/** Splits a presented key; `null` for anything that is not exactly our format (so lookups never see junk). */
export function parseApiKey(key: string): ParsedApiKey | null {
  const m = KEY_PATTERN.exec(key);
  return m ? { keyId: m[1] as string, secret: m[2] as string } : null;
}

/** A new key: the full key (shown once), its id and the hash to store. */
export async function mintApiKey(pepper: string): Promise<{ apiKey: string; keyId: string; secretHash: string }> {
  const keyId = randomBase32(KEY_ID_LENGTH);
  const secret = randomBase32(SECRET_LENGTH);
  return { apiKey: `${API_KEY_PREFIX}${keyId}_${secret}`, keyId, secretHash: await hashSecret(pepper, secret) };
}

/**
 * HMAC-SHA-256(pepper, secret) as lower-case hex: the only form of a secret that is stored (API keys, operator
 * tokens).
 */
export async function hashSecret(pepper: string, secret: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await pepperKey(pepper), new TextEncoder().encode(secret));
  return toHex(new Uint8Array(mac));
}

/**
 * Whether `secret` matches the stored hash. WebCrypto's HMAC verify compares in constant time, so the comparison
 * leaks nothing about how much of the hash matched.
 */
export async function verifySecret(pepper: string, secret: string, storedHash: string): Promise<boolean> {
  const expected = fromHex(storedHash);
  if (!expected) return false;
  return crypto.subtle.verify("HMAC", await pepperKey(pepper), expected, new TextEncoder().encode(secret));
}

/** `length` random characters of lower-case RFC 4648 base32 (5 bits each). */
export function randomBase32(length: number): string {
  // 256 is a multiple of 32, so `byte % 32` is uniform.
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const b of bytes) out += ALPHABET[b % 32];
  return out;
}

function fromHex(hex: string): Uint8Array | null {
  if (!/^[0-9a-f]{64}$/.test(hex)) return null;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
