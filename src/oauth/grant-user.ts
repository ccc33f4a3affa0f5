import { isUuid } from "../db/tenant-db.ts";
import { base64UrlToText, textToBase64Url } from "../encoding/base64url.ts";

/**
 * How the person behind a grant signed in: with one of the tenant's API keys (which one: revoking, rotating past its
 * grace period or the expiry of that key ends the grant too), or through the tenant's OpenID Connect provider.
 * Admission refuses a grant whose method the tenant has since switched off.
 */
export type GrantLogin = { method: "api_key"; keyId: string } | { method: "oidc" };

/**
 * What every grant carries (the library encrypts it; only a valid token of the grant decrypts it): the tenant the
 * user signed in to, who they are, when they signed in (which a revocation of all of a user's grants compares), and
 * how.
 */
export interface GrantProps {
  tenantId: string;
  subject: string;
  /** Epoch milliseconds of the sign-in that made the grant. */
  grantedAt: number;
  /** Absent on grants made before it was recorded: {@link loginOfGrant} reads it from the subject then. */
  login?: GrantLogin;
}

/**
 * How a grant's person signed in: its recorded method, or, for a grant made before methods were recorded, the one
 * its subject names (`key:<key id>` is an API key, `oidc:<sub>` the provider). `null`: neither (never made here).
 */
export function loginOfGrant(props: Pick<GrantProps, "subject" | "login">): GrantLogin | null {
  if (props.login) return props.login;
  return loginOfSubject(props.subject);
}

/** The method a subject names by its prefix (`key:<key id>`, `oidc:<sub>`), or `null`. Not a proof of anything. */
export function loginOfSubject(subject: string): GrantLogin | null {
  if (subject.startsWith("oidc:")) return { method: "oidc" };
  const keyId = subject.startsWith("key:") ? subject.slice(4) : "";
  return /^[a-z0-9]{1,64}$/.test(keyId) ? { method: "api_key", keyId } : null;
}

/**
 * The library's user id of a grant: `<tenant id>.<subject, base64url>`. The library puts it in every token
 * (`<user id>:<grant id>:<secret>`) and in its storage keys (`grant:<user id>:<grant id>`), so a token names its tenant
 * before any lookup (admission starts the tenant's Redis work in parallel with the token's validation, and trusts
 * nothing until the token validated), and one tenant's grants, or one user's, are a key prefix. The subject is
 * encoded because it may contain `:`, which the library reserves.
 */
export function grantUserId(tenantId: string, subject: string): string {
  return `${tenantId}.${textToBase64Url(subject)}`;
}

/** The storage-key prefix of a tenant's grants (`grant:<tenant id>.`), or of one user's when `subject` is given. */
export function grantPrefix(tenantId: string, subject?: string): string {
  return subject === undefined ? `grant:${tenantId}.` : `grant:${grantUserId(tenantId, subject)}:`;
}

/** The parts of a user id made by {@link grantUserId}, or `null` for anything else. */
export function parseGrantUserId(userId: string): { tenantId: string; subject: string } | null {
  const dot = userId.indexOf(".");
  if (dot < 0) return null;
  const tenantId = userId.slice(0, dot);
  const subject = textOf(userId.slice(dot + 1));
  if (!isUuid(tenantId) || subject === null || subject === "") return null;
  return { tenantId: tenantId.toLowerCase(), subject };
}

/** An access token of this server, read without any lookup: the tenant, subject and grant it claims to be of. */
export interface ClaimedToken {
  tenantId: string;
  subject: string;
  grantId: string;
}

/**
 * The tenant, subject and grant a bearer token names when it has the shape of this server's access tokens
 * (`<user id>:<grant id>:<secret>`), else `null`. A claim only: the token is valid once the library found it.
 */
export function claimOf(token: string): ClaimedToken | null {
  const parts = token.split(":");
  if (parts.length !== 3) return null;
  const [userId, grantId, secret] = parts as [string, string, string];
  if (!/^[A-Za-z0-9_-]{16}$/.test(grantId) || secret.length < 16) return null;
  const user = parseGrantUserId(userId);
  return user ? { ...user, grantId } : null;
}

/** The text of a base64url part, or `null` when it is not base64url of UTF-8. */
function textOf(part: string): string | null {
  try {
    return base64UrlToText(part);
  } catch {
    return null;
  }
}
