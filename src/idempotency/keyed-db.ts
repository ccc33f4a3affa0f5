import { TenantDbError, type Statement, type TenantDb } from "../db/tenant-db.ts";
import { IdempotencyRefusal } from "./refusal.ts";

/** SQLSTATEs of claim_idempotency_key (sql/data/002_idempotency_keys.sql). */
const REPLAY = "55TI1";
const MISMATCH = "55TI2";
/** lock_not_available: the first call with the key still held it when the claim's wait ran out. */
const STILL_RUNNING = "55P03";

/** One keyed call of a write tool. */
export interface KeyedCall {
  /** The client's key, already checked (src/idempotency/key.ts). */
  key: string;
  /** The credential the key belongs to (`keyOwner`). */
  owner: string;
  tool: string;
  /** `requestHash` of the tool and its parsed arguments. */
  hash: string;
  /** How long the key is kept, in hours (at least 24). */
  ttlHours: number;
  /**
   * How long the claim waits for another call holding the key to finish, in ms, before it answers "in progress,
   * retry". Must stay below the database request's own timeout, or the wait would end as "unavailable".
   */
  waitMs: number;
}

/** A {@link TenantDb} that makes the call's write idempotent, and what became of it. */
export interface KeyedDb {
  db: TenantDb;
  /** Whether the write's answer came from an earlier call with the same key (nothing was written). */
  replayed(): boolean;
}

/**
 * Wraps the tool's database so that its write transaction (the first call that is not `readOnly`) is idempotent, in
 * the same single round trip:
 *
 * 1. after public.enter_tenant, `claim_idempotency_key` inserts the key, or aborts the transaction (nothing written)
 *    with the first call's recorded rows (replay), a mismatch, or "still running";
 * 2. each of the tool's statements runs as `WITH rows AS (<statement>)` with an UPDATE that appends its rows to the
 *    key's record, so the key and the answer commit with the write or not at all.
 *
 * A replay hands the recorded rows to the tool in place of the database's answer, so the tool builds the same result
 * it built the first time; timestamps come back as ISO text, numbers as JSON numbers (the row mappers take both).
 * Reads pass through untouched and cost nothing extra. Statements must return their rows (RETURNING) or be SELECTs,
 * and must not hold a data-modifying WITH of their own (Postgres allows those only at the top level). A second write
 * transaction in one keyed call is a bug in the tool and throws.
 */
export function keyedDb(db: TenantDb, call: KeyedCall): KeyedDb {
  let wrote = false;
  let replayed = false;

  const batch: TenantDb["batch"] = async (statements, options = {}) => {
    if (options.readOnly || statements.length === 0) return db.batch(statements, options);
    if (wrote) throw new Error(`keyedDb: ${call.tool} made a second write transaction under one idempotency key`);
    wrote = true;
    const claim: Statement = {
      text: "select claim_idempotency_key($1, $2, $3, $4, make_interval(hours => $5), $6)",
      params: [call.owner, call.key, call.tool, call.hash, call.ttlHours, `${call.waitMs}ms`],
    };
    try {
      const [, ...results] = await db.batch([claim, ...statements.map((s) => recorded(s, call))], options);
      return results;
    } catch (err) {
      if (!(err instanceof TenantDbError)) throw err;
      if (err.code === MISMATCH)
        throw new IdempotencyRefusal(
          "mismatch",
          `Idempotency key already used for another call (tool ${err.detail ?? "unknown"} or other arguments): ` +
            "a key names one call; use a new key for a new call.",
        );
      if (err.code === STILL_RUNNING)
        throw new IdempotencyRefusal(
          "in_progress",
          "A call with this idempotency key is still in progress; retry with the same key in a few seconds.",
        );
      if (err.code !== REPLAY) throw err;
      replayed = true;
      return recordedResults(err.detail, statements.length) ?? (await storedResults(db, call, statements.length));
    }
  };

  return {
    db: {
      batch,
      async query(text, params, options) {
        const [rows] = await batch([{ text, params }], options);
        return (rows ?? []) as never;
      },
    },
    replayed: () => replayed,
  };
}

/** The statement, appending the rows it returns to the key's record in the same statement. */
function recorded(s: Statement, call: KeyedCall): Statement {
  const n = s.params?.length ?? 0;
  return {
    text: `with idem_rows as (${s.text}),
                idem_record as (
                  update idempotency_keys
                     set results = results || jsonb_build_array(
                           coalesce((select jsonb_agg(to_jsonb(idem_rows)) from idem_rows), '[]'::jsonb))
                   where credential = $${n + 1} and key = $${n + 2})
           select * from idem_rows`,
    params: [...(s.params ?? []), call.owner, call.key],
  };
}

/** The recorded rows of each statement, from the replay's DETAIL, when it is there and has the batch's shape. */
function recordedResults(detail: string | undefined, statements: number): Record<string, unknown>[][] | undefined {
  if (detail === undefined) return undefined;
  try {
    const parsed = JSON.parse(detail) as unknown;
    return Array.isArray(parsed) && parsed.length === statements && parsed.every(Array.isArray)
      ? (parsed as Record<string, unknown>[][])
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The recorded rows read back in a second round trip: only when the replay's DETAIL did not carry them (a driver or
 * proxy that drops it). A record of another shape (the tool's statements changed with a deploy) cannot be replayed.
 */
async function storedResults(db: TenantDb, call: KeyedCall, statements: number): Promise<Record<string, unknown>[][]> {
  const [row] = await db.query<{ results: unknown }>(
    "select results from idempotency_keys where credential = $1 and key = $2",
    [call.owner, call.key],
    { readOnly: true },
  );
  const results = recordedResults(JSON.stringify(row?.results ?? null), statements);
  if (!results) throw new Error(`keyedDb: the record of ${call.tool}'s key does not match its statements`);
  return results;
}
