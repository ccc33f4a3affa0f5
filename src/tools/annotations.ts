import type { ToolAnnotations } from "./types.ts";

/**
 * The hints of a tool that only reads: it changes nothing, so calling it again is harmless, and it reaches nothing
 * outside this server. Frozen, because every such tool shares the one object.
 */
export const READ_ONLY: ToolAnnotations = Object.freeze({
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
});
