// `usage daily` and `usage errors`: the admin CLI's side of the web console's charts and recent errors, over the same
// control-plane functions as the operator API (test/worker/console-usage.test.ts), and their usage errors.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runAdmin } from "../../scripts/admin/cli.ts";

const cloud = inject("cloud");
const admin = new pg.Client({ connectionString: cloud.adminDatabaseUrl });
const ENV = {
  DATABASE_URL: cloud.ownerDatabaseUrl,
  UPSTASH_REDIS_REST_URL: cloud.upstashUrl,
  UPSTASH_REDIS_REST_TOKEN: cloud.upstashToken,
  API_KEY_PEPPER: cloud.apiKeyPepper,
  LOCAL_NEON_HTTP_ENDPOINT: cloud.neonHttpEndpoint,
};

beforeAll(() => admin.connect());
afterAll(() => admin.end());

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runAdmin(args, { env: ENV, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe("usage daily and usage errors", () => {
  it("report a tenant's calls per day and its failed calls, and the platform's days", async () => {
    const slug = `daily-${crypto.randomUUID().slice(0, 8)}`;
    const made = await cli(["tenant", "create", "--slug", slug, "--name", slug, "--plan", "pro", "--json"]);
    expect(made.code, made.stderr).toBe(0);
    const id = (JSON.parse(made.stdout) as { tenant: { id: string } }).tenant.id;
    for (const [status, ms] of [
      ["ok", 4],
      ["ok", 6],
      ["tool_error", 30],
    ] as const) {
      await admin.query(
        `insert into public.audit_log (tenant_id, request_id, key_id, tool, status, duration_ms)
         values ($1, $2, 'aaaaaaaaaaaaaaaa', 'get_document', $3, $4)`,
        [id, `r-${crypto.randomUUID()}`, status, ms],
      );
    }
    const daily = await cli(["usage", "daily", slug, "--days", "7", "--json"]);
    expect(daily.code, daily.stderr).toBe(0);
    const report = JSON.parse(daily.stdout);
    expect(report.days).toHaveLength(7);
    expect(report.calls.at(-1)).toBe(3);
    expect(report.errorRate.at(-1)).toBeCloseTo(1 / 3);
    expect(report.p95Ms.at(-1)).toBe(30);
    const human = await cli(["usage", "daily", slug, "--days", "2"]);
    expect(human.stdout.trim().split("\n").at(-1)).toMatch(/^\d{4}-\d{2}-\d{2} +3 calls +33\.3 % +p95 30 ms$/);

    const platform = JSON.parse((await cli(["usage", "daily", "--json"])).stdout);
    expect(platform.tenant).toBeNull();
    expect(platform.calls.at(-1)).toBeGreaterThanOrEqual(3);

    const errors = JSON.parse((await cli(["usage", "errors", slug, "--json"])).stdout);
    expect(errors.items).toHaveLength(1);
    expect(errors.items[0]).toMatchObject({ tool: "get_document", status: "tool_error", durationMs: 30 });
  });

  it("refuses a period or limit out of range, and a missing slug for errors", async () => {
    for (const args of [
      ["usage", "daily", "--days", "0"],
      ["usage", "daily", "--days", "91"],
      ["usage", "errors", "x1", "--limit", "101"],
      ["usage", "errors"],
    ]) {
      const run = await cli(args);
      expect(run.code, args.join(" ")).toBe(2);
    }
  });
});
