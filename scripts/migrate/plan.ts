import type { SqlFile } from "./files.ts";

/** A row of schema_migrations. */
export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

/**
 * The migrations still to run, given the files on disk and what the database has recorded. Throws when history
 * and files disagree in a way that re-running cannot fix:
 * - an applied file whose text changed (edit a new migration instead; the database already ran the old text);
 * - a pending file numbered below the newest applied one (it would run after schema it predates: renumber it).
 * Applied versions with no file (e.g. after switching branches) are reported through `warn` and otherwise ignored.
 */
export function planMigrations(
  files: readonly SqlFile[],
  applied: readonly AppliedMigration[],
  warn: (message: string) => void = () => {},
): SqlFile[] {
  const byVersion = new Map(applied.map((a) => [a.version, a]));
  const newest = applied.reduce((max, a) => Math.max(max, a.version), 0);
  const pending: SqlFile[] = [];
  for (const file of files) {
    const done = byVersion.get(file.version);
    if (done) {
      if (done.checksum !== file.checksum) {
        throw new Error(
          `${file.name}.sql was changed after it was applied (recorded checksum ${done.checksum.slice(0, 12)}…, ` +
            `file ${file.checksum.slice(0, 12)}…). Restore it and put the change in a new migration.`,
        );
      }
      continue;
    }
    if (file.version < newest) {
      throw new Error(`${file.name}.sql is not applied but migration ${newest} is; renumber it above ${newest}.`);
    }
    pending.push(file);
  }
  const onDisk = new Set(files.map((f) => f.version));
  for (const a of applied) {
    if (!onDisk.has(a.version)) warn(`applied migration ${a.name} has no file here; ignoring it`);
  }
  return pending;
}
