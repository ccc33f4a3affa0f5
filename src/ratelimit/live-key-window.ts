import type { RatelimitConfig } from "@upstash/ratelimit";
import { runKnownScript } from "../redis/script.ts";
import { rateLimitWindowKey } from "../redis/keys.ts";

/**
 * The sliding window of @upstash/ratelimit 2.2.0 (`slidingWindowLimitScript`, single region, no dynamic limit), with
 * one precondition in front: the key's cache entry (KEYS[1]) must still begin with `fingerprint` (ARGV[4]), the
 * serialized identity and validity of the record the key last verified against ({@link recordFingerprint}). A revoked,
 * expired, rotated, invalidated or uncached key makes it return {-2, limit} and count nothing. Checking the entry and
 * counting in one script is what makes this atomic: a check in the isolate would race every request in flight.
 *
 * Counter keys and arithmetic are the library's, so this and `Ratelimit.slidingWindow` count into the same window.
 * `string.sub` and a plain comparison, not cjson: the local cloud's in-process store has no cjson.
 */
export const LIVE_KEY_WINDOW_SCRIPT = `#!lua flags=allow-key-locking
local keyEntry    = KEYS[1]
local currentKey  = KEYS[2]
local previousKey = KEYS[3]
local tokens      = tonumber(ARGV[1])
local now         = ARGV[2]
local window      = ARGV[3]
local fingerprint = ARGV[4]

local entry = redis.call("GET", keyEntry)
if not entry or string.sub(entry, 1, #fingerprint) ~= fingerprint then
  return {-2, tokens}
end

local requestsInCurrentWindow = redis.call("GET", currentKey)
if requestsInCurrentWindow == false then
  requestsInCurrentWindow = 0
end
local requestsInPreviousWindow = redis.call("GET", previousKey)
if requestsInPreviousWindow == false then
  requestsInPreviousWindow = 0
end
local percentageInCurrent = ( now % window ) / window
requestsInPreviousWindow = math.floor(( 1 - percentageInCurrent ) * requestsInPreviousWindow)

if requestsInPreviousWindow + requestsInCurrentWindow >= tokens then
  return {-1, tokens}
end

local newValue = redis.call("INCRBY", currentKey, 1)
if newValue == 1 then
  redis.call("PEXPIRE", currentKey, window * 2 + 1000)
end
return {tokens - ( newValue + requestsInPreviousWindow ), tokens}
`;

/** SHA-1 of {@link LIVE_KEY_WINDOW_SCRIPT}, as EVALSHA names it (a test recomputes it). */
export const LIVE_KEY_WINDOW_SHA1 = "3490a1d8f9080cae66a8b632c44023b937b8e2ce";

/** The key check a {@link liveKeyWindow} makes before it counts. */
export interface LiveKeyCheck {
  /** Redis key of the key's cache entry. */
  cacheKey: string;
  /** What that entry must begin with. */
  fingerprint: string;
}

/**
 * A sliding window of `tokens` per `windowMs` for the `Ratelimit` class that counts only while `check` holds, in the
 * same EVALSHA. `onKeyNotLive` is called when it did not hold; the response then says `success: false`.
 */
export function liveKeyWindow(
  tokens: number,
  windowMs: number,
  check: LiveKeyCheck,
  onKeyNotLive: () => void,
): RatelimitConfig["limiter"] {
  return () => ({
    async limit(ctx, identifier) {
      const now = Date.now();
      const currentWindow = Math.floor(now / windowMs);
      // `identifier` is the limiter's `tmcp:rl:<tenantId>`: the same counters as Ratelimit.slidingWindow's.
      const keys = [
        check.cacheKey,
        rateLimitWindowKey(identifier, currentWindow),
        rateLimitWindowKey(identifier, currentWindow - 1),
      ];
      const args = [tokens, now, windowMs, check.fingerprint];
      const reply = await runKnownScript<[number, number]>(
        ctx.redis,
        { source: LIVE_KEY_WINDOW_SCRIPT },
        LIVE_KEY_WINDOW_SHA1,
        keys,
        args,
      );
      const [remaining, limit] = reply;
      if (remaining === -2) onKeyNotLive();
      return {
        success: remaining >= 0,
        limit,
        remaining: Math.max(0, remaining),
        reset: (currentWindow + 1) * windowMs,
        pending: Promise.resolve(),
      };
    },
    getRemaining() {
      return Promise.reject(new Error("not used: the window is read through Ratelimit.slidingWindow"));
    },
    resetTokens() {
      return Promise.reject(new Error("not used"));
    },
  });
}
