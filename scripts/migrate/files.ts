import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** One SQL file to run: a numbered migration or a seed. */
export interface SqlFile {
  /** Migration number from the `NNN_` prefix; 0 for seeds, which are ordered by file name. */
  version: number;
  /** File name without `.sql`, e.g. `001_roles`; what the runner logs and records. */
  name: string;
  path: string;
  sql: string;
  /** Hex SHA-256 of the text with line endings normalised, so a CRLF checkout does not look like an edit. */
  checksum: string;
}

const MIGRATION_NAME = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

/** Hex SHA-256 of `sql` after turning CRLF into LF. */
export function checksumOf(sql: string): string {
  return createHash("sha256").update(sql.replace(/\r\n/g, "\n")).digest("hex");
}

/**
 * The numbered migrations in `dir` (not its subfolders), in version order. A `.sql` file whose name does not match
 * `NNN_lower_snake.sql` (other than those named in `except`), or two files with one number, is an error rather than
 * something silently skipped.
 */
export async function readMigrations(dir: string, except: readonly string[] = []): Promise<SqlFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: SqlFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith(".sql") || except.includes(entry.name)) continue;
    const match = MIGRATION_NAME.exec(entry.name);
    if (!match) {
      throw new Error(`${join(dir, entry.name)}: migration files are named NNN_lower_snake_case.sql`);
    }
    files.push(await readSqlFile(join(dir, entry.name), Number(match[1])));
  }
  files.sort((a, b) => a.version - b.version);
  for (let i = 1; i < files.length; i++) {
    const [prev, cur] = [files[i - 1]!, files[i]!];
    if (prev.version === cur.version) {
      throw new Error(`${prev.name}.sql and ${cur.name}.sql have the same number`);
    }
  }
  return files;
}

/** The `.sql` files in `dir`, by name; none when the folder does not exist. */
export async function readSeeds(dir: string): Promise<SqlFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const sqlNames = names.filter((n) => n.endsWith(".sql")).sort();
  return Promise.all(sqlNames.map((n) => readSqlFile(join(dir, n), 0)));
}

/** One SQL file, read whole; `version` as for {@link SqlFile}. */
export async function readSqlFile(path: string, version: number): Promise<SqlFile> {
  const sql = await readFile(path, "utf8");
  const base = path.slice(path.lastIndexOf("/") + 1).replace(/\.sql$/, "");
  return { version, name: base, path, sql, checksum: checksumOf(sql) };
}
