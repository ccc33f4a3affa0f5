import type { Statement } from "../../db/tenant-db.ts";
import type { CursorPosition } from "./cursor.ts";

/**
 * The statement for one page of a workspace's documents after `after` (null: the first page), newest first. The
 * order (created_at DESC, id ASC) is documents_workspace_created_idx's, so each page is one index range scan;
 * `cursor_micros` is the exact created_at for the next cursor. Fetch `limit + 1` rows to learn whether more remain.
 */
export function documentPageStatement(
  columns: string,
  workspaceId: string,
  after: CursorPosition | null,
  limit: number,
): Statement {
  return {
    text: `select ${columns}, (extract(epoch from d.created_at) * 1000000)::bigint::text as cursor_micros
             from documents d
            where d.workspace_id = $1
              and ($2::bigint is null
                   or d.created_at <= timestamptz 'epoch' + $2::bigint * interval '1 microsecond'
                      and (d.created_at < timestamptz 'epoch' + $2::bigint * interval '1 microsecond'
                           or d.id > $3::uuid))
            order by d.created_at desc, d.id asc
            limit $4`,
    params: [workspaceId, after?.createdAtMicros ?? null, after?.id ?? null, limit],
  };
}

/** The position after `row` (selected by {@link documentPageStatement}). */
export function positionOf(row: Record<string, unknown>): CursorPosition {
  return { createdAtMicros: String(row.cursor_micros), id: String(row.id) };
}
