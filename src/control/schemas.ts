import * as z from "zod";
import { DEFAULT_KEY_SCOPES, expandScopes, MCP_SCOPES } from "../auth/scopes.ts";
import { FEATURES, isPlan, PLANS } from "../tenancy/tenant.ts";
import { field, invalid, says } from "./errors.ts";
import { hasControls, labelProblem } from "./text.ts";

/** Same rule as the `tenants.slug` check constraint, so a bad slug is an input error rather than a database error. */
const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** Largest value of a Postgres `int` column (`rate_limit_per_minute`). */
const MAX_INT = 2_147_483_647;

/** Longest duration the CLI and the API accept: 36500 days, as `--grace` / `--expires-in` (scripts/admin/duration.ts). */
const MAX_SECONDS = 36_500 * 86_400;

// Issue messages are worded to follow the field's name ("must be ..."): `parseInput` puts the field in front, as
// each adapter names it.
const got = (input: unknown): string => `got "${String(input)}"`;

const text = (): z.ZodString => z.string({ error: "must be text" });

const noLabelProblem = (value: string, ctx: z.RefinementCtx): void => {
  const problem = labelProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
};

/** A key label: no control characters, no API key. */
const label = text().superRefine(noLabelProblem);

// Emptiness first: a name of only a newline is reported as empty.
const name = text()
  .refine((value) => value.trim() !== "", { error: "must not be empty", abort: true })
  .superRefine(noLabelProblem);

// A string refined rather than an enum, so callers may pass any text (the CLI passes what it was given).
const plan = z
  .string({ error: (iss) => `must be one of ${PLANS.join(", ")}, ${got(iss.input)}` })
  .refine(isPlan, { error: (iss) => `must be one of ${PLANS.join(", ")}, ${got(iss.input)}` });

const rateLimitPerMinute = z
  .number({ error: (iss) => `must be a positive whole number (1 to ${MAX_INT}), ${got(iss.input)}` })
  .int()
  .min(1)
  .max(MAX_INT);

const feature = z.enum(FEATURES, {
  error: (iss) => `has an unknown feature "${String(iss.input)}" (known: ${FEATURES.join(", ")})`,
});

/** Per-tenant feature overrides on top of the plan (the CLI builds them with `parseFeatureChanges`). */
const featureChangesInput = z.object({
  /** Drop every override first, so the plan's features apply. Default false. */
  reset: z.boolean().optional(),
  /** Overrides to drop: the feature follows the plan again. Default none. */
  clear: z.array(feature).optional(),
  /** Features to add on top of the plan. Default none. */
  add: z.array(feature).default([]),
  /** Features of the plan to take away. Default none. */
  remove: z.array(feature).default([]),
});

/** What `createTenant` takes. Checked in this order; the first problem is the one reported. */
export const createTenantInput = z.object({
  slug: text().regex(SLUG, {
    error: (iss) => `must be 2-63 characters of a-z, 0-9 and "-", starting with a letter or digit, ${got(iss.input)}`,
  }),
  plan,
  name,
  /** Label of the first API key. Default "default". */
  keyName: label.optional(),
  features: featureChangesInput.optional(),
  /** Requests per minute. Default: the column default (60). */
  rateLimitPerMinute: rateLimitPerMinute.optional(),
  /** Also create the tenant's first workspace ("Default"), so its key is useful at once. Default true. */
  defaultWorkspace: z.boolean().optional(),
});

/**
 * A tenant's own monthly quota of tool calls: a whole number (0 and up), `"unlimited"`, or `"plan"` to drop the
 * tenant's own value so its plan's applies again.
 */
const quotaProblem = (iss: { input?: unknown }): string =>
  `must be a whole number of calls (0 or more), "unlimited" or "plan", ${got(iss.input)}`;
const monthlyQuota = z.union(
  [
    z.literal("unlimited"),
    z.literal("plan"),
    z
      .number({ error: quotaProblem })
      .int({ error: quotaProblem })
      .min(0, { error: quotaProblem })
      .max(Number.MAX_SAFE_INTEGER, { error: quotaProblem }),
  ],
  { error: quotaProblem },
);

