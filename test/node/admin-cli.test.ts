// The admin CLI as operators run it: `node scripts/admin.ts ...` in a child process, against the test cloud (the
// same local cloud the worker project uses; see the root globalSetup in vitest.config.ts).
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "@upstash/redis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { COMMANDS, runAdmin } from "../../scripts/admin/cli.ts";
import { auditQueueKey, auditTenantsKey, keyCacheKey, quotaKey } from "../../src/redis/keys.ts";

const cloud = inject("cloud");
const redis = new Redis({ url: cloud.upstashUrl, token: cloud.upstashToken, enableTelemetry: false });
/** The superuser, to look behind the CLI's back (it bypasses row-level security). */
const admin = new pg.Client({ connectionString: cloud.adminDatabaseUrl });
let tempDir: string;

beforeAll(async () => {
  await admin.connect();
  tempDir = await mkdtemp(join(tmpdir(), "tmcp-admin-"));
});
afterAll(async () => {
  await admin.end();
  await rm(tempDir, { recursive: true, force: true });
});

/** The environment of a production run: an owner login and the Worker's Redis and pepper. */
const PROD_ENV = {
  DATABASE_URL: cloud.ownerDatabaseUrl,
  UPSTASH_REDIS_REST_URL: cloud.upstashUrl,
  UPSTASH_REDIS_REST_TOKEN: cloud.upstashToken,
  API_KEY_PEPPER: cloud.apiKeyPepper,
  LOCAL_NEON_HTTP_ENDPOINT: cloud.neonHttpEndpoint,
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command line through the CLI's entry point in this process (the code path of `scripts/admin.ts` minus the
 * process itself, which the "program" tests below cover), with only the given environment.
 */
