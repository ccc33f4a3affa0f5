import { sessionIndexKey, sessionPattern } from "../../src/redis/keys.ts";

/** What the bench tenant's sessions hold in Redis after the run. */
export interface SessionBytes {
  /** Session records stored for the tenant (at most SESSION_MAX_PER_TENANT). */
  sessions: number;
  /** Mean size of a record's value (STRLEN), in bytes. */
  valueBytes: number;
  /** Largest record value, in bytes. */
  maxValueBytes: number;
  /** Mean Redis memory per session (MEMORY USAGE of the record, plus the tenant's index shared out), in bytes. */
  memoryBytes: number;
}

/**
 * Measures the bench tenant's sessions through the cloud's Upstash endpoint: every record's STRLEN and MEMORY USAGE,
 * and the live-session index's MEMORY USAGE. `undefined` when the tenant holds no sessions.
 */
export async function measureSessions(
  upstashUrl: string,
  token: string,
  tenantId: string,
): Promise<SessionBytes | undefined> {
  const index = sessionIndexKey(tenantId);
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = (await command(upstashUrl, token, [
      "SCAN",
      cursor,
      "MATCH",
      sessionPattern(tenantId),
      "COUNT",
      "1000",
    ])) as [string, string[]];
    keys.push(...batch.filter((k) => k !== index));
    cursor = String(next);
  } while (cursor !== "0");
  if (keys.length === 0) return undefined;
  const values = (await pipeline(
    upstashUrl,
    token,
    keys.map((k) => ["STRLEN", k]),
  )) as number[];
  const memory = (await pipeline(upstashUrl, token, [
    ...keys.map((k) => ["MEMORY", "USAGE", k]),
    ["MEMORY", "USAGE", index],
  ])) as (number | null)[];
  const sum = (xs: readonly (number | null)[]): number => xs.reduce<number>((a, b) => a + (b ?? 0), 0);
  return {
    sessions: keys.length,
    valueBytes: Math.round(sum(values) / keys.length),
    maxValueBytes: Math.max(...values),
    memoryBytes: Math.round(sum(memory) / keys.length),
  };
}

async function command(url: string, token: string, args: string[]): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify(args),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { result?: unknown; error?: string };
  if (body.error !== undefined) throw new Error(`${args[0]}: ${body.error}`);
  return body.result;
}

async function pipeline(url: string, token: string, commands: string[][]): Promise<unknown[]> {
  const res = await fetch(`${url.replace(/\/+$/, "")}/pipeline`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify(commands),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { result?: unknown; error?: string }[];
  return body.map((r) => {
    if (r.error !== undefined) throw new Error(r.error);
    return r.result;
  });
}