/** What `updateTenant` may change; absent fields stay as they are. */
export const updateTenantInput = z.object({
  plan: plan.optional(),
  name: name.optional(),
  features: featureChangesInput.optional(),
  rateLimitPerMinute: rateLimitPerMinute.optional(),
  /** The tenant's own monthly quota of tool calls (src/quota/plans.ts). Default: unchanged. */
  monthlyQuota: monthlyQuota.optional(),
});

const scope = z.enum(MCP_SCOPES as [string, ...string[]], {
  error: (iss) => `has an unknown scope "${String(iss.input)}" (known: ${MCP_SCOPES.join(", ")})`,
});

/**
 * A key's scopes, stored with the hierarchy applied and in a fixed order (`["mcp:write"]` is stored as
 * `["mcp:read", "mcp:write"]`), so what `key list` shows is everything the key may do.
 */
const scopes = z
  .array(scope, { error: "must be a list of scopes" })
  .min(1, { error: `must name at least one scope (${MCP_SCOPES.join(", ")})` })
  .transform((given) => {
    const granted = expandScopes(given);
    return MCP_SCOPES.filter((s) => granted.has(s));
  });

/** What `createKey` takes besides the tenant. */
export const createKeyInput = z.object({
  /** The key's label. Default none. */
  name: label.optional(),
  /** Lifetime in seconds. Default: the key never expires. */
  expiresInSeconds: z
    .number({ error: "must be a number of seconds" })
    .int()
    .positive({ error: "must be longer than 0" })
    .max(MAX_SECONDS, { error: `must be at most ${MAX_SECONDS} (36500 days)` })
    .optional(),
  /** What the key may do. Default: every scope (`mcp:read`, `mcp:write`). */
  scopes: scopes.default([...DEFAULT_KEY_SCOPES]),
});

/** An OpenID Connect issuer: https, or http on a loopback address (a provider on the developer's machine). */
const oidcIssuer = text()
  .max(512, { error: "must be at most 512 characters" })
  .refine(isIssuerUrl, {
    error: (iss) =>
      `must be the provider's issuer URL, https (http only on 127.0.0.1 or localhost), without query or fragment, ${got(iss.input)}`,
  });

/** A value the CLI prints later: no control characters, no API key, not empty. */
const printable = (max: number): z.ZodString =>
  text()
    .refine((value) => value !== "", { error: "must not be empty", abort: true })
    .max(max, { error: `must be at most ${max} characters` })
    .superRefine(noLabelProblem);

// Host names as e-mail addresses carry them after the "@": lower-case labels, at least two.
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const emailDomain = text().regex(DOMAIN, {
  error: (iss) => `must be e-mail domains such as example.com (lower case), ${got(iss.input)}`,
});

/** How a tenant's users sign in at /authorize (`tenant login`); absent fields stay as they are. */
export const tenantLoginInput = z.object({
  /** Turn OpenID Connect off: drops the issuer, client, secret, e-mail domains and required claim. Default false. */
  disableOidc: z.boolean().optional(),
  /** The tenant's OpenID Connect issuer. Giving it (again) needs `clientId`, and replaces the client secret. */
  oidcIssuer: oidcIssuer.optional(),
  /** The client id registered at the issuer for this server. */
  clientId: printable(256).optional(),
  /** The client's secret, in clear (sealed before it is stored); null: a public client (PKCE only). */
  clientSecret: text()
    .refine((value) => value !== "", { error: "must not be empty", abort: true })
    .max(1024, { error: "must be at most 1024 characters" })
    .refine((value) => !hasControls(value), { error: "must not contain control characters" })
    .nullable()
    .optional(),
  /** Only a verified e-mail in one of these domains signs in; [] allows any. */
  allowedEmailDomains: z.array(emailDomain).max(50, { error: "must be at most 50 domains" }).optional(),
  /** A claim the ID token must carry with this value (or contain, for an array); null drops the rule. */
  requiredClaim: z
    .object({
      name: text().regex(/^[A-Za-z0-9_.:-]{1,64}$/, {
        error: (iss) => `must be a claim name (1-64 letters, digits, "_", ".", ":", "-"), ${got(iss.input)}`,
      }),
      value: printable(256),
    })
    .nullable()
    .optional(),
  /** Sign in by pasting one of the tenant's API keys. */
  apiKeyLogin: z.boolean().optional(),
});

