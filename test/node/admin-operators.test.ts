// The admin CLI's operator-token commands, run through the CLI's entry point against the test cloud (as in
// admin-cli.test.ts), and checked behind its back with the superuser: only a hash is stored, revocation is recorded,
// and each change lands in the operator audit log.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runAdmin } from "../../scripts/admin/cli.ts";
import { parseOperatorToken } from "../../src/auth/operator-token.ts";

const cloud = inject("cloud");
const admin = new pg.Client({ connectionString: cloud.adminDatabaseUrl });
beforeAll(() => admin.connect());
afterAll(() => admin.end());

const ENV = {
  DATABASE_URL: cloud.ownerDatabaseUrl,
  UPSTASH_REDIS_REST_URL: cloud.upstashUrl,
  UPSTASH_REDIS_REST_TOKEN: cloud.upstashToken,
  API_KEY_PEPPER: cloud.apiKeyPepper,
  LOCAL_NEON_HTTP_ENDPOINT: cloud.neonHttpEndpoint,
  USER: "ops-test",
};

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runAdmin(args, { env: ENV, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

async function json<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const run = await cli([...args, "--json"]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

type Operator = { id: string; name: string; role: string; status: string; revokedAt: string | null };

describe("operator commands", { timeout: 30_000 }, () => {
  it("create prints the token once and stores only its hash; list shows it; revoke ends it; audit records both", async () => {
    const name = `ops-${crypto.randomUUID().slice(0, 8)}`;
    const made = await json<{ operator: Operator; token: string }>([
      "operator",
      "create",
      "--name",
      name,
      "--role",
      "viewer",
    ]);
    const parsed = parseOperatorToken(made.token);
    expect(parsed?.tokenId).toBe(made.operator.id);
    expect(made.operator).toMatchObject({ name, role: "viewer", status: "active", revokedAt: null });
    const stored = await admin.query("select secret_hash from public.operator_tokens where id = $1", [
      made.operator.id,
    ]);
    expect(stored.rows[0].secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.rows[0].secret_hash).not.toContain(parsed?.secret);

    const human = await cli(["operator", "list"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(made.operator.id);
    expect(human.stdout).not.toContain(made.token);

    // The whole token works as the id, and is never printed back.
    const revoked = await cli(["operator", "revoke", made.token]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/status\s+revoked/);
    expect(revoked.stdout + revoked.stderr).not.toContain(parsed?.secret);
    const listed = await json<{ operators: Operator[] }>(["operator", "list"]);
    expect(listed.operators.find((o) => o.id === made.operator.id)?.status).toBe("revoked");

    const audit = await json<{ entries: { action: string; target: string; operatorName: string; status: number }[] }>([
      "operator",
      "audit",
      "--limit",
      "500",
    ]);
    const mine = audit.entries.filter((e) => e.target === made.operator.id).map((e) => [e.action, e.operatorName]);
    expect(mine).toEqual([
      ["operator.revoke", "cli:ops-test"],
      ["operator.create", "cli:ops-test"],
    ]);
  });

  it("refuses a bad role, a missing name, an unknown token and a mangled token, without quoting the secret", async () => {
    const role = await cli(["operator", "create", "--name", "x", "--role", "root"]);
    expect(role.code).toBe(2);
    expect(role.stderr).toMatch(/--role must be one of admin, viewer/);
    expect((await cli(["operator", "create", "--role", "admin"])).stderr).toMatch(/--name is required/);
    const unknown = await cli(["operator", "revoke", "aaaaaaaaaaaaaaaa"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no operator token with id "aaaaaaaaaaaaaaaa"/);
    const mangled = await cli(["operator", "revoke", "tmop_aaaaaaaaaaaaaaaa_secretpart"]);
    expect(mangled.code).toBe(2);
    expect(mangled.stderr).not.toContain("secretpart");
  });

  it("records every change the CLI makes (a failed one too) with the tenant and what it named; reads and usage errors not", async () => {
    const slug = `aud-${crypto.randomUUID().slice(0, 8)}`;
    const made = await json<{ tenant: { id: string }; apiKey: string }>([
      "tenant",
      "create",
      "--slug",
      slug,
      "--name",
      "Audited",
      "--plan",
      "free",
    ]);
    await json(["tenant", "show", slug]);
    await json(["key", "revoke", made.apiKey]);
    expect((await cli(["tenant", "suspend", `${slug}-gone`])).code).toBe(1);
    expect((await cli(["tenant", "update", slug, "--plan", "gold"])).code).toBe(2);
    expect((await cli(["tenant", "update", slug, "--rate-limit", "ten"])).code).toBe(2); // the command line: not recorded

    const page = await json<{ entries: Record<string, unknown>[] }>(["operator", "audit", "--tenant", slug]);
    const keyId = made.apiKey.split("_")[1];
    expect(page.entries.map((e) => [e.action, e.status, e.operatorName, e.target])).toEqual([
      ["tenant.update", 400, "cli:ops-test", null],
      ["key.revoke", 200, "cli:ops-test", keyId],
      ["tenant.create", 200, "cli:ops-test", keyId],
    ]);
    expect(page.entries.at(-1)).toMatchObject({ tenantSlug: slug, tenantId: made.tenant.id, operatorId: null });
    expect(JSON.stringify(page)).not.toContain(made.apiKey.split("_")[2]);
    const missing = await json<{ entries: Record<string, unknown>[] }>([
      "operator",
      "audit",
      "--tenant",
      `${slug}-gone`,
    ]);
    expect(missing.entries.map((e) => [e.action, e.status])).toEqual([["tenant.suspend", 404]]);
  });

  it("pages the audit log with a cursor", async () => {
    for (let i = 0; i < 3; i++) await json(["operator", "create", "--name", `page-${i}`, "--role", "viewer"]);
    const first = await json<{ entries: { id: number }[]; nextCursor: string }>(["operator", "audit", "--limit", "2"]);
    expect(first.entries).toHaveLength(2);
    expect(first.nextCursor).toBe(String(first.entries[1]?.id));
    const next = await json<{ entries: { id: number }[] }>([
      "operator",
      "audit",
      "--limit",
      "2",
      "--cursor",
      first.nextCursor,
    ]);
    expect(next.entries[0]?.id).toBeLessThan(first.entries[1]?.id as number);
  });
});
