/**
 * Support for the operator API tests: operator tokens made through the control plane (as `operator create` makes
 * them), and calls to /admin/api/v1 through the Worker that wait for its after-response work.
 */
import { expect } from "vitest";
import { createOperator, type OperatorRole } from "../../../src/control/operators.ts";
import { fetchSettled } from "../admin-support.ts";
import { controlDeps } from "./fixtures.ts";

export const ADMIN_ORIGIN = "http://tenant-mcp.test";
export const API = `${ADMIN_ORIGIN}/admin/api/v1`;

/** A fresh operator token of `role`, with its id and name. */
export async function operatorToken(role: OperatorRole): Promise<{ token: string; id: string; name: string }> {
  const name = `test-${role}-${crypto.randomUUID().slice(0, 8)}`;
  const { operator, token } = await createOperator(controlDeps, { name, role });
  return { token, id: operator.id, name };
}

/** Options of {@link call}. */
export interface CallOptions {
  /** The bearer credential; none: no Authorization header. */
  token?: string;
  /** A JSON body (a string is sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
  vars?: Partial<Env>;
}

/** One operator API request: `path` is under /admin/api/v1 (or a whole URL). */
export function call(method: string, path: string, o: CallOptions = {}): Promise<Response> {
  const url = path.startsWith("http") ? path : `${API}${path}`;
  const headers: Record<string, string> = { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) };
  let body: string | undefined;
  if (o.body !== undefined && method !== "GET" && method !== "HEAD") {
    body = typeof o.body === "string" ? o.body : JSON.stringify(o.body);
    headers["content-type"] = "application/json";
  }
  return fetchSettled(url, { method, headers: { ...headers, ...o.headers }, body }, o.vars);
}

/** {@link call}, expecting `status` and a JSON body, which it returns. */
export async function ok<T = Record<string, any>>(
  method: string,
  path: string,
  token: string,
  body?: unknown,
  status = 200,
): Promise<T> {
  const res = await call(method, path, { token, body });
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return JSON.parse(text) as T;
}

/** An RFC 9457 problem as the API answers it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId: string;
  errors?: { pointer: string; detail: string }[];
}

/** Reads `res` as a problem with `status`: the media type, the members every problem has, the request id. */
export async function problemOf(res: Response, status: number): Promise<Problem> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const p = JSON.parse(text) as Problem;
  expect(p).toMatchObject({ status, title: expect.any(String), detail: expect.any(String), type: expect.any(String) });
  expect(p.requestId).toBe(res.headers.get("x-request-id"));
  return p;
}