async function cli(args: string[], env: Record<string, string> = PROD_ENV): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runAdmin(args, { env, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** Runs `command` as a child process with only the given environment (and PATH, HOME). */
function spawned(command: string[], env: Record<string, string> = PROD_ENV): Promise<Run> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file, args, { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a command that must succeed with `--json`, and parses its one JSON document. */
async function json<T = Record<string, unknown>>(args: string[], env?: Record<string, string>): Promise<T> {
  const run = await cli([...args, "--json"], env);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** A command that must fail: exactly one line on stderr, nothing on stdout, and this exit code. */
async function fails(args: string[], code: 1 | 2, message: RegExp, env?: Record<string, string>): Promise<void> {
  const run = await cli(args, env);
  expect(run.stdout).toBe("");
  expect(run.stderr).toMatch(/^error: [^\n]+\n$/);
  expect(run.stderr).toMatch(message);
  expect(run.code).toBe(code);
}

/** A port nothing listens on (from this test suite's own range); fetch refuses well-known ones like 9. */
const CLOSED_PORT = 9209;

const slug = (p: string): string => `${p}-${crypto.randomUUID().slice(0, 8)}`;

const TENANT_KEYS = [
  "activeKeys",
  "config",
  "createdAt",
  "dataMovingSince",
  "dataSchema",
  "features",
  "featuresAdd",
  "featuresRemove",
  "id",
  "isolation",
  "monthlyQuota",
  "name",
  "plan",
  "rateLimitPerMinute",
  "slug",
  "status",
  "updatedAt",
];
const KEY_KEYS = ["createdAt", "expiresAt", "id", "lastUsedAt", "name", "revokedAt", "scopes", "status"];

describe("help", { timeout: 30_000 }, () => {
  it("every command, group and the CLI itself answer --help with usage on stdout and exit 0", async () => {
    const top = await cli(["--help"], {});
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: npm run admin -- <command>/);
    for (const c of COMMANDS) expect(top.stdout).toContain(c.words.join(" "));
    for (const group of ["tenant", "key", "workspace"]) {
      const run = await cli([group, "--help"], {});
      expect([run.code, run.stdout.split("\n")[0]]).toEqual([
        0,
        `Usage: npm run admin -- ${group} <command> [options]`,
      ]);
    }
    for (const c of COMMANDS) {
      const run = await cli([...c.words, "--help"], {}); // no connection needed for help
      expect(run.code).toBe(0);
      expect(run.stdout.startsWith(`Usage: npm run admin -- ${c.words.join(" ")}`)).toBe(true);
      expect(run.stdout).toContain("--json");
    }
    for (const words of [
      ["tenant", "create"],
      ["tenant", "update"],
    ]) {
      const help = (await cli([...words, "--help"], {})).stdout;
      for (const text of ["--allow-test-features", "conformance suite only"]) expect(help).toContain(text);
    }
    const update = (await cli(["tenant", "update", "--help"], {})).stdout;
    for (const text of ["~name", "=plan"]) expect(update).toContain(text);
  });
});

describe("tenants", { timeout: 30_000 }, () => {
  it("create, list, show, update, suspend, resume: JSON shapes and aligned tables", async () => {
    const s = slug("cli");
    const created = await json<{ tenant: Record<string, unknown>; apiKey: string }>([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "CLI Test",
      "--plan",
      "pro",
      "--features",
      "+bulk_export",
      "--rate-limit",
      "120",
    ]);
    expect(Object.keys(created).sort()).toEqual(["apiKey", "tenant", "workspace"]);
    expect(Object.keys(created.tenant).sort()).toEqual(TENANT_KEYS);
    expect(created.apiKey).toMatch(/^tmcp_[a-z2-7]{16}_[a-z2-7]{40}$/);
    expect(created.tenant).toMatchObject({
      slug: s,
      name: "CLI Test",
      plan: "pro",
      status: "active",
      rateLimitPerMinute: 120,
      activeKeys: 1,
      features: ["core", "advanced_analytics", "bulk_export"],
      featuresAdd: ["bulk_export"],
      featuresRemove: [],
      isolation: "shared",
      dataSchema: null,
      dataMovingSince: null,
    });
    await fails(
      ["tenant", "create", "--slug", s, "--name", "Again", "--plan", "free"],
      1,
      /a tenant with slug ".*" already exists/,
    );

    const { tenants } = await json<{ tenants: { slug: string }[] }>(["tenant", "list"]);
    expect(tenants.find((t) => t.slug === s)).toEqual(created.tenant);
    const table = (await cli(["tenant", "list"])).stdout.trimEnd().split("\n");
    const header = table[0] as string;
    const row = table.find((l) => l.startsWith(`${s} `)) as string;
    for (const [column, value] of [
      ["PLAN", "pro"],
      ["STATUS", "active"],
      ["RATE/MIN", "120"],
      ["KEYS", "1"],
    ] as const) {
      expect(row.indexOf(` ${value} `) + 1, column).toBe(header.indexOf(column));
    }

    expect(await json(["tenant", "show", s])).toEqual({ tenant: created.tenant });
    expect((await cli(["tenant", "show", s])).stdout).toMatch(new RegExp(`^slug\\s+${s}$`, "m"));

    const keyId = created.apiKey.split("_")[1] as string;
    const updated = await json<{ tenant: Record<string, unknown> }>([
      "tenant",
      "update",
      s,
      "--plan",
      "enterprise",
      "--features",
      "-bulk_export",
      "--rate-limit",
      "5",
      "--name",
      "Renamed",
    ]);
    expect(updated.tenant).toMatchObject({
      plan: "enterprise",
      name: "Renamed",
      rateLimitPerMinute: 5,
      features: ["core", "advanced_analytics"],
      featuresAdd: [],
      featuresRemove: ["bulk_export"],
    });
    // The Worker's cached lookup of the tenant's key was invalidated.
    expect(await redis.get(keyCacheKey(keyId))).toEqual({ invalidated: true });

    expect((await json<{ tenant: { status: string } }>(["tenant", "suspend", s])).tenant.status).toBe("suspended");
    expect((await json<{ tenant: { status: string } }>(["tenant", "resume", s])).tenant.status).toBe("active");
  });

  it("delete needs --yes, then removes the tenant's rows from every table and its state in Redis", async () => {
    const s = slug("del");
    const { tenant, apiKey } = await json<{ tenant: { id: string }; apiKey: string }>([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "Doomed",
      "--plan",
      "free",
    ]);
    const workspace = crypto.randomUUID();
    await admin.query("insert into public.workspaces (tenant_id, id, name) values ($1, $2, 'w')", [
      tenant.id,
      workspace,
    ]);
    await admin.query("insert into public.documents (tenant_id, workspace_id, title) values ($1, $2, 'd')", [
      tenant.id,
      workspace,
    ]);
    await admin.query(
      "insert into public.audit_log (tenant_id, request_id, key_id, tool, status, duration_ms) values ($1, 'r-1', 'k', 't', 'ok', 1)",
      [tenant.id],
    );
    await redis.set(`tmcp:sess:${tenant.id}:session-a`, "{}");
    await redis.set(`tmcp:rl:${tenant.id}:12345`, "1");
    await redis.rpush(auditQueueKey(tenant.id), "{}");
    const other = await json<{ tenant: { id: string } }>([
      "tenant",
      "create",
      "--slug",
      slug("keep"),
      "--name",
      "Keep",
      "--plan",
      "free",
    ]);
    await redis.set(`tmcp:sess:${other.tenant.id}:session-b`, "{}");

    await fails(["tenant", "delete", s], 2, /removes all of its data; add --yes/);
    expect(await json(["tenant", "delete", s, "--yes"])).toEqual({
      deleted: { id: tenant.id, slug: s, isolation: "shared", dropped: null },
    });
    await fails(["tenant", "show", s], 1, /no tenant with slug/);

    const tables = await admin.query<{ table_name: string }>(
      "select table_name from information_schema.columns where table_schema = 'public' and column_name = 'tenant_id'",
    );
    expect(tables.rows.length).toBeGreaterThanOrEqual(4);
    for (const { table_name } of tables.rows) {
      const left = await admin.query(`select count(*)::int as n from public."${table_name}" where tenant_id = $1`, [
        tenant.id,
      ]);
      // The operator audit log keeps what was done to the tenant, its deletion included: that is what it is for.
      if (table_name === "operator_audit") continue;
      expect(left.rows[0].n, table_name).toBe(0);
    }
    const trail = await admin.query("select action from public.operator_audit where tenant_id = $1 order by id", [
      tenant.id,
    ]);
    expect(trail.rows.map((r) => r.action)).toEqual(["tenant.create", "tenant.delete"]);
    expect(await redis.keys(`tmcp:*:${tenant.id}:*`)).toEqual([]);
    expect(await redis.exists(auditQueueKey(tenant.id))).toBe(0);
    expect(await redis.get(keyCacheKey(apiKey.split("_")[1] as string))).toEqual({ invalidated: true });
    expect(await redis.exists(`tmcp:sess:${other.tenant.id}:session-b`)).toBe(1);
  });
});

describe("monthly quota", () => {
  it("tenant update --monthly-quota sets, lifts and drops a tenant's own quota; quota list shows who is close", async () => {
    const s = slug("quota");
    await json(["tenant", "create", "--slug", s, "--name", "Q", "--plan", "free"]);
    const set = await json<{ tenant: { id: string; monthlyQuota: number | null } }>([
      "tenant",
      "update",
      s,
      "--monthly-quota",
      "10",
    ]);
    expect(set.tenant.monthlyQuota).toBe(10);
    expect((await cli(["tenant", "show", s])).stdout).toMatch(/monthly quota\s+10 tool calls \(the tenant's own\)/);
    const month = new Date().toISOString().slice(0, 7);
    await redis.set(quotaKey(set.tenant.id, month), 9);
    const close = await json<{ month: string; tenants: { tenant: string; used: number; percent: number }[] }>([
      "quota",
      "list",
      "--min",
      "80",
    ]);
    expect(close.month).toBe(month);
    expect(close.tenants).toContainEqual({ tenant: s, plan: "free", quota: 10, used: 9, percent: 90 });
    expect((await cli(["quota", "list", "--min", "80"])).stdout).toMatch(new RegExp(`${s}\\s+free\\s+9\\s+10\\s+90%`));

    expect(
      (await json<{ tenant: { monthlyQuota: null } }>(["tenant", "update", s, "--monthly-quota", "unlimited"])).tenant
        .monthlyQuota,
    ).toBeNull();
    expect(
      (await json<{ tenant: { monthlyQuota: number } }>(["tenant", "update", s, "--monthly-quota", "plan"])).tenant
        .monthlyQuota,
    ).toBe(10_000);
    await fails(["tenant", "update", s, "--monthly-quota", "-1"], 2, /--monthly-quota must be a whole number of calls/);
    await fails(["tenant", "update", s, "--monthly-quota", "lots"], 2, /--monthly-quota must be a number/);
  });
});

describe("audit backlog", () => {
  it("shows the rows waiting for the flush per tenant slug, and the id of a tenant this database does not have", async () => {
    const s = slug("backlog");
    const { tenant } = await json<{ tenant: { id: string } }>([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "B",
      "--plan",
      "free",
    ]);
    const ghost = crypto.randomUUID();
    await redis.rpush(auditQueueKey(tenant.id), "{}", "{}", "{}");
    await redis.rpush(auditQueueKey(ghost), "{}");
    await redis.sadd(auditTenantsKey(), tenant.id, ghost);
    try {
      const report = await json<{ total: number; tenants: { tenant: string; rows: number }[] }>(["audit", "backlog"]);
      expect(report.tenants).toEqual(
        expect.arrayContaining([
          { tenant: s, rows: 3 },
          { tenant: ghost, rows: 1 },
        ]),
      );
      expect(report.total).toBeGreaterThanOrEqual(4);
      const human = await cli(["audit", "backlog"]);
      expect(human.stdout).toMatch(new RegExp(`${s}\\s+3`));
    } finally {
      await redis.del(auditQueueKey(tenant.id), auditQueueKey(ghost));
      await redis.srem(auditTenantsKey(), tenant.id, ghost);
    }
  });
});

describe("keys", { timeout: 30_000 }, () => {
  it("create, list (never a secret), rotate, revoke: JSON shapes", async () => {
    const s = slug("keys");
    const first = await json<{ apiKey: string }>(["tenant", "create", "--slug", s, "--name", "Keys", "--plan", "free"]);
    const made = await json<{ keyId: string; apiKey: string }>([
      "key",
      "create",
      s,
      "--name",
      "ci",
      "--expires-in",
      "90d",
    ]);
    expect(Object.keys(made).sort()).toEqual(["apiKey", "keyId"]);
    expect(made.apiKey.startsWith(`tmcp_${made.keyId}_`)).toBe(true);

    const listed = await json<{ keys: Record<string, unknown>[] }>(["key", "list", s]);
    expect(listed.keys.map((k) => Object.keys(k).sort())).toEqual([KEY_KEYS, KEY_KEYS]);
    const ci = listed.keys.find((k) => k.id === made.keyId);
    expect(ci).toMatchObject({ name: "ci", status: "active", revokedAt: null, lastUsedAt: null });
    expect(Math.abs(Date.parse(ci?.expiresAt as string) - Date.now() - 90 * 86_400_000)).toBeLessThan(60_000);
    const human = await cli(["key", "list", s]);
    for (const output of [JSON.stringify(listed), human.stdout]) {
      for (const key of [first.apiKey, made.apiKey]) expect(output).not.toContain(key.split("_")[2]);
      expect(output).not.toMatch(/[0-9a-f]{64}/);
    }
    expect(human.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+SCOPES\s+STATUS\s+CREATED\s+LAST USED\s+EXPIRES$/);

    const rotated = await json<{ keyId: string; apiKey: string; previous: Record<string, unknown> }>([
      "key",
      "rotate",
      made.keyId,
      "--grace",
      "1h",
    ]);
    expect(Object.keys(rotated).sort()).toEqual(["apiKey", "keyId", "previous"]);
    expect(rotated.previous).toMatchObject({ id: made.keyId, status: "rotating" });
    expect(Date.parse(rotated.previous.revokedAt as string) - Date.now()).toBeGreaterThan(3500_000);
    await fails(["key", "rotate", made.keyId], 1, /is rotating; only an active key can be rotated/);

    const revoked = await json<{ key: Record<string, unknown> }>(["key", "revoke", made.keyId]);
    expect(revoked.key).toMatchObject({ id: made.keyId, status: "revoked" });
    expect(await redis.get(keyCacheKey(made.keyId))).toEqual({ invalidated: true });
    await fails(["key", "revoke", "nosuchkeyatall00"], 1, /no key with id "nosuchkeyatall00"/);
    await fails(["key", "list", "no-such-tenant"], 1, /no tenant with slug "no-such-tenant"/);
  });
});

describe("key scopes", { timeout: 30_000 }, () => {
  it("--scopes makes a read-only key; list shows it; rotation keeps it; unknown scopes are refused", async () => {
    const s = slug("scopes");
    const first = await json<{ apiKey: string }>([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "Scopes",
      "--plan",
      "free",
    ]);
    const ro = await json<{ keyId: string }>(["key", "create", s, "--name", "ro", "--scopes", "mcp:read"]);
    const human = await cli(["key", "create", s, "--scopes", "mcp:write"]);
    expect(human.stdout).toMatch(/^scopes\s+mcp:read mcp:write$/m);
    const scopesOf = async (): Promise<Record<string, string[]>> => {
      const { keys } = await json<{ keys: { id: string; scopes: string[] }[] }>(["key", "list", s]);
      return Object.fromEntries(keys.map((k) => [k.id, k.scopes]));
    };
    const listed = await scopesOf();
    expect(listed[ro.keyId]).toEqual(["mcp:read"]);
    expect(listed[first.apiKey.split("_")[1] as string]).toEqual(["mcp:read", "mcp:write"]);
    expect((await cli(["key", "list", s])).stdout).toMatch(new RegExp(`^${ro.keyId}\\s+ro\\s+mcp:read\\s+active`, "m"));

    const rotated = await json<{ keyId: string }>(["key", "rotate", ro.keyId, "--grace", "0"]);
    expect((await scopesOf())[rotated.keyId]).toEqual(["mcp:read"]);

    await fails(["key", "create", s, "--scopes", "mcp:admin"], 2, /--scopes has an unknown scope "mcp:admin"/);
    await fails(["key", "create", s, "--scopes", ","], 2, /--scopes must name at least one scope/);
  });
});

describe("usage", { timeout: 30_000 }, () => {
  it("reports finished calls by outcome, unanswered questions, p50 and p95 per tool from the audit log", async () => {
    const s = slug("use");
    const { tenant } = await json<{ tenant: { id: string } }>([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "Usage",
      "--plan",
      "free",
    ]);
    const insert = (tool: string, status: string, ms: number, callId: string | null = null) =>
      admin.query(
        "insert into public.audit_log (tenant_id, request_id, key_id, tool, status, call_id, duration_ms) values ($1, $2, 'k', $3, $4, $5, $6)",
        [tenant.id, `r-${tool}-${ms}`, tool, status, callId, ms],
      );
    // search_documents: 7 ok, 1 tool_error, 1 'error' (written before sql/007: a tool error), 1 protocol_error.
    for (let ms = 10; ms <= 100; ms += 10) {
      await insert(
        "search_documents",
        ms === 100 ? "protocol_error" : ms === 90 ? "tool_error" : ms === 80 ? "error" : "ok",
        ms,
      );
    }
    // delete_document: one call asked, asked again, then finished ok (one call); one asked and never answered.
    const answered = crypto.randomUUID();
    await insert("delete_document", "input_required", 1, answered);
    await insert("delete_document", "input_required", 2, answered);
    await insert("delete_document", "ok", 3, answered);
    await insert("delete_document", "input_required", 4, crypto.randomUUID());
    // get_document: only a question nobody answered; and a call outside the period.
    await insert("get_document", "input_required", 5, crypto.randomUUID());
    await admin.query(
      "insert into public.audit_log (tenant_id, request_id, key_id, tool, status, duration_ms, called_at) values ($1, 'r-old', 'k', 'list_workspaces', 'ok', 5, now() - interval '8 days')",
      [tenant.id],
    );

    const report = await json<Record<string, unknown>>(["usage", s]);
    expect(Object.keys(report)).toEqual(["tenant", "since", "tools", "total"]);
    expect(report).toEqual({
      tenant: s,
      since: expect.any(String),
      tools: [
        {
          tool: "search_documents",
          calls: 10,
          ok: 7,
          toolErrors: 2,
          protocolErrors: 1,
          errors: 3,
          unanswered: 0,
          p50Ms: 50,
          p95Ms: 100,
        },
        {
          tool: "delete_document",
          calls: 1,
          ok: 1,
          toolErrors: 0,
          protocolErrors: 0,
          errors: 0,
          unanswered: 1,
          p50Ms: 3,
          p95Ms: 3,
        },
        {
          tool: "get_document",
          calls: 0,
          ok: 0,
          toolErrors: 0,
          protocolErrors: 0,
          errors: 0,
          unanswered: 1,
          p50Ms: null,
          p95Ms: null,
        },
      ],
      total: {
        tool: "all",
        calls: 11,
        ok: 8,
        toolErrors: 2,
        protocolErrors: 1,
        errors: 3,
        unanswered: 2,
        p50Ms: 50,
        p95Ms: 100,
      },
    });
    expect(Math.abs(Date.parse(report.since as string) - (Date.now() - 7 * 86_400_000))).toBeLessThan(60_000);
    const wider = await json<{ tools: { tool: string }[] }>(["usage", s, "--since", "9d"]);
    expect(wider.tools.map((t) => t.tool)).toEqual([
      "search_documents",
      "delete_document",
      "list_workspaces",
      "get_document",
    ]);

    const human = (await cli(["usage", s])).stdout;
    expect(human).toMatch(/^TOOL\s+CALLS\s+OK\s+TOOL ERRORS\s+PROTOCOL ERRORS\s+UNANSWERED\s+P50 MS\s+P95 MS$/m);
    expect(human).toMatch(/^search_documents\s+10\s+7\s+2\s+1\s+0\s+50\s+100$/m);
    expect(human).toMatch(/^get_document\s+0\s+0\s+0\s+0\s+1\s+-\s+-$/m);
    expect(human).toMatch(/^\(all\)\s+11\s+8\s+2\s+1\s+2\s+50\s+100$/m);
  });
});

describe("errors", { timeout: 30_000 }, () => {
  it("a wrong command line is one line on stderr and exit code 2", async () => {
    await fails([], 2, /missing command/, {});
    await fails(["frobnicate"], 2, /unknown command "frobnicate"/, {});
    await fails(["tenant"], 2, /missing tenant command \(create, list/, {});
    await fails(["tenant", "show"], 2, /missing <slug>/, {});
    await fails(["tenant", "show", "a", "b"], 2, /unexpected argument "b"/, {});
    await fails(["tenant", "list", "--bogus"], 2, /Unknown option '--bogus'/, {});
    await fails(
      ["tenant", "create", "--slug", "x-y", "--name", "n", "--plan", "gold"],
      2,
      /--plan must be one of free, pro, enterprise/,
      {},
    );
    await fails(["tenant", "create", "--slug", "Bad Slug", "--name", "n", "--plan", "free"], 2, /--slug must be/, {});
    await fails(["tenant", "create", "--name", "n", "--plan", "free"], 2, /--slug is required/, {});
    await fails(
      ["tenant", "update", "acme", "--rate-limit", "0"],
      2,
      /--rate-limit must be a positive whole number/,
      {},
    );
    // The CLI only reads the number; whole and in range is the schema's rule, in the schema's words.
    await fails(
      ["tenant", "update", "acme", "--rate-limit", "1.5"],
      2,
      /--rate-limit must be a positive whole number \(1 to 2147483647\), got "1.5"/,
      {},
    );
    await fails(
      ["tenant", "update", "acme", "--rate-limit", "lots"],
      2,
      /--rate-limit must be a number, got "lots"/,
      {},
    );
    await fails(["tenant", "update", "acme", "--features", "+teleport"], 2, /unknown feature "teleport"/, {});
    await fails(["tenant", "update", "acme"], 2, /nothing to change/, {});
    await fails(["key", "create", "acme", "--expires-in", "soon"], 2, /--expires-in must be a duration/, {});
  });

  it("a missing or unreachable service is one line on stderr and exit code 1", async () => {
    await fails(
      ["tenant", "list", "--dev-vars", join(tempDir, "missing.vars")],
      1,
      /no DATABASE_URL in the environment and no local stack/,
      {},
    );
    await fails(["tenant", "list"], 1, /UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set/, {
      DATABASE_URL: cloud.ownerDatabaseUrl,
    });
    await fails(["tenant", "list"], 1, /cannot reach the database: .*ECONNREFUSED.*\(using DATABASE_URL/, {
      ...PROD_ENV,
      LOCAL_NEON_HTTP_ENDPOINT: `http://127.0.0.1:${CLOSED_PORT}/sql`,
    });
    // Postgres saved the change; Redis is down, so the Worker's cache could not be told: the operator must know.
    const s = slug("redis");
    await json(["tenant", "create", "--slug", s, "--name", "Redis down", "--plan", "free"]);
    await fails(
      ["tenant", "suspend", s],
      1,
      /the change is saved, but the Worker's key cache could not be invalidated/,
      {
        ...PROD_ENV,
        UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${CLOSED_PORT}`,
      },
    );
    expect((await json<{ tenant: { status: string } }>(["tenant", "show", s])).tenant.status).toBe("suspended");
  });
});

describe("local stack", { timeout: 30_000 }, () => {
  it("without DATABASE_URL, reads .dev.vars and logs in as the owner instead of the Worker's role", async () => {
    const vars = join(tempDir, "dev.vars");
    await writeFile(
      vars,
      [
        `DATABASE_URL=${JSON.stringify(cloud.appDatabaseUrl)}`,
        `UPSTASH_REDIS_REST_URL=${JSON.stringify(cloud.upstashUrl)}`,
        `UPSTASH_REDIS_REST_TOKEN=${JSON.stringify(cloud.upstashToken)}`,
        `API_KEY_PEPPER=${JSON.stringify(cloud.apiKeyPepper)}`,
        `LOCAL_NEON_HTTP_ENDPOINT=${JSON.stringify(cloud.neonHttpEndpoint)}`,
      ].join("\n"),
    );
    const s = slug("local");
    const created = await json<{ tenant: { slug: string } }>(
      ["tenant", "create", "--slug", s, "--name", "Local", "--plan", "free", "--dev-vars", vars],
      {},
    );
    expect(created.tenant.slug).toBe(s);
    const { tenants } = await json<{ tenants: { slug: string }[] }>(["tenant", "list", "--dev-vars", vars], {});
    expect(tenants.map((t) => t.slug)).toContain(s);
  });
});

describe("feature overrides", { timeout: 30_000 }, () => {
  it("~name drops one override and =plan drops them all, back to the plan's features", async () => {
    const s = slug("feat");
    await json([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "Overrides",
      "--plan",
      "pro",
      "--features",
      "+bulk_export,-advanced_analytics",
    ]);
    const one = await json<{ tenant: Record<string, unknown> }>(["tenant", "update", s, "--features", "~bulk_export"]);
    expect(one.tenant).toMatchObject({ features: ["core"], featuresAdd: [], featuresRemove: ["advanced_analytics"] });
    const all = await json<{ tenant: Record<string, unknown> }>(["tenant", "update", s, "--features", "=plan"]);
    expect(all.tenant).toMatchObject({ features: ["core", "advanced_analytics"], featuresAdd: [], featuresRemove: [] });
    // A reset and new overrides in one go: the reset comes first.
    await json(["tenant", "update", s, "--features", "-advanced_analytics"]);
    const again = await json<{ tenant: Record<string, unknown> }>([
      "tenant",
      "update",
      s,
      "--features",
      "=plan,+bulk_export",
    ]);
    expect(again.tenant).toMatchObject({ featuresAdd: ["bulk_export"], featuresRemove: [] });
    // Dropping an override that is not there changes nothing and is no error.
    const same = await json<{ tenant: Record<string, unknown> }>([
      "tenant",
      "update",
      s,
      "--features",
      "~advanced_analytics",
    ]);
    expect({ ...same.tenant, updatedAt: null }).toEqual({ ...again.tenant, updatedAt: null });

    await fails(["tenant", "update", s, "--features", "~bulk_export,+bulk_export"], 2, /bulk_export/, {});
    await fails(
      ["tenant", "create", "--slug", slug("x"), "--name", "n", "--plan", "free", "--features", "=plan"],
      2,
      /only .*tenant update/,
      {},
    );
    await fails(
      ["tenant", "create", "--slug", slug("x"), "--name", "n", "--plan", "free", "--features", "~bulk_export"],
      2,
      /only .*tenant update/,
      {},
    );
  });

  it("tenant show tells the plan's features, the overrides and the effective features apart", async () => {
    const s = slug("show");
    await json([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "Show",
      "--plan",
      "pro",
      "--features",
      "+bulk_export,-advanced_analytics",
    ]);
    const shown = (await cli(["tenant", "show", s])).stdout;
    expect(shown).toMatch(/^plan\s+pro \(features: core, advanced_analytics\)$/m);
    expect(shown).toMatch(/^overrides\s+\+bulk_export \(added\), -advanced_analytics \(removed\)$/m);
    expect(shown).toMatch(/^features\s+core, bulk_export$/m);
    await json(["tenant", "update", s, "--features", "=plan"]);
    expect((await cli(["tenant", "show", s])).stdout).toMatch(/^overrides\s+none$/m);
  });

  it("a plan change that leaves an override hiding one of the new plan's features warns on stderr", async () => {
    const s = slug("warn");
    await json(["tenant", "create", "--slug", s, "--name", "Warn", "--plan", "free", "--features", "-bulk_export"]);
    const run = await cli(["tenant", "update", s, "--plan", "enterprise", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).tenant).toMatchObject({ plan: "enterprise", featuresRemove: ["bulk_export"] });
    expect(run.stderr).toMatch(/^warning: [^\n]*-bulk_export[^\n]*enterprise[^\n]*~bulk_export[^\n]*\n$/);
    // No plan change, or the same plan again: no warning.
    for (const args of [
      ["--rate-limit", "61"],
      ["--plan", "enterprise"],
    ]) {
      const quiet = await cli(["tenant", "update", s, ...args]);
      expect([quiet.code, quiet.stderr]).toEqual([0, ""]);
    }
    // Clearing the override in the same command: no warning.
    await json(["tenant", "update", s, "--plan", "free"]);
    expect(
      (
        await json<{ tenant: { features: string[] } }>([
          "tenant",
          "update",
          s,
          "--plan",
          "enterprise",
          "--features",
          "~bulk_export",
        ])
      ).tenant.features,
    ).toContain("bulk_export");
  });

  it("conformance_fixtures is refused in tenant create/update unless --allow-test-features", async () => {
    const s = slug("fix");
    await fails(
      ["tenant", "create", "--slug", s, "--name", "n", "--plan", "free", "--features", "+conformance_fixtures"],
      2,
      /conformance_fixtures.*conformance suite only.*--allow-test-features/,
      {},
    );
    const made = await json<{ tenant: { features: string[] } }>([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "n",
      "--plan",
      "free",
      "--features",
      "+conformance_fixtures",
      "--allow-test-features",
    ]);
    expect(made.tenant.features).toContain("conformance_fixtures");
    // Taking it away needs no flag.
    expect(
      (await json<{ tenant: { features: string[] } }>(["tenant", "update", s, "--features", "~conformance_fixtures"]))
        .tenant.features,
    ).toEqual(["core"]);
    await fails(["tenant", "update", s, "--features", "conformance_fixtures"], 2, /--allow-test-features/, {});
    await json(["tenant", "update", s, "--features", "+conformance_fixtures", "--allow-test-features"]);
  });
});

describe("secrets given to the CLI", { timeout: 60_000 }, () => {
  it("no command prints a full key it was given, as an argument or an option value", async () => {
    const s = slug("sec");
    await json(["tenant", "create", "--slug", s, "--name", "Secrets", "--plan", "free"]);
    const victim = await json<{ keyId: string; apiKey: string }>(["key", "create", s, "--name", "victim"]);
    const secret = victim.apiKey.split("_")[2] as string;
    // Shaped like a key but not a real one, so no command below changes a real key by accident.
    const fake = `tmcp_${"a".repeat(16)}_${"b".repeat(40)}`;
    const spare = await json<{ keyId: string }>(["key", "create", s, "--name", "spare"]);
    const valid: Record<string, string> = { slug: s, "key id": spare.keyId };
    const runs: { args: string[]; env?: Record<string, string> }[] = [
      { args: [fake] },
      { args: ["tenant", fake] },
      { args: ["tenant", "list", "--dev-vars", fake], env: {} },
    ];
    for (const c of COMMANDS) {
      const base = c.args.map((a) => valid[a] as string);
      c.args.forEach((_, i) => runs.push({ args: [...c.words, ...base.map((v, j) => (i === j ? fake : v))] }));
      runs.push({ args: [...c.words, ...base, fake] });
      const required: Record<string, string> =
        c.words.join(" ") === "tenant create" ? { slug: slug("sec"), name: "n", plan: "free" } : {};
      for (const [name, option] of Object.entries(c.options)) {
        if (option.type !== "string") continue;
        const values: Record<string, string> = { ...required, [name]: fake };
        runs.push({ args: [...c.words, ...base, ...Object.entries(values).flatMap(([k, v]) => [`--${k}`, v])] });
      }
    }
    const fakeSecret = fake.split("_")[2] as string;
    for (const { args, env } of runs) {
      for (const json of [[], ["--json"]]) {
        const run = await cli([...args, ...json], env);
        expect(run.stdout + run.stderr, args.join(" ")).not.toContain(fakeSecret);
      }
    }
    // The real key, given whole to the commands that take a key: revoke resolves its id and never echoes it.
    const rotated = await cli(["key", "rotate", victim.apiKey, "--grace", "0"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout + rotated.stderr).not.toContain(secret);
    const revoked = await cli(["key", "revoke", victim.apiKey, "--json"]);
    expect([revoked.code, revoked.stderr]).toEqual([0, ""]);
    expect(revoked.stdout).not.toContain(secret);
    expect(JSON.parse(revoked.stdout).key).toMatchObject({ id: victim.keyId, status: "revoked" });
    // Nothing was stored under the key's text either.
    const listed = await cli(["key", "list", s, "--json"]);
    expect(listed.stdout).not.toContain(fakeSecret);
    expect((await cli(["tenant", "list", "--json"])).stdout).not.toContain(fakeSecret);
  });
});

describe("control characters", { timeout: 30_000 }, () => {
  const EVIL = "Evil\u001b[2J\u001b[H\nforged-row  free  active\r\u0007\u007f\u0085\u009b31m\u202eend";
  const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

  it("names, labels and tool names are escaped in tables and fields; --json stays exact", async () => {
    const s = slug("ctl");
    const { tenant } = await json<{ tenant: { id: string } }>([
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "Plain",
      "--plan",
      "free",
    ]);
    // Written behind the CLI's back, as SQL or an older CLI could have.
    await admin.query("update public.tenants set name = $2 where id = $1", [tenant.id, EVIL]);
    await admin.query("update public.api_keys set name = $2 where tenant_id = $1", [tenant.id, EVIL]);
    await admin.query(
      "insert into public.audit_log (tenant_id, request_id, key_id, tool, status, duration_ms) values ($1, 'r-ctl', 'k', $2, 'ok', 1)",
      [tenant.id, EVIL],
    );
    for (const args of [
      ["tenant", "list"],
      ["tenant", "show", s],
      ["key", "list", s],
      ["usage", s],
    ]) {
      const run = await cli(args);
      expect([run.code, run.stderr], args.join(" ")).toEqual([0, ""]);
      expect(run.stdout, args.join(" ")).not.toMatch(RAW);
      expect(run.stdout, args.join(" ")).toContain(
        "Evil\\x1b[2J\\x1b[H\\nforged-row  free  active\\r\\x07\\x7f\\x85\\x9b31m\\u202eend",
      );
      expect(run.stdout.split("\n").some((line) => line.startsWith("forged-row"))).toBe(false);
    }
    expect((await json<{ tenant: { name: string } }>(["tenant", "show", s])).tenant.name).toBe(EVIL);
    expect((await json<{ keys: { name: string }[] }>(["key", "list", s])).keys[0]?.name).toBe(EVIL);
    expect((await json<{ tools: { tool: string }[] }>(["usage", s])).tools[0]?.tool).toBe(EVIL);
    // Error messages that quote what they were given are escaped too.
    const failed = await cli(["tenant", "show", "x\u001b[2Jy"]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/^error: [^\n]+\n$/);
    expect(failed.stderr.slice(0, -1)).not.toMatch(RAW);
  });

  it("control characters are refused in tenant names and key labels", async () => {
    const s = slug("ctl");
    await fails(
      ["tenant", "create", "--slug", s, "--name", "a\u001bb", "--plan", "free"],
      2,
      /--name must not contain control characters/,
      {},
    );
    await fails(
      ["tenant", "create", "--slug", s, "--name", "a", "--plan", "free", "--key-name", "x\ny"],
      2,
      /--key-name must not contain control characters/,
      {},
    );
    await fails(["tenant", "update", s, "--name", "a\u0085b"], 2, /--name must not contain control characters/, {});
    await fails(["key", "create", s, "--name", "a\u0007"], 2, /--name must not contain control characters/, {});
  });
});

describe("ranges", { timeout: 30_000 }, () => {
  it("out-of-range numbers and durations are usage errors naming the option and its range, never database errors", async () => {
    const s = slug("range");
    await json(["tenant", "create", "--slug", s, "--name", "Range", "--plan", "free"]);
    const { keyId } = await json<{ keyId: string }>(["key", "create", s]);
    const cases: [string[], RegExp][] = [
      [
        ["tenant", "update", s, "--rate-limit", "2147483648"],
        /--rate-limit must be a positive whole number \(1 to 2147483647\), got "2147483648"/,
      ],
      [
        [
          "tenant",
          "create",
          "--slug",
          slug("r"),
          "--name",
          "n",
          "--plan",
          "free",
          "--rate-limit",
          "99999999999999999999",
        ],
        /--rate-limit must be a positive whole number \(1 to 2147483647\)/,
      ],
      [["usage", s, "--since", "9999999999w"], /--since must be at most 36500d \(100 years\), got "9999999999w"/],
      [["usage", s, "--since", "99999999999999999999999d"], /--since must be at most 36500d/],
      [["key", "create", s, "--expires-in", "9999999999w"], /--expires-in must be at most 36500d/],
      [["key", "rotate", keyId, "--grace", "9999999999w"], /--grace must be at most 36500d/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args);
      expect([run.code, run.stdout], args.join(" ")).toEqual([2, ""]);
      expect(run.stderr, args.join(" ")).toMatch(message);
      expect(run.stderr).not.toMatch(/database error|out of range|overflow/);
    }
    // The largest allowed values work.
    expect(
      (await json<{ tenant: { rateLimitPerMinute: number } }>(["tenant", "update", s, "--rate-limit", "2147483647"]))
        .tenant.rateLimitPerMinute,
    ).toBe(2147483647);
    await json(["usage", s, "--since", "36500d"]);
  });
});

describe("key list", { timeout: 30_000 }, () => {
  it('"last used" is shown to the minute, as the Worker records it; JSON keeps the exact time', async () => {
    const s = slug("used");
    await json(["tenant", "create", "--slug", s, "--name", "Used", "--plan", "free"]);
    const { tenants } = await json<{ tenants: { slug: string; id: string }[] }>(["tenant", "list"]);
    const id = tenants.find((t) => t.slug === s)?.id;
    await admin.query("update public.api_keys set last_used_at = '2026-11-26 13:59:42.5Z' where tenant_id = $1", [id]);
    const human = (await cli(["key", "list", s])).stdout;
    expect(human).toMatch(/ {2}2026-11-26 13:59Z {2}/);
    expect(human).not.toContain("13:59:42");
    expect((await json<{ keys: { lastUsedAt: string }[] }>(["key", "list", s])).keys[0]?.lastUsedAt).toBe(
      "2026-11-26T13:59:42.500Z",
    );
  });
});

describe("the program", { timeout: 60_000 }, () => {
  it("`npm run -s admin` prints one JSON document on stdout, and exits non-zero with one line on stderr", async () => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const s = slug("prog");
    const created = await spawned([
      npm,
      "run",
      "-s",
      "admin",
      "--",
      "tenant",
      "create",
      "--slug",
      s,
      "--name",
      "Program",
      "--plan",
      "free",
      "--json",
    ]);
    expect([created.code, created.stderr]).toEqual([0, ""]);
    expect(JSON.parse(created.stdout)).toMatchObject({ tenant: { slug: s }, apiKey: expect.stringMatching(/^tmcp_/) });

    const shown = await spawned([process.execPath, "scripts/admin.ts", "tenant", "show", s]);
    expect([shown.code, shown.stderr]).toEqual([0, ""]);
    expect(shown.stdout).toMatch(new RegExp(`^slug\\s+${s}$`, "m"));

    const usage = await spawned([process.execPath, "scripts/admin.ts", "tenant", "show"], {});
    expect([usage.code, usage.stdout]).toEqual([2, ""]);
    expect(usage.stderr).toMatch(/^error: missing <slug> \(see `npm run admin -- tenant show --help`\)\n$/);
    const failed = await spawned([process.execPath, "scripts/admin.ts", "tenant", "show", "no-such-tenant"]);
    expect([failed.code, failed.stdout, failed.stderr]).toEqual([
      1,
      "",
      'error: no tenant with slug "no-such-tenant"\n',
    ]);
  });
});

describe("redis reshard", { timeout: 30_000 }, () => {
  it("to the list it already uses moves nothing; a malformed --to is a usage error that never quotes a token", async () => {
    const same = JSON.stringify([{ url: cloud.upstashUrl, token: cloud.upstashToken }]);
    const copy = await json<{ pass: string; moved: number; deleted: number; unknown: string[] }>([
      "redis",
      "reshard",
      "--to",
      same,
    ]);
    expect(copy).toMatchObject({ pass: "copy", moved: 0, deleted: 0 });
    const finish = await json<{ pass: string; moved: number }>(["redis", "reshard", "--to", same, "--finish"]);
    expect(finish).toMatchObject({ pass: "finish", moved: 0 });
    await fails(["redis", "reshard"], 2, /--to is required/);
    await fails(["redis", "reshard", "--to", '[{"url":"ftp://x","token":"secret-token-1"}]'], 2, /--to\[0\] must be/);
    const run = await cli(["redis", "reshard", "--to", '[{"url":"ftp://x","token":"secret-token-1"}]']);
    expect(run.stderr).not.toContain("secret-token-1");
    await fails(["redis", "reshard", "--to", join(tempDir, "no-such-file.json")], 2, /no such file/);
  });
});
