import pg from "pg";
import type { ConnTarget } from "./http-request.ts";

/** Options of {@link createPools}. */
interface PoolsOptions {
  host: string;
  port: number;
  /** Connections per (user, database, password). Default 10. */
  max?: number;
  /** Idle connections close after this many ms. Default 30000. */
  idleTimeoutMs?: number;
}

/** Connection pools of the HTTP adapter, one per login, like Neon's proxy pools per (user, database). */
interface Pools {
  /** Checks out a connection for `target`; the caller must `release()` it (with `true` to destroy it). */
  connect(target: ConnTarget): Promise<pg.PoolClient>;
  /** Closes every pool. */
  close(): Promise<void>;
}

/**
 * Creates the pools. The password is part of the key, so a pooled connection is never handed to a request that
 * names a different password (with trust auth it makes no difference; with password auth it would be a bypass).
 */
export function createPools(o: PoolsOptions): Pools {
  const pools = new Map<string, pg.Pool>();
  return {
    connect(target) {
      const key = JSON.stringify([target.user, target.database, target.password ?? null]);
      let pool = pools.get(key);
      if (!pool) {
        pool = new pg.Pool({
          host: o.host,
          port: o.port,
          user: target.user,
          password: target.password,
          database: target.database,
          application_name: "neon-local-http",
          max: o.max ?? 10,
          idleTimeoutMillis: o.idleTimeoutMs ?? 30_000,
          connectionTimeoutMillis: 10_000,
          // Idle pooled connections must not keep the local cloud process alive.
          allowExitOnIdle: true,
        });
        // An idle connection that dies (server restart) emits here; the pool drops it, nothing else to do.
        pool.on("error", () => {});
        pools.set(key, pool);
      }
      return pool.connect();
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((p) => p.end()));
    },
  };
}
