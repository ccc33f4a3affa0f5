import { listGrants, revokeGrant, revokeUserGrants } from "../../src/control/grants.ts";
import { usageError } from "./admin-error.ts";
import { optional, type Command } from "./command.ts";
import { fields, table, when } from "./output.ts";

/** The `grant ...` commands: OAuth grants (one person's consent for one client) and their revocation. */
export const GRANT_COMMANDS: Command[] = [
  {
    words: ["grant", "list"],
    args: ["slug"],
    options: { user: { type: "string" } },
    summary: "list a tenant's OAuth grants (who signed in, with which client)",
    synopsis: "<slug> [--user <subject>]",
    details: `Reads the authorization server's storage (OAUTH_KV) through wrangler: the local one of \`npm run dev\`, or the
deployed one when DATABASE_URL is set (wrangler login or CLOUDFLARE_API_TOKEN).
  --user <subject>      only this person's grants (e.g. key:<key id> for a sign-in with an API key)
JSON: {"grants": [{"id", "subject", "clientId", "resource", "expiresAt"}]}`,
    async run(deps, [slug], values) {
      const user = optional(values, "user");
      const grants = await listGrants(deps, slug as string, user === undefined ? {} : { subject: user });
      return {
        json: { grants },
        human: table(
          ["grant id", "user", "client", "ends"],
          grants.map((g) => [g.id, g.subject, g.clientId, when(g.expiresAt)]),
        ),
      };
    },
  },
  {
    words: ["grant", "revoke"],
    args: ["grant id"],
    optionalArgs: true,
    options: { tenant: { type: "string" }, user: { type: "string" } },
    summary: "revoke one OAuth grant, or every grant of a tenant's user",
    synopsis: "<grant id> | --tenant <slug> --user <subject>",
    details: `Takes effect on the next request (a marker in Redis that every OAuth request checks), then removes the grants
from the authorization server's storage so they cannot be refreshed. --user refuses grants made until now; the
person can sign in again. To stop a whole tenant, suspend it (\`tenant suspend\`).
JSON: {"grantId", "deleted"} or {"tenantId", "subject", "deleted"}`,
    async run(deps, args, values) {
      const tenant = optional(values, "tenant");
      const user = optional(values, "user");
      if (tenant !== undefined || user !== undefined) {
        if (tenant === undefined || user === undefined) throw usageError("--tenant and --user go together");
        const r = await revokeUserGrants(deps, tenant, user);
        return {
          json: r,
          human: fields([
            ["user", r.subject],
            ["grants removed", String(r.deleted)],
          ]),
        };
      }
      const [id] = args;
      if (!id) throw usageError("a grant id, or --tenant <slug> --user <subject>, is required");
      const r = await revokeGrant(deps, id);
      return {
        json: r,
        human: fields([
          ["grant", r.grantId],
          ["removed from storage", r.deleted ? "yes" : "no"],
        ]),
      };
    },
  },
];
