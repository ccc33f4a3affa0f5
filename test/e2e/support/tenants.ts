/**
 * Tenants for the e2e tests, made in the e2e database the way an operator would: through the control plane, over the
 * connection the admin CLI would use.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { connect, type Connection } from "../../../scripts/admin/connect.ts";
import { createTenant as controlCreateTenant } from "../../../src/control/tenants.ts";
import type { AdminDeps } from "../../../src/control/types.ts";
import type { Feature, Plan } from "../../../src/tenancy/tenant.ts";

/** A tenant with one workspace of documents whose titles carry the tenant's own marker. */
export interface E2eTenant {
  id: string;
  slug: string;
  plan: Plan;
  apiKey: string;
  workspaceId: string;
  documentIds: string[];
  /** A word in every title of this tenant's documents and nowhere else. */
  marker: string;
}

/** Creates a tenant and its API key through the control plane, then a workspace and three documents as the superuser. */
export async function createTenant(plan: Plan, o: { featuresAdd?: Feature[] } = {}): Promise<E2eTenant> {
  const { adminDatabaseUrl, connection } = inject("e2e");
  const marker = `m${randomUUID().replace(/-/g, "").slice(0, 10)}`;
  const slug = `e2e-${plan}-${marker}`;
  const { tenant, apiKey } = await controlCreateTenant(control(connection), {
    slug,
    name: `Tenant ${slug}`,
    plan,
    features: { add: o.featuresAdd ?? [], remove: [] },
    rateLimitPerMinute: 10_000,
    keyName: "e2e",
    // The tests' own workspace holds the marked documents.
    defaultWorkspace: false,
  });
  const id = tenant.id;
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    await client.query("begin");
    const workspace = await client.query<{ id: string }>(
      "insert into public.workspaces (tenant_id, name) values ($1, 'Main') returning id",
      [id],
    );
    const workspaceId = workspace.rows[0]!.id;
    const documentIds: string[] = [];
    for (const title of ["Quarterly report", "Onboarding checklist", "Incident review"]) {
      const doc = await client.query<{ id: string }>(
        "insert into public.documents (tenant_id, workspace_id, title, body) values ($1, $2, $3, $4) returning id",
        [id, workspaceId, `${title} ${marker}`, `Body of ${title} for ${marker}.`],
      );
      documentIds.push(doc.rows[0]!.id);
    }
    await client.query("commit");
    return { id, slug, plan, apiKey, workspaceId, documentIds, marker };
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

let deps: AdminDeps | undefined;

/** One set of control-plane clients per test file (the driver's endpoint is a process-wide setting). */
function control(connection: Connection): AdminDeps {
  deps ??= connect(connection);
  return deps;
}