/** Input of `setTenantLogin`. */
export type TenantLoginInput = z.input<typeof tenantLoginInput>;

/** Whether `value` is an issuer URL {@link tenantLoginInput} accepts. */
export function isIssuerUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.search || url.hash || value.includes("#") || value.includes("?") || url.username || url.password)
    return false;
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

/** Input of `createTenant`. */
export type CreateTenantInput = z.input<typeof createTenantInput>;
/** Input of `updateTenant`. */
export type UpdateTenantInput = z.input<typeof updateTenantInput>;
/** Input of `createKey`. */
export type CreateKeyInput = z.input<typeof createKeyInput>;

/**
 * `input` checked against `schema`, or an `invalid` error about the first problem (in the schema's field order), its
 * message led by the field (`slug must be ...`). Unknown fields are ignored.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  // The top-level field, also for a problem deeper inside it (`features.add[0]` is about `features`).
  const name = issue.path[0];
  if (typeof name !== "string") throw invalid(undefined, issue.message);
  throw invalid(name, says`${field(name)} ${issue.message}`);
}

/** An operator's role: `admin` may change everything the API offers, `viewer` only reads. */
export const OPERATOR_ROLES = ["admin", "viewer"] as const;

/** What `createOperator` takes. */
export const createOperatorInput = z.object({
  /** Who or what holds the token (a person, "billing-webhook"); shown in the operator audit log. */
  name: printable(100),
  role: z.enum(OPERATOR_ROLES, {
    error: (iss) => `must be one of ${OPERATOR_ROLES.join(", ")}, ${got(iss.input)}`,
  }),
});

/** Input of `createOperator`. */
export type CreateOperatorInput = z.input<typeof createOperatorInput>;

/** What `rotateKey` takes besides the key. */
export const rotateKeyInput = z.object({
  /** How long the old key keeps working, in seconds; 0 ends it now. Default 86400 (24 h). */
  graceSeconds: z
    .number({ error: "must be a number of seconds" })
    .int({ error: "must be a whole number of seconds" })
    .min(0, { error: "must be 0 or more" })
    .max(MAX_SECONDS, { error: `must be at most ${MAX_SECONDS} (36500 days)` })
    .default(86_400),
  /** Lifetime of the new key, in seconds. Default: the old key's lifetime, or none. */
  expiresInSeconds: z
    .number({ error: "must be a number of seconds" })
    .int({ error: "must be a whole number of seconds" })
    .positive({ error: "must be longer than 0" })
    .max(MAX_SECONDS, { error: `must be at most ${MAX_SECONDS} (36500 days)` })
    .optional(),
});

/** Input of `rotateKey`. */
export type RotateKeyInput = z.input<typeof rotateKeyInput>;

/** Which page of the operator audit log `listOperatorAudit` reads. */
export const operatorAuditQuery = z.object({
  /** Entries per page, newest first. Default 50, at most 500. */
  limit: z.coerce
    .number({ error: "must be a whole number from 1 to 500" })
    .int({ error: "must be a whole number from 1 to 500" })
    .min(1, { error: "must be a whole number from 1 to 500" })
    .max(500, { error: "must be a whole number from 1 to 500" })
    .default(50),
  /** Only entries older than this one (the `nextCursor` of the page before). Default: from the newest. */
  cursor: z.coerce
    .number({ error: "must be a cursor from an earlier page" })
    .int({ error: "must be a cursor from an earlier page" })
    .positive({ error: "must be a cursor from an earlier page" })
    .optional(),
  /** Only entries about this tenant (its slug). Default: every entry. */
  tenant: text()
    .regex(SLUG, { error: (iss) => `must be a tenant slug, ${got(iss.input)}` })
    .optional(),
});

/** Input of `listOperatorAudit`. */
export type OperatorAuditQuery = z.input<typeof operatorAuditQuery>;
