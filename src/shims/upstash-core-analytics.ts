// Stands in for `@upstash/core-analytics` in the Worker's bundle (wrangler.toml [alias]). @upstash/ratelimit imports it
// for its optional analytics, which the limiter never turns on (`analytics: false`, src/ratelimit/limiter.ts): per-tenant
// figures come from our own usage counters. The stub keeps its Lua scripts out of the bundle and off start-up, and fails
// loudly if analytics is ever turned on.

/** Never constructed: see the module comment. */
export class Analytics {
  constructor() {
    throw new Error("@upstash/core-analytics is not bundled in the Worker: the rate limiter runs with analytics off");
  }
}
