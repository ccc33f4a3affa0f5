import type { RequestContext } from "../context.ts";
import { throttleByAddress } from "../http/throttle.ts";
import { parseApiKey } from "./api-key.ts";
import { bearerToken } from "./authenticate.ts";
import { recall, type Recollection } from "./recall.ts";

/** The API key a request presents, read once: the token, its key id when well formed, and what the isolate recalls. */
export interface PresentedKey {
  token: string | null;
  /** `null` for a missing or malformed key (it fails without store work). */
  keyId: string | null;
  /** Set when this isolate remembers the exact token as valid ({@link recall}). */
  remembered: Recollection | undefined;
}

/** Reads the request's API key once, for admission and the throttle to share. */
export function presentedKey(request: Request, now: number): PresentedKey {
  const token = bearerToken(request);
  if (token === null) return { token, keyId: null, remembered: undefined };
  return { token, keyId: parseApiKey(token)?.keyId ?? null, remembered: recall(token, now) };
}

/**
 * Throttles, per client address (AUTH_LIMITER), the authentication attempts that cost store work before they can
 * fail: a well-formed API key that this isolate does not remember as valid is a Redis lookup and, for a key id that
 * is not cached, a Postgres lookup and a Redis entry. A flood of random key ids from one address is refused with 429
 * before most of them reach either store.
 *
 * The binding cannot check without counting, and whether a key is bad is only known after the lookup, so what counts
 * is every attempt the isolate cannot vouch for: bad keys, and a good key's first request in an isolate. A key it
 * remembers as valid ({@link recall}) is not counted nor refused, so an address flooding garbage cannot lock out a
 * working key, not even its own. A missing or malformed key fails without store work and is not counted either.
 *
 * @throws {HttpError} 429 with Retry-After when the address is over its limit.
 */
export async function throttleUnrememberedKey(
  request: Request,
  rc: RequestContext,
  key: PresentedKey = presentedKey(request, rc.now()),
): Promise<void> {
  if (key.keyId === null || key.remembered !== undefined) return;
  await throttleByAddress(rc.throttles.authentication, request, rc.log, "authentication");
}
