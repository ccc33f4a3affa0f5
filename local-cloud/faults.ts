import { ServerResponse, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import type { Stats } from "./stats.ts";

/** The upstreams a fault can hit: the Upstash adapter, and the Neon adapters (HTTP `/sql` and WebSocket `/v1`). */
const FAULT_TARGETS = ["redis", "postgres"] as const;
type FaultTarget = (typeof FAULT_TARGETS)[number];

/**
 * What a fault does to a request:
 * - `refuse`: the connection is reset at once (the client sees a network error, as when the service is down);
 * - `drop`: nothing is ever answered; the connection stays open until the client gives up (or the faults are cleared);
 * - `delay`: the request is served after `delayMs`;
 * - `error`: an HTTP error status with a body full of upstream detail (which must never reach a Worker's client).
 */
const FAULT_MODES = ["refuse", "drop", "delay", "error"] as const;
type FaultMode = (typeof FAULT_MODES)[number];

/**
 * When a fault strikes: `request` before the upstream sees the request (nothing runs), `response` after the upstream
 * ran it successfully (a write is committed) and before its answer goes out. The WebSocket path only has `request`
 * (at the upgrade); a `response` rule does not touch it.
 */
type FaultPhase = "request" | "response";

/** One target's fault. */
interface FaultRule {
  mode: FaultMode;
  /** For `delay`: milliseconds. Default 1000. */
  delayMs: number;
  /** Default `request`. */
  phase: FaultPhase;
  /** Only requests whose body contains this text (case-insensitive), e.g. `EVALSHA` or `insert into documents`. */
  match?: string;
  /**
   * `postgres` only: only requests whose connection string names this database (exactly), so one tenant's dedicated
   * database can be down, slow or failing while every other database answers. On the WebSocket path the database is
   * known from the client's startup message, so such a rule strikes there and not at the upgrade.
   */
  database?: string;
  /** For `error`: the HTTP status. Default 503. */
  status: number;
  /**
   * `redis` only: only requests to this Upstash database (0-based shard, `--redis-shards`), so one shard can be down
   * while the others answer. Default: every shard.
   */
  shard?: number;
}

/** The text every `error` answer carries, so a test can prove it never reaches a client. */
const INJECTED_DETAIL = "INJECTED-UPSTREAM-DETAIL: select secret_hash from api_keys at /srv/upstream.c:42";

/** A request's fault, picked once its body is known. */
interface ActiveFault {
  /**
   * Applies the fault when `phase` is its phase. Resolves true when the adapter should go on, false when the fault
   * took the connection over (reset, held open, or answered): the adapter must then write nothing.
   */
  apply(phase: FaultPhase, conn: ServerResponse | Duplex | PgSession): Promise<boolean>;
}

/**
 * A Postgres session on the WebSocket path, past the upgrade: `socket` is the client's connection, `fail` answers the
 * startup message with a Postgres error (as a server refusing the database would) and closes the session.
 */
export interface PgSession {
  socket: Duplex;
  fail(message: string): void;
}

/** What an adapter holds: the lookup of the fault for one request of its target. */
export interface FaultHook {
  /**
   * The fault that applies to a request with this body (`""` when there is none), if any. `database`: the database its
   * connection string names, when known; a rule limited to one database applies only when it is given and equal.
   */
  pick(body: string, database?: string): ActiveFault | undefined;
  /** The fault of a rule limited to `database`, for a WebSocket session once its startup message names it. */
  pickSession(database: string): ActiveFault | undefined;
}

/** A control request the fault endpoint refuses (400). */
class FaultSpecError extends Error {
  override name = "FaultSpecError";
}

/**
 * Faults injected on command into the local cloud's adapters, so tests can prove how the Worker degrades when Redis
 * or Postgres is down, unreachable or slow. Controlled over HTTP on both ports (see {@link Faults.serve}):
 *
 *   POST /__faults {"redis": "refuse"}                      every Upstash request is reset
 *   POST /__faults {"redis": "delay", "delayMs": 800}       every Upstash request waits 800 ms
 *   POST /__faults {"postgres": {"mode": "drop", "phase": "response", "match": "insert into documents"}}
 *   POST /__faults {"postgres": {"mode": "refuse", "database": "tenant_db_1"}}   only that database is down
 *   POST /__faults {"redis": {"mode": "refuse", "shard": 1}}  only the second Upstash database is down
 *   POST /__faults {"redis": null}                          clears one target; others keep their rule
 *   DELETE /__faults                                        clears everything and cuts held connections
 *   GET /__faults                                           the rules in force
 *
 * A rule is read when a request arrives, so changing rules never changes a request already in flight; clearing does
 * end the fault for requests it still holds (`drop`: reset, `delay`: served now), so nothing lingers past a test.
 */
export class Faults {
  private readonly rules = new Map<FaultTarget, FaultRule>();
  private readonly held = new Set<Duplex>();
  /** Aborted (and replaced) by {@link Faults.clear}: ends the waits of delayed requests. */
  private release = new AbortController();
  private readonly stats: Pick<Stats, "count">;

  constructor(stats: Pick<Stats, "count">) {
    this.stats = stats;
  }

  /** Sets the rules named in `spec` (see the class comment for its shape); throws {@link FaultSpecError}. */
  update(spec: unknown): void {
    const next = parseSpec(spec);
    for (const [target, rule] of next) {
      if (rule) this.rules.set(target, rule);
      else this.rules.delete(target);
    }
  }

  /** Removes every rule, resets the connections `drop` is holding and serves the requests `delay` is holding. */
  clear(): void {
    this.rules.clear();
    this.release.abort();
    this.release = new AbortController();
    for (const socket of this.held) socket.destroy();
    this.held.clear();
  }

  /** The rules in force, by target. */
  snapshot(): Partial<Record<FaultTarget, FaultRule>> {
    return Object.fromEntries(this.rules);
  }

  /** The hook an adapter of `target` calls for each request (`shard`: which Upstash database the adapter serves). */
  hook(target: FaultTarget, shard = 0): FaultHook {
    const active = (rule: FaultRule): ActiveFault => ({
      apply: (phase, conn) => (phase === rule.phase ? this.strike(target, rule, conn) : Promise.resolve(true)),
    });
    return {
      pick: (body, database) => {
        const rule = this.rules.get(target);
        if (!rule || (rule.match !== undefined && !body.toLowerCase().includes(rule.match.toLowerCase())))
          return undefined;
        if (rule.database !== undefined && rule.database !== database) return undefined;
        if (rule.shard !== undefined && rule.shard !== shard) return undefined;
        return active(rule);
      },
      pickSession: (database) => {
        const rule = this.rules.get(target);
        return rule?.database !== undefined && rule.database === database ? active(rule) : undefined;
      },
    };
  }

  /**
   * Serves the control endpoint `/__faults`. Resolves false (and writes nothing) when `req` is for another path.
   * It is a test-only tool of the local cloud: never expose the local cloud beyond localhost.
   */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (new URL(req.url ?? "/", "http://local").pathname !== "/__faults") return false;
    if (req.method === "GET") return reply(res, 200, this.snapshot());
    if (req.method === "DELETE") {
      this.clear();
      return reply(res, 200, {});
    }
    if (req.method !== "POST") return reply(res, 405, { error: "use GET, POST or DELETE" });
    let spec: unknown;
    try {
      spec = JSON.parse(await readText(req));
      this.update(spec);
    } catch (err) {
      return reply(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
    return reply(res, 200, this.snapshot());
  }

  private async strike(
    target: FaultTarget,
    rule: FaultRule,
    conn: ServerResponse | Duplex | PgSession,
  ): Promise<boolean> {
    this.stats.count(`fault_${target}_${rule.mode}`);
    const socket = conn instanceof ServerResponse ? conn.socket : "fail" in conn ? conn.socket : conn;
    switch (rule.mode) {
      case "delay":
        await delay(rule.delayMs, undefined, { signal: this.release.signal }).catch(() => {});
        return true;
      case "refuse":
        socket?.destroy();
        return false;
      case "drop":
        if (socket && !socket.destroyed) {
          this.held.add(socket);
          socket.once("close", () => this.held.delete(socket));
        }
        return false;
      case "error": {
        const body = JSON.stringify({ error: `ERR ${INJECTED_DETAIL}`, message: INJECTED_DETAIL, code: null });
        if (conn instanceof ServerResponse) {
          conn.writeHead(rule.status, { "content-type": "application/json" }).end(body);
        } else if ("fail" in conn) {
          conn.fail(INJECTED_DETAIL);
        } else {
          conn.end(
            `HTTP/1.1 ${rule.status} Injected Fault\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
              `Connection: close\r\n\r\n${body}`,
          );
        }
        return false;
      }
    }
  }
}

/** Parses a control body into per-target rules (`undefined`: clear that target). */
function parseSpec(spec: unknown): Map<FaultTarget, FaultRule | undefined> {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec))
    throw new FaultSpecError("body must be a JSON object");
  const { delayMs, ...targets } = spec as Record<string, unknown>;
  const out = new Map<FaultTarget, FaultRule | undefined>();
  for (const [key, value] of Object.entries(targets)) {
    if (!(FAULT_TARGETS as readonly string[]).includes(key)) {
      throw new FaultSpecError(`unknown key "${key}" (targets: ${FAULT_TARGETS.join(", ")}; shared option: delayMs)`);
    }
    const target = key as FaultTarget;
    if (value === null) out.set(target, undefined);
    else if (typeof value === "string") out.set(target, parseRule(target, { mode: value, delayMs }));
    else if (typeof value === "object" && !Array.isArray(value))
      out.set(target, parseRule(target, { delayMs, ...value }));
    else throw new FaultSpecError(`${target}: expected a mode, an object or null`);
  }
  return out;
}

function parseRule(target: FaultTarget, raw: Record<string, unknown>): FaultRule {
  const { mode, delayMs, phase, match, database, status, shard, ...rest } = raw;
  const extra = Object.keys(rest);
  if (extra.length) throw new FaultSpecError(`${target}: unknown option(s) ${extra.join(", ")}`);
  if (!(FAULT_MODES as readonly unknown[]).includes(mode))
    throw new FaultSpecError(`${target}: mode must be one of ${FAULT_MODES.join(", ")}`);
  if (phase !== undefined && phase !== "request" && phase !== "response")
    throw new FaultSpecError(`${target}: phase must be request or response`);
  if (match !== undefined && (typeof match !== "string" || match === ""))
    throw new FaultSpecError(`${target}: match must be a non-empty string`);
  if (database !== undefined && (target !== "postgres" || typeof database !== "string" || database === ""))
    throw new FaultSpecError(`${target}: database is a non-empty string, for postgres only`);
  if (shard !== undefined && (target !== "redis" || typeof shard !== "number"))
    throw new FaultSpecError(`${target}: shard is a number, for redis only`);
  return {
    mode: mode as FaultMode,
    delayMs: delayMs === undefined ? 1000 : int(delayMs, `${target}: delayMs`, 0, 600_000),
    phase: phase ?? "request",
    ...(match === undefined ? {} : { match }),
    ...(database === undefined ? {} : { database: database as string }),
    ...(shard === undefined ? {} : { shard: int(shard, `${target}: shard`, 0, 63) }),
    status: status === undefined ? 503 : int(status, `${target}: status`, 400, 599),
  };
}

function int(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new FaultSpecError(`${what} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function reply(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  return true;
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
