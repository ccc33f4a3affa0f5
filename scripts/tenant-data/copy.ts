/**
 * Copying one tenant's rows between two data locations and proving the copy equal (docs/isolation.md, "Moving a
 * tenant"). Every read and write runs as tenant_mcp_owner with app.tenant_id set, so row-level security limits both
 * sides to the tenant's own rows (in public, next to every other shared tenant's).
 */
import type pg from "pg";
import { quoteIdent } from "../migrate/database.ts";
import { checkedSchema } from "./data-files.ts";
import { asOwner } from "./locations.ts";

/** One side of a copy: a connection and the schema holding the tenant tables there. */
export interface Side {
  client: pg.Client;
  schema: string;
}

/** A tenant table as the copy sees it. */
export interface DataTable {
  name: string;
  /** Stored columns (generated ones are recomputed by the target), in table order. */
  columns: string[];
  /** Primary key columns: the order rows are read and summed in. */
  key: string[];
}

/** Per table: how many rows, and an MD5 over every row's stored columns in key order. */
export type TableSums = Record<string, { rows: number; sum: string }>;

const CHUNK = 1000;

/**
 * The tenant tables of `side` (every table with a tenant_id column but the migration history and the move fences),
 * parents before children.
 */
export async function dataTables(side: Side): Promise<DataTable[]> {
  const { rows } = await side.client.query<{ name: string; columns: string[]; key: string[]; parents: string[] }>(
    `SELECT c.relname AS name,
            array(SELECT a.attname::text FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                   ORDER BY a.attnum) AS columns,
            array(SELECT a.attname::text FROM pg_index i
                    JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) ON true
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                   WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY k.pos) AS key,
            array(SELECT DISTINCT p.relname::text FROM pg_constraint f JOIN pg_class p ON p.oid = f.confrelid
                   WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid <> c.oid) AS parents
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname NOT IN ('data_migrations', 'data_fences')
        AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)`,
    [checkedSchema(side.schema)],
  );
  const ordered: DataTable[] = [];
  const pending = [...rows];
  while (pending.length) {
    const next = pending.findIndex((t) =>
      t.parents.every((p) => ordered.some((o) => o.name === p) || !pending.some((q) => q.name === p)),
    );
    if (next < 0)
      throw new Error(`tenant tables reference each other in a cycle: ${pending.map((t) => t.name).join(", ")}`);
    const [t] = pending.splice(next, 1);
    if (!t) break;
    if (t.key.length === 0) throw new Error(`tenant table ${t.name} has no primary key`);
    ordered.push({ name: t.name, columns: t.columns, key: t.key });
  }
  return ordered;
}

const ident = (names: readonly string[]): string => names.map(quoteIdent).join(", ");
const table = (side: Side, name: string): string => `${quoteIdent(checkedSchema(side.schema))}.${quoteIdent(name)}`;

/**
 * Copies the tenant's rows of `tables` from `from` to `to` with ids and timestamps as they are, in one transaction of
 * the target (all or nothing), reading in key order a chunk at a time. Returns the rows copied per table.
 */
export async function copyRows(
  tenantId: string,
  tables: readonly DataTable[],
  from: Side,
  to: Side,
): Promise<Record<string, number>> {
  const copied: Record<string, number> = {};
  await asOwner(to.client, tenantId, async () => {
    for (const t of tables) {
      copied[t.name] = 0;
      for (let offset = 0; ; offset += CHUNK) {
        const chunk = await asOwner(from.client, tenantId, async () => {
          const { rows } = await from.client.query<{ rows: string | null; n: number }>(
            `SELECT json_agg(x)::text AS rows, count(*)::int AS n
               FROM (SELECT ${ident(t.columns)} FROM ${table(from, t.name)}
                      ORDER BY ${ident(t.key)} LIMIT ${CHUNK} OFFSET ${offset}) AS x`,
          );
          return rows[0];
        });
        if (!chunk?.rows || chunk.n === 0) break;
        await to.client.query(
          `INSERT INTO ${table(to, t.name)} (${ident(t.columns)})
           SELECT ${ident(t.columns)} FROM json_populate_recordset(NULL::${table(to, t.name)}, $1::json)`,
          [chunk.rows],
        );
        copied[t.name] = (copied[t.name] ?? 0) + chunk.n;
        if (chunk.n < CHUNK) break;
      }
    }
  });
  return copied;
}

/**
 * Row counts and checksums of the tenant's rows of `tables` on `side`: an MD5 over each row's stored columns (by
 * name, as text in UTC and ISO form, so both sides print values alike) in key order.
 */
export async function tableSums(tenantId: string, tables: readonly DataTable[], side: Side): Promise<TableSums> {
  return asOwner(side.client, tenantId, async () => {
    await side.client.query(
      "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 3",
    );
    const sums: TableSums = {};
    for (const t of tables) {
      const byName = [...t.columns].sort();
      const { rows } = await side.client.query<{ rows: number; sum: string }>(
        `SELECT count(*)::int AS rows,
                coalesce(md5(string_agg(md5(ROW(${ident(byName)})::text), '' ORDER BY ${ident(t.key)})), '') AS sum
           FROM ${table(side, t.name)}`,
      );
      sums[t.name] = rows[0] as { rows: number; sum: string };
    }
    return sums;
  });
}

/** Deletes the tenant's rows of `tables` on `side`, children first (a shared tenant's old copy in public). */
export async function deleteRows(tenantId: string, tables: readonly DataTable[], side: Side): Promise<void> {
  await asOwner(side.client, tenantId, async () => {
    for (const t of [...tables].reverse()) await side.client.query(`DELETE FROM ${table(side, t.name)}`);
  });
}
