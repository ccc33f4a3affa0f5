import { RedisError } from "./resp.ts";

/**
 * Commands the adapter refuses. REST requests share pooled connections, so nothing may change a connection's
 * state (db, protocol, auth, transaction, subscriptions, reply mode) or hold it forever; the adapter owns one
 * logical database, so nothing may reach the others; and server administration is not Upstash's either.
 */
const REFUSED = new Set([
  "SELECT",
  "SWAPDB",
  "MOVE",
  "HELLO",
  "AUTH",
  "RESET",
  "QUIT",
  "CLIENT",
  "MULTI",
  "EXEC",
  "DISCARD",
  "WATCH",
  "UNWATCH",
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "SSUBSCRIBE",
  "UNSUBSCRIBE",
  "PUNSUBSCRIBE",
  "SUNSUBSCRIBE",
  "MONITOR",
  "SYNC",
  "PSYNC",
  "REPLCONF",
  "REPLICAOF",
  "SLAVEOF",
  "FAILOVER",
  "SHUTDOWN",
  "DEBUG",
]);

/**
 * Checks one command against the adapter's rules: returns the command to send (FLUSHALL narrowed to this
 * database's FLUSHDB, since an Upstash database is the whole keyspace its client sees) or the error to answer.
 */
export function applyPolicy(args: readonly string[]): string[] | RedisError {
  const verb = (args[0] ?? "").toUpperCase();
  if (REFUSED.has(verb)) return new RedisError(`ERR Command is not available: '${args[0] ?? ""}'`);
  if (verb === "FLUSHALL") return ["FLUSHDB", ...args.slice(1)];
  return [...args];
}
