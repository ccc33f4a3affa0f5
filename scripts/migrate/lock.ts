/**
 * The migration runner's session-level advisory lock, per database: held from before reading the history until the
 * last file commits, so a second runner waits and then finds nothing to do.
 */
export const LOCK_KEY = "hashtextextended('tenant_mcp:migrate', 0)";
