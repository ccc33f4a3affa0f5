/**
 * One operation of the operator API: its route, who may call it, the zod schemas that validate its query and body
 * (the same schemas the OpenAPI document is generated from, src/admin/openapi.ts), and what it runs, which is always a
 * function of the control plane (src/control/) that the admin CLI calls too.
 */
import * as z from "zod";
import type { RequestContext } from "../context.ts";
import type { AdminDeps } from "../control/types.ts";
import type { Operator } from "./authenticate.ts";

/** What an operation's `run` gets. */
export interface OperationContext<Q, B> {
  rc: RequestContext;
  deps: AdminDeps;
  operator: Operator;
  /** Path parameters, decoded (`slug`, `keyId`, `grantId`). */
  params: Record<string, string>;
  query: Q;
  body: B;
}

/** What a change names, for its operator audit log entry (tenant slug and id, a key or grant id, details). */
export interface AuditFacts {
  tenantSlug?: string;
  tenantId?: string;
  target?: string;
  detail?: Record<string, unknown>;
}

/** What an operation answers: a JSON body (or text, with its content type), and for a change what to audit. */
export interface OperationResult {
  body: unknown;
  /** Set for a body that is not JSON (the CSV export). */
  contentType?: string;
  audit?: AuditFacts;
}

/** An operation, as routes and the OpenAPI document see it. */
export interface Operation {
  /** The OpenAPI operationId. */
  id: string;
  method: "get" | "post" | "patch" | "delete";
  /** OpenAPI path template under /admin/api/v1, e.g. `/tenants/{slug}`. */
  path: string;
  tag: "tenants" | "keys" | "grants" | "workspaces" | "usage" | "operators";
  summary: string;
  description?: string;
  /**
   * Set for a change: the action its audit entry records (`tenant.create`), and only an `admin` token may call it.
   * Absent: a read, open to `viewer` too.
   */
  action?: string;
  query?: z.ZodObject;
  body?: z.ZodObject;
  /** Status of success (default 200). */
  status?: number;
  run(ctx: OperationContext<unknown, unknown>): Promise<OperationResult>;
}

/** Defines an operation with `run` typed by its schemas. */
export function operation<Q extends z.ZodObject | undefined = undefined, B extends z.ZodObject | undefined = undefined>(
  o: Omit<Operation, "query" | "body" | "run"> & {
    query?: Q;
    body?: B;
    run(
      ctx: OperationContext<
        Q extends z.ZodObject ? z.output<Q> : undefined,
        B extends z.ZodObject ? z.output<B> : undefined
      >,
    ): Promise<OperationResult>;
  },
): Operation {
  return o as Operation;
}

const whole = (what: string, min: number, max: number): z.ZodCoercedNumber =>
  z.coerce
    .number({ error: `must be ${what}` })
    .int({ error: `must be ${what}` })
    .min(min, { error: `must be ${what}` })
    .max(max, { error: `must be ${what}` });

/** `limit` and `offset` of a list (query parameters). */
export const pageQuery = z.object({
  /** Items per page. Default 100, at most 500. */
  limit: whole("a whole number from 1 to 500", 1, 500).default(100),
  /** Items to skip. Default 0. */
  offset: whole("a whole number of 0 or more", 0, Number.MAX_SAFE_INTEGER).default(0),
});

/** A page of a list: the items, how many there are in all, and the offset of the next page (null on the last). */
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
  nextOffset: number | null;
}

/** `items` cut to the page `q` asks for. */
export function page<T>(items: readonly T[], q: z.output<typeof pageQuery>): Page<T> {
  const next = q.offset + q.limit;
  return {
    items: items.slice(q.offset, next),
    total: items.length,
    limit: q.limit,
    offset: q.offset,
    nextOffset: next < items.length ? next : null,
  };
}
