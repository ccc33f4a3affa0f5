/**
 * The OpenAPI 3.1 document of the operator API (`GET /admin/api/v1/openapi.json`), generated from the operations
 * themselves: their paths, roles and the zod schemas that validate their queries and bodies (`z.toJSONSchema`, JSON
 * Schema 2020-12, which OpenAPI 3.1 uses as is). So the document cannot drift from what the API accepts.
 */
import * as z from "zod";
import type { Operation } from "./operation.ts";
import { PROBLEM } from "./problem.ts";

const DESCRIPTION = `Everything the admin CLI (\`npm run admin\`) does to tenants, API keys, OAuth grants, usage and quotas, over
HTTP: both call the same operations (src/control). Authenticate with an operator token (\`npm run admin -- operator create
--name <name> --role admin|viewer\`) as \`Authorization: Bearer tmop_...\`; tenant API keys and OAuth tokens are refused
(401). A \`viewer\` token may only read: every change answers 403. Every change is recorded in the operator audit log
(\`GET /audit\`). Errors are RFC 9457 problem details (\`application/problem+json\`). Lists take \`limit\` and \`offset\`
(the audit log: \`limit\` and \`cursor\`).

The isolation tier of a tenant is read-only here: creating a tenant on the schema or database tier, moving a tenant
between tiers (\`tenant move\`) and deleting a tenant from one need the main database's admin login over TCP, which the
Worker never holds, so they stay with the admin CLI; so do the workspaces of a tenant on the database tier.`;

const ERROR_STATUSES: Record<string, string> = {
  "400": "The request is invalid: `errors` lists every problem, each with a JSON Pointer to its field",
  "401": "No operator token, or one that is unknown, wrong or revoked (tenant credentials never work here)",
  "404": "The tenant, key or grant does not exist",
  "429": "Over the token's rate limit, or too many attempts from this address; see Retry-After",
  "503": "The database or Redis is unavailable, or the operator API is not configured",
};

const problemSchema = {
  type: "object",
  required: ["type", "title", "status", "detail"],
  properties: {
    type: { type: "string", description: `A URI; one of ${Object.values(PROBLEM).join(", ")}, or about:blank` },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    requestId: { type: "string", description: "Also in the X-Request-Id header, and in the operator audit log" },
    errors: {
      type: "array",
      items: {
        type: "object",
        required: ["pointer", "detail"],
        properties: { pointer: { type: "string" }, detail: { type: "string" } },
      },
    },
  },
};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  // Input mode: the document describes what a client sends (defaults make fields optional); refinements that JSON
  // Schema cannot express are checked by the API all the same.
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return rest;
}

function parameters(op: Operation): unknown[] {
  const inPath = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  if (!op.query) return inPath;
  const query = jsonSchema(op.query) as { properties?: Record<string, unknown>; required?: string[] };
  const inQuery = Object.entries(query.properties ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: query.required?.includes(name) ?? false,
    schema,
  }));
  return [...inPath, ...inQuery];
}

function describe(op: Operation): Record<string, unknown> {
  const responses: Record<string, unknown> = {
    [String(op.status ?? 200)]: {
      description: "Done",
      content: { "application/json": { schema: { type: "object" } } },
    },
  };
  for (const [status, description] of Object.entries(ERROR_STATUSES)) responses[status] = problem(description);
  if (op.action) {
    responses["403"] = problem("A viewer token: it may only read");
    responses["409"] = problem(
      "The current state refuses it (a slug taken, a key no longer active, a tier the API does not handle)",
    );
  }
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    "x-required-role": op.action ? "admin" : "viewer",
    ...(op.action ? { "x-audit-action": op.action } : {}),
    parameters: parameters(op),
    ...(op.body
      ? { requestBody: { required: false, content: { "application/json": { schema: jsonSchema(op.body) } } } }
      : {}),
    responses,
  };
}

function problem(description: string): unknown {
  return { description, content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } };
}

let memo: Record<string, unknown> | undefined;

/** The document for `operations` (built once per isolate: it depends on nothing but the code). */
export function openApiDocument(operations: readonly Operation[]): Record<string, unknown> {
  if (memo) return memo;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    paths[op.path] ??= {};
    (paths[op.path] as Record<string, unknown>)[op.method] = describe(op);
  }
  paths["/openapi.json"] = {
    get: {
      operationId: "getOpenApiDocument",
      summary: "This document",
      "x-required-role": "viewer",
      responses: {
        "200": { description: "The OpenAPI 3.1 document" },
        "401": problem(ERROR_STATUSES["401"] as string),
      },
    },
  };
  memo = {
    openapi: "3.1.0",
    info: { title: "tenant-mcp operator API", version: "1", description: DESCRIPTION },
    servers: [{ url: "/admin/api/v1" }],
    security: [{ operatorToken: [] }],
    tags: [
      { name: "tenants", description: "Tenants: plan, features, limits, quota, status (the tier read-only)" },
      { name: "keys", description: "Tenants' API keys" },
      { name: "grants", description: "Tenants' OAuth grants" },
      { name: "workspaces", description: "Tenants' workspaces (not on the database tier)" },
      { name: "usage", description: "Usage, billing export, monthly quotas, the audit queue" },
      { name: "operators", description: "The operator audit log and the caller's own token" },
    ],
    paths,
    components: {
      securitySchemes: {
        operatorToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "tmop_<token id>_<secret>",
          description: "An operator token from `npm run admin -- operator create`",
        },
      },
      schemas: { Problem: problemSchema },
    },
  };
  return memo;
}
