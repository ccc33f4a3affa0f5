import { lazyNeon } from "../db/client.ts";
import type { AdminDeps, GrantStorage } from "../control/types.ts";
import type { RequestContext } from "../context.ts";
import { HttpError } from "../http/errors.ts";
import { PROBLEM } from "./problem.ts";

/**
 * The control plane's dependencies for one operator API request, wired as the admin CLI wires them: the owner's login
 * (OPERATOR_DATABASE_URL, see Config), the Worker's Redis and pepper, and the authorization server's storage (the
 * OAUTH_KV binding itself, where the CLI goes through wrangler). Built per request; nothing here does I/O until used.
 * The tiers' admin logins (`dataAdmin`) are not among them: the Worker never holds the main database's admin login,
 * and never opens a tenant's own database with its admin login either.
 *
 * @throws {HttpError} 503 when OPERATOR_DATABASE_URL is not set.
 */
export function operatorDeps(rc: RequestContext): AdminDeps {
  const url = rc.config.operatorDatabaseUrl;
  if (!url) {
    throw new HttpError(503, "The operator API is not configured on this deployment", {
      type: PROBLEM.unavailable,
      internal: "OPERATOR_DATABASE_URL is not set",
    });
  }
  // The driver's endpoint and timeout are global settings that createSql (src/db/client.ts) applied for this env when
  // the request context was built; this query function only carries another login.
  return {
    sql: lazyNeon(url),
    shards: rc.shards,
    pepper: rc.config.apiKeyPepper,
    // Seals a tenant's OpenID Connect client secret (PATCH /tenants/{slug}/login), as for `tenant login`.
    ...(rc.config.loginSecretKey ? { loginSecretKey: rc.config.loginSecretKey } : {}),
    grants: kvGrantStorage(rc.oauthKv),
  };
}

/** {@link GrantStorage} over a KV namespace: every page of a prefix listing, and deletes. */
export function kvGrantStorage(kv: Pick<KVNamespace, "list" | "delete">): GrantStorage {
  return {
    async list(prefix) {
      const out: { name: string; metadata?: unknown; expiration?: number }[] = [];
      let cursor: string | undefined;
      do {
        const page = await kv.list({ prefix, ...(cursor ? { cursor } : {}) });
        for (const k of page.keys)
          out.push({ name: k.name, metadata: k.metadata, ...(k.expiration ? { expiration: k.expiration } : {}) });
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
      return out;
    },
    delete: (name) => kv.delete(name),
  };
}
