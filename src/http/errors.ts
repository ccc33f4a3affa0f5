/** JSON-RPC error codes used at the HTTP layer. */
export const RpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Generic server error (transport/auth/limits), as the MCP SDK uses it. */
  ServerError: -32000,
  /** The MCP SDK's "Session not found". */
  SessionNotFound: -32001,
} as const;

/** Options of {@link HttpError}. */
export interface HttpErrorOptions {
  /** JSON-RPC error code of the body. Default: -32000. */
  code?: number;
  /** Detail for the log only; never sent to the client. */
  internal?: string;
  headers?: Record<string, string>;
  cause?: unknown;
  /** The JSON-RPC error's `data`, for a client to act on (e.g. which quota and when it resets). Default: none. */
  data?: unknown;
  /**
   * The RFC 9457 problem type, for answers rendered as problem details (the operator API, src/admin/problem.ts).
   * Default: `about:blank` (the status says it all).
   */
  type?: string;
}

/**
 * The one error type of the request pipeline: an HTTP status, a short public message, and internal detail that
 * only the log sees. `toResponse` at the error boundary turns it into a JSON-RPC error body.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly publicMessage: string;
  readonly code: number;
  readonly internal: string | undefined;
  readonly headers: Record<string, string>;
  readonly data: unknown;
  readonly type: string | undefined;

  constructor(status: number, publicMessage: string, options: HttpErrorOptions = {}) {
    super(options.internal ?? publicMessage, { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.publicMessage = publicMessage;
    this.code = options.code ?? RpcCode.ServerError;
    this.internal = options.internal;
    this.headers = options.headers ?? {};
    this.data = options.data;
    this.type = options.type;
  }
}

/**
 * A JSON-RPC error response. `id` is null for HTTP-level errors (not tied to a parsed request: the body is the same for
 * every request that fails the same way, and the request id travels in the `X-Request-Id` header only); a refusal of
 * one parsed message passes that message's id.
 */
export function errorResponse(error: HttpError, id: string | number | null = null): Response {
  const body = {
    jsonrpc: "2.0",
    error: {
      code: error.code,
      message: error.publicMessage,
      ...(error.data === undefined ? {} : { data: error.data }),
    },
    id,
  };
  return Response.json(body, { status: error.status, headers: error.headers });
}

/** 503 for a dependency that is down: clients should retry, not re-initialize. */
export function unavailable(what: string, cause: unknown): HttpError {
  return new HttpError(503, "Service temporarily unavailable", {
    internal: `${what} unavailable: ${cause instanceof Error ? cause.message : String(cause)}`,
    headers: { "retry-after": "2" },
    cause,
  });
}
