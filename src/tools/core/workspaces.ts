import * as z from "zod";
import { DISPLAY_CONTROL } from "../storable-text.ts";
import { iso, isoOrNull } from "../../db/timestamps.ts";
import { Id } from "./documents.ts";

/** Longest workspace name, in characters (the `workspaces_name_check` constraint says the same). */
const WORKSPACE_NAME_MAX = 100;

/** Why `name` is not a valid workspace name, or `null` when it is. Expects a trimmed name. */
export function workspaceNameProblem(name: string): string | null {
  if (name.length === 0) return "must not be empty";
  if (name.length > WORKSPACE_NAME_MAX) return `must be at most ${WORKSPACE_NAME_MAX} characters`;
  // Emoji sequences (ZWJ) and every script stay allowed: only what changes how a name displays is refused.
  if (DISPLAY_CONTROL.test(name))
    return "must not contain control, line-separator or bidirectional-override characters";
  return null;
}

/**
 * A workspace name in tool input: trimmed, then checked. The character rule is a refinement rather than a `pattern`,
 * so the published JSON Schema carries no Unicode regex a client's validator might not compile.
 */
export const WorkspaceName = z
  .string()
  .trim()
  .min(1)
  .max(WORKSPACE_NAME_MAX)
  .refine((name) => !DISPLAY_CONTROL.test(name), {
    message: "Must not contain control, line-separator or bidirectional-override characters",
  })
  .describe(`1-${WORKSPACE_NAME_MAX} characters, unique within the account (ignoring case)`);

/** A workspace as tools return it. */
export const Workspace = z.object({
  id: Id,
  name: z.string(),
  created_at: z.iso.datetime().describe("ISO 8601, UTC"),
  archived_at: z.iso.datetime().nullable().describe("When it was archived; null while in use"),
  document_count: z.number().int(),
});
export type Workspace = z.output<typeof Workspace>;

/** The select (or returning) list matching {@link Workspace} for a `workspaces w` row. */
export const WORKSPACE_COLUMNS =
  "w.id, w.name, w.created_at, w.archived_at, (select count(*) from documents d where d.workspace_id = w.id)::int as document_count";

/** Maps a row selected with {@link WORKSPACE_COLUMNS}. */
export function toWorkspace(row: Record<string, unknown>): Workspace {
  return {
    id: String(row.id),
    name: String(row.name),
    created_at: iso(row.created_at),
    archived_at: isoOrNull(row.archived_at),
    document_count: Number(row.document_count),
  };
}

/** The SQLSTATE of the `workspaces_tenant_name_key` collision: the caller's own tenant already has the name. */
export const UNIQUE_VIOLATION = "23505";
