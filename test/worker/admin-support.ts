/**
 * Support for the administration tests: the admin CLI's operations (src/control) wired to the test cloud exactly as
 * the CLI wires them (the owner login over Neon HTTP, Upstash REST, the Worker's pepper), and a way to call the
 * Worker that waits for its after-response work (audit rows, cache writes) so tests never wait for time.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import worker from "../../src/index.ts";
import type { AdminDeps } from "../../src/control/types.ts";
import { createTenant } from "../../src/control/tenants.ts";
import { vi } from "vitest";
import { neon } from "@neondatabase/serverless";
import { flushTenants } from "../../src/audit/flush.ts";
import { createLogger } from "../../src/log/logger.ts";
import { cloud, controlDeps, MCP_URL, shards } from "./support/fixtures.ts";
import { paramHeaders, statelessMessage } from "./support/stateless.ts";

/** The CLI's dependencies against the test cloud. */
export const deps: AdminDeps = controlDeps;

/** A slug no other test uses. */
export function uniqueSlug(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** A tenant made through the CLI's own operation, with its first key. */
export async function adminTenant(
  plan: "free" | "pro" | "enterprise",
  o: { rateLimitPerMinute?: number } = {},
): Promise<{ id: string; slug: string; apiKey: string; keyId: string }> {
  const slug = uniqueSlug(`adm-${plan}`);
  const { tenant, apiKey, keyId } = await createTenant(deps, {
    slug,
    name: `Admin test ${slug}`,
    plan,
    rateLimitPerMinute: o.rateLimitPerMinute ?? 1000,
  });
  return { id: tenant.id, slug, apiKey, keyId };
}

/**
 * One request through the Worker's fetch handler, returning only after everything it left to `waitUntil` is done.
 * `vars` override bindings for this request (e.g. TENANT_HOST_SUFFIX, or a DATABASE_URL that does not work).
 */
export async function fetchSettled(
  input: string | URL | Request,
  init?: RequestInit,
  vars: Partial<Env> = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(input, init), { ...env, ...vars }, ctx);
  // Buffer the body first: an SSE body is produced by the same request's work.
  const body = await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return new Response(response.status === 204 || response.status === 304 ? null : body, response);
}

/** An SDK client whose every request goes through {@link fetchSettled}. */
export async function settledClient(apiKey: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    fetch: (url, init) => fetchSettled(url as string, init as RequestInit),
    requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
  });
  const client = new Client({ name: "admin-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/**
 * A 2026-07-28 `tools/call` with the headers a stateless client sends, through {@link fetchSettled} (so its audit write
 * is done when it resolves); `headers` are added, `vars` override bindings.
 */
export function settledStatelessCall(
  apiKey: string,
  name: string,
  args: unknown,
  headers: Record<string, string> = {},
  vars: Partial<Env> = {},
): Promise<Response> {
  return fetchSettled(
    MCP_URL,
    {
      method: "POST",
      headers: {
        authorization: `Bearer ${apiKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": name,
        ...paramHeaders(args),
        ...headers,
      },
      body: JSON.stringify(statelessMessage("tools/call", { name, arguments: args })),
    },
    vars,
  );
}

/** The Worker's JSON log lines (console.log) written while `run` runs; lines that are not JSON are left out. */
export async function logLines(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
  try {
    await run();
  } finally {
    vi.restoreAllMocks();
  }
  return lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/**
 * Moves the given tenants' queued audit rows to Postgres, as the Cron Trigger does (with the Worker's database role),
 * so a test can read the rows its requests left. Only those tenants: every test file's tenants share the queue, and
 * a whole-queue flush in each of them would wait on the others' rows (the whole-queue flush is tested on its own).
 */
export async function flushAuditQueue(tenantIds: string[]): Promise<void> {
  // Each tenant's rows wait on its own shard.
  for (const tenantId of tenantIds) {
    const flushDeps = {
      sql: neon(cloud.appDatabaseUrl),
      redis: shards.forTenant(tenantId),
      log: createLogger({}, () => {}),
    };
    while ((await flushTenants(flushDeps, [tenantId], 500)).read > 0);
  }
}
