// The billing export: a seeded month exports exactly the expected CSV bytes, the same again on a second run, and its
// total equals the audit table's row count for the month; JSON carries the same figures.
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
// A month no other test writes rows in.
const MONTH = "2025-03";

beforeAll(() => admin.connect());
afterAll(() => admin.end());

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runAdmin(args, { env: ENV, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

async function tenant(slug: string): Promise<string> {
  const run = await cli(["tenant", "create", "--slug", slug, "--name", slug, "--plan", "pro", "--json"]);
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { tenant: { id: string } }).tenant.id;
}

/** One audit row, as the flush writes it. */
async function row(
  tenantId: string,
  at: string,
  tool: string,
  status: string,
  credential: { kind: "api_key" | "oauth_grant"; id: string; subject?: string },
): Promise<void> {
  await admin.query(
    `insert into public.audit_log (tenant_id, called_at, request_id, key_id, tool, status, duration_ms, credential_kind, subject)
     values ($1, $2, $3, $4, $5, $6, 1, $7, $8)`,
    [
      tenantId,
      at,
      `r-${crypto.randomUUID()}`,
      credential.id,
      tool,
      status,
      credential.kind,
      credential.subject ?? null,
    ],
  );
}

describe("usage export", () => {
  it("exports a seeded month as exact CSV bytes, reproducibly, with a total equal to the audit row count", async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const a = `exp-a-${suffix}`;
    const b = `exp-b-${suffix}`;
    const [aId, bId] = [await tenant(a), await tenant(b)];
    const k1 = { kind: "api_key" as const, id: "k1key" };
    const k2 = { kind: "api_key" as const, id: "k2key" };
    const grant = { kind: "oauth_grant" as const, id: "g1grant", subject: 'oidc:alice, "ops"' };
    await row(aId, "2025-03-01T00:00:00Z", "list_workspaces", "ok", k1);
    await row(aId, "2025-03-15T12:00:00Z", "list_workspaces", "ok", k1);
    await row(aId, "2025-03-15T12:00:01Z", "get_document", "tool_error", k1);
    await row(aId, "2025-03-20T08:00:00Z", "delete_document", "input_required", grant);
    await row(aId, "2025-03-20T08:00:05Z", "delete_document", "ok", grant);
    await row(aId, "2025-03-31T23:59:59Z", "no_such_tool", "protocol_error", k2);
    await row(bId, "2025-03-10T10:00:00Z", "search_documents", "ok", k1);
    // Outside the month: the day before and the first instant of the next.
    await row(aId, "2025-02-28T23:59:59Z", "list_workspaces", "ok", k1);
    await row(bId, "2025-04-01T00:00:00Z", "list_workspaces", "ok", k1);

    const first = await cli(["usage", "export", "--month", MONTH, "--format", "csv"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      [
        "month,tenant,tool,credential_kind,credential,user,rows,calls,errors,billable",
        `2025-03,${a},delete_document,oauth_grant,g1grant,"oidc:alice, ""ops""",2,1,0,1`,
        `2025-03,${a},get_document,api_key,k1key,key:k1key,1,1,1,1`,
        `2025-03,${a},list_workspaces,api_key,k1key,key:k1key,2,2,0,2`,
        `2025-03,${a},no_such_tool,api_key,k2key,key:k2key,1,1,1,0`,
        `2025-03,${b},search_documents,api_key,k1key,key:k1key,1,1,0,1`,
        "2025-03,(total),,,,,7,6,2,5",
        "",
      ].join("\n"),
    );
    // Same input, same bytes.
    expect((await cli(["usage", "export", "--month", MONTH, "--format", "csv"])).stdout).toBe(first.stdout);

    const counted = await admin.query(
      "select count(*)::int as n from public.audit_log where called_at >= '2025-03-01T00:00:00Z' and called_at < '2025-04-01T00:00:00Z'",
    );
    const json = JSON.parse((await cli(["usage", "export", "--month", MONTH, "--format", "json"])).stdout) as {
      lines: { tenant: string }[];
      total: { rows: number };
    };
    expect(json.total.rows).toBe(counted.rows[0].n);
    expect(json.total).toEqual({ rows: 7, calls: 6, errors: 2, billable: 5 });

    const one = await cli(["usage", "export", "--month", MONTH, "--tenant", b, "--format", "json"]);
    expect(JSON.parse(one.stdout)).toEqual({
      month: MONTH,
      lines: [
        {
          tenant: b,
          tool: "search_documents",
          credentialKind: "api_key",
          credential: "k1key",
          user: "key:k1key",
          rows: 1,
          calls: 1,
          errors: 0,
          billable: 1,
        },
      ],
      total: { rows: 1, calls: 1, errors: 0, billable: 1 },
    });
  });

  it("refuses a malformed month and an unknown tenant", async () => {
    const bad = await cli(["usage", "export", "--month", "2025-13"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--month must be a month as YYYY-MM/);
    const unknown = await cli(["usage", "export", "--month", MONTH, "--tenant", "no-such-tenant-x"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no tenant with slug/);
  });
});
