/**
 * The one error type of the admin CLI and its library: a message fit for one line on a terminal, and the exit code
 * (2: the command line was wrong; 1: the operation failed). Anything else thrown is a bug or an infrastructure
 * fault, and the CLI describes it in one line too (see scripts/admin/errors.ts).
 */
export class AdminError extends Error {
  readonly exitCode: 1 | 2;
  /** The database or Redis could not be reached at all (the CLI then says where it tried). */
  readonly unreachable: boolean;

  constructor(message: string, options: { exitCode?: 1 | 2; unreachable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "AdminError";
    this.exitCode = options.exitCode ?? 1;
    this.unreachable = options.unreachable ?? false;
  }
}

/** A command-line mistake: exit code 2, and the CLI points at `--help`. */
export function usageError(message: string): AdminError {
  return new AdminError(message, { exitCode: 2 });
}

/**
 * The reason behind a transport failure in one line: drivers wrap the useful part ("connect ECONNREFUSED
 * 127.0.0.1:4444") a few causes deep under generic messages ("fetch failed").
 */
export function reasonOf(err: unknown): string {
  const parts: string[] = [];
  // The Neon driver keeps the underlying error in `sourceError`, fetch in `cause`.
  const next = (c: unknown): unknown => (c as { cause?: unknown }).cause ?? (c as { sourceError?: unknown }).sourceError;
  for (let c: unknown = err; c && parts.length < 4; c = next(c)) {
    const part = (c as Error).message || (c as { code?: string }).code || String(c);
    if (!parts.some((p) => p.includes(part))) parts.push(part);
  }
  return parts.join(": ").replace(/\s*\n\s*/g, " ") || String(err);
}
