/**
 * Tenants for the e2e tests, made in the e2e database the way an operator would (superuser connection, key hashed
 * with the Worker's pepper by the same helper the dev script uses).
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createApiKey } from "../../../scripts/lib/tenant-keys.ts";

type Plan = "free" | "pro" | "enterprise";

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

/** Creates a tenant with a workspace, three documents and an API key. */
export async function createTenant(plan: Plan, o: { featuresAdd?: string[] } = {}): Promise<E2eTenant> {
  const { adminDatabaseUrl, pepper } = inject("e2e");
  const marker = `m${randomUUID().replace(/-/g, "").slice(0, 10)}`;
  const slug = `e2e-${plan}-${marker}`;
  const client = new pg.Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    await client.query("begin");
    const tenant = await client.query<{ id: string }>(
      `insert into public.tenants (slug, name, plan, features_add, rate_limit_per_minute)
       values ($1, $2, $3, $4, 10000) returning id`,
      [slug, `Tenant ${slug}`, plan, o.featuresAdd ?? []],
    );
    const id = tenant.rows[0]!.id;
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
    const { apiKey } = await createApiKey(client, { tenantId: id, name: "e2e", pepper });
    return { id, slug, plan, apiKey, workspaceId, documentIds, marker };
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}
