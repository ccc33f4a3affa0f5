/**
 * The soak run's judge (issue 16): compares what the client recorded with what the database holds, and sums the run
 * up in one line. Pure, so its own test can plant a duplicate, a loss or a cross-tenant answer and watch it caught.
 */

/** One write the client meant to make once: a create_document with a unique title, retried with one key. */
export interface WriteRecord {
  tenantId: string;
  title: string;
  /** Whether some attempt got a successful answer (the client was told it is written). */
  acknowledged: boolean;
  /** The document id the acknowledged answer named. */
  documentId?: string;
}

/** One HTTP attempt as the client saw it. */
export interface AttemptRecord {
  /** HTTP status; 0 when no answer came (network error or the client's deadline). */
  status: number;
  ms: number;
  /** The attempt hit the client's deadline. */
  hung: boolean;
  /** The answer carried something of another tenant (a title or id the caller cannot own). */
  crossTenant: boolean;
}

/** What the database holds: for each tenant, the id of every document by title (only the run's titles matter). */
export type DatabaseState = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

/** The run's outcome, as the summary line prints it. */
export interface SoakSummary {
  acknowledged: number;
  present: number;
  lost: number;
  duplicated: number;
  crossTenant: number;
  fiveXX: number;
  hangs: number;
  p50: number;
  p99: number;
}

/**
 * Checks the record against the database: an acknowledged write must be there exactly once, with the id its answer
 * named (else lost); no write, acknowledged or not, may be there twice (duplicated). 5xx counts answers of 500 and up
 * except 503, which the Worker sends by design (with Retry-After) while Redis or a fenced tenant is unavailable.
 */
export function checkSoak(
  writes: readonly WriteRecord[],
  attempts: readonly AttemptRecord[],
  db: DatabaseState,
): SoakSummary {
  let present = 0;
  let lost = 0;
  let duplicated = 0;
  for (const w of writes) {
    const ids = db.get(w.tenantId)?.get(w.title) ?? [];
    if (ids.length > 1) duplicated++;
    if (!w.acknowledged) continue;
    if (ids.length >= 1 && (w.documentId === undefined || ids.includes(w.documentId))) present++;
    else lost++;
  }
  const ms = attempts.map((a) => a.ms).sort((a, b) => a - b);
  return {
    acknowledged: writes.filter((w) => w.acknowledged).length,
    present,
    lost,
    duplicated,
    crossTenant: attempts.filter((a) => a.crossTenant).length,
    fiveXX: attempts.filter((a) => a.status >= 500 && a.status !== 503).length,
    hangs: attempts.filter((a) => a.hung).length,
    p50: percentile(ms, 0.5),
    p99: percentile(ms, 0.99),
  };
}

/** The one line a soak prints. */
export function soakLine(s: SoakSummary): string {
  return (
    `writes acknowledged ${s.acknowledged} / present ${s.present} / lost ${s.lost} / duplicated ${s.duplicated}; ` +
    `cross-tenant ${s.crossTenant}; 5xx ${s.fiveXX}; hangs ${s.hangs}; p50 ${s.p50} ms; p99 ${s.p99} ms`
  );
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);
}
