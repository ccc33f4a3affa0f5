/**
 * Test fixtures for the endpoint: tenants with real API keys in the migrated test database (made as the admin, as
 * an operator would), Redis access for inspecting sessions, and a v1 SDK client that talks to the Worker under
 * test through `SELF.fetch`.
 */
import { SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { neon, neonConfig } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis/cloudflare";
import { inject } from "vitest";
import type { AdminDeps } from "../../../src/control/types.ts";
import { keyCacheKey } from "../../../src/redis/keys.ts";
import type { Feature, IsolationTier, Plan } from "../../../src/tenancy/tenant.ts";
import { createTenantOnTier, type TierPlacement } from "./tiers.ts";
import { createShards } from "../../../src/redis/shards.ts";

export const cloud = inject("cloud");
neonConfig.fetchEndpoint = cloud.neonHttpEndpoint;
/** Superuser connection: bypasses RLS, like an operator's maintenance connection. */
export const admin = neon(cloud.adminDatabaseUrl);
/**
 * Every Upstash database of the test cloud, routed as the Worker routes (src/redis/shards.ts): one in the worker
 * project, three in the sharded one (test/sharded/). A tenant's state is on `shards.forTenant(id)`.
 */
export const shards = createShards(
  cloud.upstashShards,
  (e) => new Redis({ url: e.url, token: e.token, enableTelemetry: false }),
);
/** The first (in the worker project, the only) Upstash database. */
export const redis = shards.at(0);

/** The control plane's dependencies against the test cloud, wired as the admin CLI wires them (the owner login). */
export const controlDeps: AdminDeps = { sql: neon(cloud.ownerDatabaseUrl), shards, pepper: cloud.apiKeyPepper };

export const MCP_URL = "http://tenant-mcp.test/mcp";

/** A tenant made for one test file. */
export interface TestTenant {
  id: string;
  slug: string;
  plan: Plan;
  apiKey: string;
  keyId: string;
  workspaceId: string;
  documentIds: string[];
  /** Where its data tables are (its isolation tier), and superuser access to them. */
  placement: TierPlacement;
}

function randomSuffix(): string {
  return [...crypto.getRandomValues(new Uint8Array(5))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Creates a tenant and its API key through the control plane (as `tenant create` does), places its data on `tier`
 * (default `shared`; see test/worker/support/tiers.ts, whose `tierLacks` a caller checks first), then makes one
 * workspace and a few documents there as the admin.
 */
export async function createTenant(
  plan: Plan,
  o: {
    rateLimitPerMinute?: number;
    featuresAdd?: Feature[];
    featuresRemove?: Feature[];
    documents?: string[];
    tier?: IsolationTier;
  } = {},
): Promise<TestTenant> {
  const slug = `t-${plan}-${randomSuffix()}`;
  const { id, apiKey, keyId, placement } = await createTenantOnTier(
    {
      slug,
      name: `Tenant ${slug}`,
      plan,
      rateLimitPerMinute: o.rateLimitPerMinute ?? 1000,
      features: { add: o.featuresAdd ?? [], remove: o.featuresRemove ?? [] },
      keyName: "test",
      // The fixture's own workspace has an id the test knows before any request.
      defaultWorkspace: false,
    },
    o.tier ?? "shared",
  );
  const workspaceId = crypto.randomUUID();
  const titles = o.documents ?? ["Quarterly report", "Onboarding checklist", "Incident review"];
  const documentIds = titles.map(() => crypto.randomUUID());
  await placement.admin.transaction([
    { text: "insert into workspaces (tenant_id, id, name) values ($1, $2, 'Main')", params: [id, workspaceId] },
    ...titles.map((title, i) => ({
      text: "insert into documents (tenant_id, id, workspace_id, title, body) values ($1, $2, $3, $4, $5)",
      params: [id, documentIds[i], workspaceId, title, `Body of ${title}.`],
    })),
  ]);
  return { id, slug, plan, apiKey, keyId, workspaceId, documentIds, placement };
}

/** Revokes a key the way the admin CLI does: in the database, then the Worker's cache entry. */
export async function revokeKey(keyId: string): Promise<void> {
  await admin`update public.api_keys set revoked_at = now() where id = ${keyId}`;
  await dropCachedKey(keyId);
}

/**
 * Deletes a key's cache entry wherever it is: on its key's shard, and its copy on its tenant's (src/auth/key-store.ts),
 * so the next request with it reads Postgres.
 */
export async function dropCachedKey(keyId: string): Promise<void> {
  await Promise.all(Array.from({ length: shards.count }, (_, i) => shards.at(i).del(keyCacheKey(keyId))));
}

/** A connected v1 SDK client for `apiKey`, speaking to the Worker under test. */
export async function connectClient(
  apiKey: string,
  name = "test-client",
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), {
    fetch: (url, init) => SELF.fetch(url as string, init as RequestInit),
    requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
  });
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
}

/** Raw POST of one JSON-RPC message (or any body) to /mcp with the usual headers, overridable. */
export function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(MCP_URL, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** An initialize request body. */
export function initializeMessage(id: number | string = 1, protocolVersion = "2025-11-25"): Record<string, unknown> {
  return {
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  };
}

/** Opens a session with raw HTTP and returns its id. */
export async function openSession(apiKey: string): Promise<string> {
  const res = await post(initializeMessage(), { authorization: `Bearer ${apiKey}` });
  if (res.status !== 200) throw new Error(`initialize failed: ${res.status} ${await res.text()}`);
  const id = res.headers.get("mcp-session-id");
  if (!id) throw new Error("initialize returned no session id");
  return id;
}
