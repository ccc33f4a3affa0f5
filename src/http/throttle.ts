import type { Logger } from "../log/logger.ts";
import { HttpError } from "./errors.ts";

/**
 * Seconds a throttled client is told to wait: the `period` of the throttle bindings in wrangler.toml. Their windows
 * are fixed, so a full period is always enough.
 */
const THROTTLE_PERIOD_SECONDS = 10;

/** A Workers Rate Limiting binding, as narrow as a throttle needs it. */
export type AddressLimiter = Pick<RateLimit, "limit">;

/**
 * The client's address as Cloudflare reports it (CF-Connecting-IP, which it sets on every request from the internet
 * and a client cannot forge), or `null` for a request that did not come through Cloudflare's edge: a service binding,
 * or a test calling the Worker directly. Those are not throttled.
 */
function clientAddress(request: Request): string | null {
  return request.headers.get("cf-connecting-ip");
}

/**
 * Counts one request of the client's address in `limiter` (a Workers Rate Limiting binding: local to the Worker's
 * location, no Postgres or Redis) and throws 429 with Retry-After when the address is over its limit. The binding
 * counts on every call, so call this only for requests that should count. If the binding itself fails, the request
 * goes through with a warning: the throttle shields the stores, it is not what keeps tenants apart.
 *
 * @throws {HttpError} 429 when the address is over its limit.
 */
export async function throttleByAddress(
  limiter: AddressLimiter,
  request: Request,
  log: Logger,
  what: string,
): Promise<void> {
  const address = clientAddress(request);
  if (address === null) return;
  let success: boolean;
  try {
    ({ success } = await limiter.limit({ key: address }));
  } catch (err) {
    log.warn(`${what} throttle unavailable, letting the request through`, {
      error: err instanceof Error ? err : String(err),
    });
    return;
  }
  if (!success) {
    throw new HttpError(429, "Too many requests from this address", {
      headers: { "retry-after": String(THROTTLE_PERIOD_SECONDS) },
      internal: `${what} throttle: client address over its limit`,
    });
  }
}
