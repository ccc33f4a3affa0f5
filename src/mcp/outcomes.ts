import type { GetPromptOutcome } from "../prompts/types.ts";
import type { ReadResourceOutcome } from "../resources/types.ts";
import type { ListResourcesOutcome } from "../resources/registry.ts";

type Failure = Extract<GetPromptOutcome | ReadResourceOutcome, { ok: false }>["error"];

/** MCP "Resource not found" (2025-11-25 server/resources, "Error Handling"). */
const RESOURCE_NOT_FOUND = -32002;

const CODES: Record<Failure, number> = {
  not_found: RESOURCE_NOT_FOUND,
  unknown_prompt: -32602,
  invalid_arguments: -32602,
  failed: -32603,
};

/** A JSON-RPC error as both lanes throw it. */
export interface RpcErrorShape {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

/**
 * A failed registry outcome as a JSON-RPC error (code and safe message); both protocol lanes map the same way. `uri`
 * is the resource a `resources/read` asked for: "Resource not found" carries it in `data` (MCP 2025-11-25
 * server/resources "Error Handling"; SEP-2164 on 2026-07-28), so a client can tell which read failed.
 */
export function outcomeError(
  outcome: Extract<GetPromptOutcome | ReadResourceOutcome | ListResourcesOutcome, { ok: false }>,
  kind: "prompt" | "resource",
  uri?: string,
): RpcErrorShape {
  if (!("error" in outcome)) return { code: -32603, message: outcome.message };
  // For prompts, "not found" names a missing object behind a valid prompt: invalid params, not a missing resource.
  const code = kind === "prompt" && outcome.error === "not_found" ? -32602 : CODES[outcome.error];
  const data = kind === "resource" && outcome.error === "not_found" && uri !== undefined ? { uri } : undefined;
  return { code, message: outcome.message, ...(data ? { data } : {}) };
}
