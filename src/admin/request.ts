import type * as z from "zod";
import { HttpError } from "../http/errors.ts";
import { readBodyCapped } from "../http/guard.ts";
import { PROBLEM, validationProblem } from "./problem.ts";

/** Largest operator API request body: a tenant or key definition is a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The request's JSON body, checked against `schema`: `application/json`, at most 64 KiB, an object (an empty body is
 * `{}`, so an operation whose fields all have defaults needs none). Unknown fields are refused (the schemas are
 * strict): a field the API does not know would otherwise be silently dropped.
 *
 * @throws {HttpError} 400 with every problem, 413, 415.
 */
export async function readBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  const text = await readBodyCapped(request, MAX_BODY_BYTES);
  let value: unknown = {};
  if (text.trim() !== "") {
    const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
    if (type !== "application/json")
      throw new HttpError(415, "Content-Type must be application/json", { type: PROBLEM.invalid });
    try {
      value = JSON.parse(text);
    } catch {
      throw new HttpError(400, "The request body is not valid JSON", { type: PROBLEM.invalid });
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new HttpError(400, "The request body must be a JSON object", { type: PROBLEM.invalid });
  return check(schema, value, "body");
}

/** The request's query parameters (the last of repeated ones), checked against `schema`. */
export function readQuery<S extends z.ZodType>(request: Request, schema: S): z.output<S> {
  return check(schema, Object.fromEntries(new URL(request.url).searchParams), "query");
}

function check<S extends z.ZodType>(schema: S, value: unknown, where: "body" | "query"): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(result.error.issues, where);
  return result.data;
}
