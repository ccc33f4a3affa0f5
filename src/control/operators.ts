import { mintOperatorToken, OPERATOR_TOKEN_PREFIX, parseOperatorToken } from "../auth/operator-token.ts";
import { iso, isoOrNull } from "../db/timestamps.ts";
import { ControlError, field, invalid, says } from "./errors.ts";
import { ownerTransaction, type Row, type Sql } from "./owner-sql.ts";
import {
  createOperatorInput,
  operatorAuditQuery,
  parseInput,
  type CreateOperatorInput,
  type OPERATOR_ROLES,
  type OperatorAuditQuery,
} from "./schemas.ts";
import type { AdminDeps } from "./types.ts";

/** What an operator may do: `admin` everything the operator API offers, `viewer` only reads. */
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** An operator token as `operator list` shows it: never the secret nor its hash. Times are ISO 8601 or null. */
export interface OperatorView {
  id: string;
  name: string;
  role: OperatorRole;
  status: "active" | "revoked";
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A stored token as the operator API's authentication needs it (src/admin/authenticate.ts). */
export interface StoredOperator {
  id: string;
  name: string;
  role: OperatorRole;
  secretHash: string;
  revoked: boolean;
}

/** Who performed an operator action: a token of the operator API, or the CLI (which holds the owner's login). */
export interface OperatorActor {
  /** The token id; null for the CLI. */
  id: string | null;
  /** The token's name, or `cli:<user>`. */
  name: string;
  role: OperatorRole | null;
}

/** One row of the operator audit log. */
export interface OperatorAuditEntry {
  id: number;
  at: string;
  operatorId: string | null;
  operatorName: string;
  operatorRole: string | null;
  /** What was done, e.g. `tenant.create`, `key.revoke`, `operator.create`. */
  action: string;
  tenantSlug: string | null;
  tenantId: string | null;
  /** What else the action named (a key id, a grant id, a token id). */
  target: string | null;
  requestId: string | null;
  /** The HTTP status it answered with; for the CLI, 200 or the status its failure would have had. */
  status: number;
  detail: Record<string, unknown>;
}

/** An action to record; see {@link recordOperatorAction}. */
export type OperatorAction = Pick<OperatorAuditEntry, "action" | "status"> &
  Partial<Pick<OperatorAuditEntry, "tenantSlug" | "tenantId" | "target" | "requestId" | "detail">>;

const OPERATOR_SELECT = `select id, name, role, created_at, last_used_at, revoked_at from public.operator_tokens`;

// Operator tables are the owner's and are not under row-level security: no tenant scope.
const UNSCOPED = { directory: true } as const;

/** Creates an operator token. The token is returned once and never stored (only its hash is). */
export async function createOperator(
  deps: Pick<AdminDeps, "sql" | "pepper">,
  raw: CreateOperatorInput,
): Promise<{ operator: OperatorView; token: string }> {
  const input = parseInput(createOperatorInput, raw);
  const minted = await mintOperatorToken(deps.pepper);
  const { results } = await ownerTransaction(deps.sql, UNSCOPED, [
    {
      text: `insert into public.operator_tokens (id, name, role, secret_hash) values ($1, $2, $3, $4)
             returning id, name, role, created_at, last_used_at, revoked_at`,
      params: [minted.tokenId, input.name, input.role, minted.secretHash],
    },
  ]);
  return { operator: toOperatorView(results[0]?.[0] as Row), token: minted.token };
}

/** Every operator token, oldest first, revoked ones included. */
export async function listOperators(deps: Pick<AdminDeps, "sql">): Promise<OperatorView[]> {
  const { results } = await ownerTransaction(deps.sql, UNSCOPED, [
    { text: `${OPERATOR_SELECT} order by created_at, id` },
  ]);
  return (results[0] ?? []).map(toOperatorView);
}

/**
 * Revokes a token now: the operator API reads the token's row on every request, so its next request gets 401.
 * Revoking a revoked token changes nothing and succeeds.
 */
export async function revokeOperator(deps: Pick<AdminDeps, "sql">, tokenId: string): Promise<OperatorView> {
  const { results } = await ownerTransaction(deps.sql, UNSCOPED, [
    {
      text: `update public.operator_tokens set revoked_at = coalesce(revoked_at, now()) where id = $1
             returning id, name, role, created_at, last_used_at, revoked_at`,
      params: [tokenId],
    },
  ]);
  const row = results[0]?.[0];
  if (!row) throw new ControlError("not_found", `no operator token with id "${tokenId}"`, { field: "tokenId" });
  return toOperatorView(row);
}

/**
 * The token id in `arg`: a token id as `operator list` shows it, or a whole token (only its id is used, and the secret
 * is never quoted). Anything else shaped like a token is refused without quoting it.
 */
export function resolveOperatorId(arg: string): string {
  const parsed = parseOperatorToken(arg.trim());
  if (parsed) return parsed.tokenId;
  if (arg.startsWith(OPERATOR_TOKEN_PREFIX) || !/^[a-z0-9]{1,64}$/.test(arg)) {
    throw invalid(
      "tokenId",
      says`${field("tokenId")} must be a token id (as \`operator list\` shows it) or a whole operator token`,
    );
  }
  return arg;
}

/**
 * The stored token `tokenId`, for verifying a presented one; null when there is none. Also notes when it was last
 * used (to the minute, so a busy token writes once a minute).
 */
export async function findOperator(sql: Sql, tokenId: string): Promise<StoredOperator | null> {
  const { results } = await ownerTransaction(sql, UNSCOPED, [
    {
      text: `select id, name, role, secret_hash, revoked_at is not null as revoked
               from public.operator_tokens where id = $1`,
      params: [tokenId],
    },
  ]);
  const row = results[0]?.[0];
  if (!row) return null;
  return {
    id: String(row.id),
    name: String(row.name),
    role: row.role as OperatorRole,
    secretHash: String(row.secret_hash),
    revoked: row.revoked === true,
  };
}

/** Notes that a token was used now; at most one write a minute per token. */
export async function touchOperator(sql: Sql, tokenId: string): Promise<void> {
  await ownerTransaction(sql, UNSCOPED, [
    {
      text: `update public.operator_tokens set last_used_at = now()
              where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')`,
      params: [tokenId],
    },
  ]);
}

/** Appends one entry to the operator audit log. */
export async function recordOperatorAction(sql: Sql, actor: OperatorActor, action: OperatorAction): Promise<void> {
  await ownerTransaction(sql, UNSCOPED, [
    {
      text: `insert into public.operator_audit
               (operator_id, operator_name, operator_role, action, tenant_slug, tenant_id, target, request_id, status, detail)
             values ($1, $2, $3, $4, $5, $6::uuid, $7, $8, $9, $10::jsonb)`,
      params: [
        actor.id,
        actor.name,
        actor.role,
        action.action,
        action.tenantSlug ?? null,
        action.tenantId ?? null,
        action.target ?? null,
        action.requestId ?? null,
        action.status,
        JSON.stringify(action.detail ?? {}),
      ],
    },
  ]);
}

/** A page of the operator audit log, newest first. */
export interface OperatorAuditPage {
  entries: OperatorAuditEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** The operator audit log, newest first, a page at a time (keyset pagination on the entry id). */
export async function listOperatorAudit(
  deps: Pick<AdminDeps, "sql">,
  raw: OperatorAuditQuery = {},
): Promise<OperatorAuditPage> {
  const q = parseInput(operatorAuditQuery, raw);
  const { results } = await ownerTransaction(deps.sql, UNSCOPED, [
    {
      // One more than asked for: whether it exists says whether there is a next page. A tenant is matched by slug, or by
      // id for entries that named only its id (a key's revocation).
      text: `select * from public.operator_audit
              where ($1::bigint is null or id < $1::bigint)
                and ($2::text is null or tenant_slug = $2::text or tenant_id = public.directory_tenant_id($2::text))
              order by id desc limit $3::int`,
      params: [q.cursor ?? null, q.tenant ?? null, q.limit + 1],
    },
  ]);
  const rows = results[0] ?? [];
  const entries = rows.slice(0, q.limit).map(toAuditEntry);
  const last = entries.at(-1);
  return { entries, nextCursor: rows.length > q.limit && last ? String(last.id) : null };
}

function toOperatorView(row: Row): OperatorView {
  const revokedAt = isoOrNull(row.revoked_at);
  return {
    id: String(row.id),
    name: String(row.name),
    role: row.role as OperatorRole,
    status: revokedAt === null ? "active" : "revoked",
    createdAt: iso(row.created_at),
    lastUsedAt: isoOrNull(row.last_used_at),
    revokedAt,
  };
}

function toAuditEntry(row: Row): OperatorAuditEntry {
  const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  return {
    id: Number(row.id),
    at: iso(row.at),
    operatorId: text(row.operator_id),
    operatorName: String(row.operator_name),
    operatorRole: text(row.operator_role),
    action: String(row.action),
    tenantSlug: text(row.tenant_slug),
    tenantId: text(row.tenant_id),
    target: text(row.target),
    requestId: text(row.request_id),
    status: Number(row.status),
    detail: (row.detail as Record<string, unknown> | null) ?? {},
  };
}
