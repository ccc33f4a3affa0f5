import type { ToolAnnotations } from "./types.ts";

/**
 * The hints of a tool that only reads: it changes nothing, and it reaches nothing outside this server. Frozen, because
 * every such tool shares the one object. `destructiveHint` and `idempotentHint` are left out: MCP defines them only
 * for tools that are not read-only (a read-only tool is neither destructive nor unsafe to repeat), and each byte of a
 * listing is sent with every conversation.
 */
export const READ_ONLY: ToolAnnotations = Object.freeze({
  readOnlyHint: true,
  openWorldHint: false,
});

/**
 * The sentence every write tool's description ends with, so clients and models learn that a retry is safe with a key
 * (src/idempotency/; the server honours a key on any tool that is not read-only). Short: every listing byte goes to
 * the model with each conversation; the README says the rest (the header, what a retry returns).
 */
export const RETRY_WITH_KEY = 'Retry-safe with an idempotency key (_meta "io.tenant-mcp/idempotency-key").';
