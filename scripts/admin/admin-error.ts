/**
 * The admin CLI's own error, for what only a command line gets wrong (a missing command, an unknown flag, no
 * connection settings): a message fit for one line on a terminal, and the exit code (2: the command line was wrong;
 * 1: the operation failed). The operations themselves throw ControlError (src/control/errors.ts), which
 * scripts/admin/errors.ts maps to the same two codes.
 */
export class AdminError extends Error {
  readonly exitCode: 1 | 2;

  constructor(message: string, options: { exitCode?: 1 | 2; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "AdminError";
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A command-line mistake: exit code 2, and the CLI points at `--help`. */
export function usageError(message: string): AdminError {
  return new AdminError(message, { exitCode: 2 });
}
