/**
 * RFC 9457 problem details: how the operator API (/admin/api/v1) answers every error, with
 * `Content-Type: application/problem+json`. The pipeline still fails with {@link HttpError}; the one error boundary
 * (src/app.ts) renders it with {@link problemResponse} for paths under {@link OPERATOR_PATH}.
 */
import type * as z from "zod";
import { ControlError, type ControlErrorKind } from "../control/errors.ts";
import { HttpError } from "../http/errors.ts";

/** Where the operator API lives; every answer under it is JSON, and every error a problem. */
export const OPERATOR_PATH = "/admin";

/** Whether the error boundary renders an error on `path` as a problem (RFC 9457) rather than JSON-RPC. */
export function isOperatorPath(path: string): boolean {
  return path === OPERATOR_PATH || path.startsWith(`${OPERATOR_PATH}/`);
}

/** Problem types (RFC 9457 §3.1.1: a URI; these are URNs, documented in docs/operator-api.md, not dereferenceable). */
export const PROBLEM = {
  invalid: "urn:tenant-mcp:problem:invalid",
  notFound: "urn:tenant-mcp:problem:not-found",
  conflict: "urn:tenant-mcp:problem:conflict",
  unavailable: "urn:tenant-mcp:problem:unavailable",
  unauthorized: "urn:tenant-mcp:problem:unauthorized",
  forbidden: "urn:tenant-mcp:problem:forbidden",
  rateLimited: "urn:tenant-mcp:problem:rate-limited",
} as const;

// RFC 9110's reason phrases: the problem's `title` (the same for every occurrence of a type, as §3.1.3 asks).
const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** One field's problem, as the `errors` extension member: a JSON Pointer into the request body or query (RFC 6901). */
export interface FieldProblem {
  pointer: string;
  detail: string;
}

/**
 * `error` as a problem details response: `type`, `title`, `status`, `detail` (the public message; internal detail
 * stays in the log), and the request id, plus the error's own members (`errors` for validation problems).
 */
export function problemResponse(error: HttpError, requestId: string): Response {
  const status = error.status;
  const type = error.type ?? (status === 429 ? PROBLEM.rateLimited : "about:blank");
  const extra = error.data && typeof error.data === "object" ? (error.data as Record<string, unknown>) : {};
  const body = {
    type,
    title: TITLES[status] ?? "Error",
    status,
    detail: error.publicMessage,
    requestId,
    ...extra,
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...error.headers, "content-type": "application/problem+json", "cache-control": "no-store" },
  });
}

const STATUS_OF: Record<ControlErrorKind, number> = { invalid: 400, not_found: 404, conflict: 409, unavailable: 503 };
const TYPE_OF: Record<ControlErrorKind, string> = {
  invalid: PROBLEM.invalid,
  not_found: PROBLEM.notFound,
  conflict: PROBLEM.conflict,
  unavailable: PROBLEM.unavailable,
};

/**
 * A failure of a control-plane operation as the operator API answers it: its kind decides the status, its message
 * (fields named as the API's JSON names them) is the detail. Anything else is a 500 whose detail stays in the log.
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof ControlError) {
    return new HttpError(
      STATUS_OF[err.kind],
      err.render((f) => f),
      {
        type: TYPE_OF[err.kind],
        cause: err,
        ...(err.field ? { data: { errors: [{ pointer: `#/${err.field}`, detail: err.render((f) => f) }] } } : {}),
      },
    );
  }
  return new HttpError(500, "Internal error", { cause: err });
}

/**
 * Every problem zod found in a request's body or query, as one 400: the detail is the first problem (led by its
 * field, as every adapter words them), `errors` lists them all.
 */
export function validationProblem(issues: readonly z.core.$ZodIssue[], where: "body" | "query"): HttpError {
  const errors: FieldProblem[] = issues.flatMap((issue): FieldProblem[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        pointer: `#/${[...issue.path, key].join("/")}`,
        detail: `${key} ${UNKNOWN_FIELD[key] ?? "is not a field of this request"}`,
      }));
    }
    const name = issue.path.join(".");
    return [{ pointer: `#/${issue.path.join("/")}`, detail: name ? `${name} ${issue.message}` : issue.message }];
  });
  const first = errors[0]?.detail ?? `the request ${where} is invalid`;
  return new HttpError(400, first, { type: PROBLEM.invalid, data: { errors } });
}

// Fields someone may well send, with what to do instead.
const UNKNOWN_FIELD: Record<string, string> = {
  isolation:
    "is not a field of this request: the API creates tenants on the shared tier, and tier changes are made with the admin CLI (`tenant create --isolation`, `tenant move`), which needs the main database's admin login over TCP",
};
