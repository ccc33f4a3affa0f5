/**
 * What a running local cloud announces with `--ready-json` (one JSON line on stdout): everything a program that
 * started it needs to reach it. Plain data with no imports, so the tests inside workerd can name it too.
 */
export interface ReadyInfo {
  /** Value for `neonConfig.fetchEndpoint`, e.g. `http://127.0.0.1:4444/sql`. */
  neonHttpEndpoint: string;
  /** Value returned by `neonConfig.wsProxy`, e.g. `127.0.0.1:4444/v1`. */
  neonWsProxy: string;
  /** Value for `UPSTASH_REDIS_REST_URL`. */
  upstashUrl: string;
  upstashToken: string;
  /**
   * Every Upstash database the cloud serves, in shard order (the first is `upstashUrl`): the value of the Worker's
   * `UPSTASH_SHARDS` (as JSON). One entry unless the cloud was started with `--redis-shards`.
   */
  upstashShards: { url: string; token: string }[];
  /** `GET` for counters, `POST <statsUrl>/reset` to zero them. */
  statsUrl: string;
  /** Control endpoint of injected faults (`POST` a rule, `DELETE` to clear). */
  faultsUrl: string;
  /** The superuser the migrations ran as. */
  adminDatabaseUrl: string;
  /** Which engines back the adapters: real servers, or the embedded fallbacks. */
  engines: { postgres: "server" | "pglite"; redis: "server" | "memory" };
}
