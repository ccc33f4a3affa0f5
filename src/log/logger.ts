/** Severity of a log line. */
type LogLevel = "debug" | "info" | "warn" | "error";

/** Structured logger: every line is one JSON object carrying the request's fields. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines also carry `fields` (e.g. tenant id once it is known). */
  with(fields: Record<string, unknown>): Logger;
}

/**
 * A logger writing one JSON line per call to the console, which Workers Observability collects. `base` fields
 * (request id, tenant id, ...) are merged into every line. Errors are flattened so their message and stack survive
 * JSON serialisation.
 */
export function createLogger(base: Record<string, unknown> = {}, sink: (line: string) => void = console.log): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    const line: Record<string, unknown> = { ts: new Date().toISOString(), level, msg, ...base };
    if (fields) for (const [k, v] of Object.entries(fields)) line[k] = v instanceof Error ? flatten(v) : v;
    sink(JSON.stringify(line));
  };
  return {
    debug: (msg, f) => write("debug", msg, f),
    info: (msg, f) => write("info", msg, f),
    warn: (msg, f) => write("warn", msg, f),
    error: (msg, f) => write("error", msg, f),
    with: (fields) => createLogger({ ...base, ...fields }, sink),
  };
}

function flatten(err: Error): Record<string, unknown> {
  return { name: err.name, message: err.message, stack: err.stack, ...(err.cause ? { cause: String(err.cause) } : {}) };
}
