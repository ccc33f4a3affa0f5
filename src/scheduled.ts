import { flushAudit } from "./audit/flush.ts";
import { purgeExpiredAudit } from "./audit/retention.ts";
import { loadConfig } from "./config.ts";
import { createSql } from "./db/client.ts";
import { sweepExpiredKeys } from "./idempotency/sweep.ts";
import { createLogger } from "./log/logger.ts";
import { createRedisShards } from "./redis/client.ts";
import { allShards } from "./redis/shards.ts";

/**
 * Most batches one cron run flushes: at the default batch size, 5000 rows a minute on top of the opportunistic
 * flushes of busy requests, while one run stays far inside a Cron Trigger's time limit.
 */
const MAX_BATCHES_PER_RUN = 50;

/** Most retention batches one cron run deletes (5000 rows each); a backlog of old rows goes over several runs. */
const MAX_RETENTION_BATCHES_PER_RUN = 20;

/** Most idempotency-key sweep batches one cron run deletes (5000 keys each). */
const MAX_SWEEP_BATCHES_PER_RUN = 20;

/**
 * The Cron Trigger (wrangler.toml `[triggers]`, every minute): moves queued audit rows from Redis to Postgres
 * (src/audit/flush.ts; a failed batch is logged and left queued: the next run, or the next busy request, retries it),
 * deletes audit rows past their plan's retention (src/audit/retention.ts), and deletes expired idempotency keys
 * (src/idempotency/sweep.ts). Each job's failure is its own.
 */
export async function handleScheduled(controller: Pick<ScheduledController, "cron">, env: Env): Promise<void> {
  const config = loadConfig(env);
  const log = createLogger({ cron: controller.cron });
  const sql = createSql(env, config.dbTimeoutMs);
  const shards = createRedisShards(env, config.redisTimeoutMs);
  // Every shard's queue, side by side; a shard that fails is logged and retried next run, the others are flushed.
  await Promise.all(
    allShards(shards).map(async (redis, shard) => {
      try {
        const done = await flushAudit(
          { sql, redis, log },
          { batchSize: config.auditFlushBatchSize, maxBatches: MAX_BATCHES_PER_RUN },
        );
        log.info("audit flush", { ...done, ...(shards.count > 1 ? { shard } : {}) });
      } catch (err) {
        log.error("audit flush failed", { error: err instanceof Error ? err : String(err), shard });
      }
    }),
  );
  try {
    const deleted = await purgeExpiredAudit(sql, MAX_RETENTION_BATCHES_PER_RUN);
    if (deleted > 0) log.info("audit retention", { deleted });
  } catch (err) {
    log.error("audit retention failed", { error: err instanceof Error ? err : String(err) });
  }
  try {
    const swept = await sweepExpiredKeys(sql, MAX_SWEEP_BATCHES_PER_RUN);
    if (swept > 0) log.info("idempotency key sweep", { deleted: swept });
  } catch (err) {
    log.error("idempotency key sweep failed", { error: err instanceof Error ? err : String(err) });
  }
}
